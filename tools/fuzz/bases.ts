/** The starting files of the fuzz harness: `../shared/corpus/sis/*.xml` when present, and generated files. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '../sharedDir';
import { generatedBases, type Base } from './mutate';

/** `corpus/sis` of the reference folder (`sharedDir`; skipped when absent). */
export function corpusDir(repo: string): string {
  return path.join(sharedDir(repo), 'corpus', 'sis');
}

export function loadBases(repo: string, seed: number): { bases: Base[]; corpus: number } {
  const bases: Base[] = [];
  const dir = corpusDir(repo);
  let corpus = 0;
  if (fs.existsSync(dir)) {
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith('.xml')) continue;
      bases.push({ name: `corpus/${name}`, text: fs.readFileSync(path.join(dir, name), 'utf8') });
      corpus++;
    }
  }
  bases.push(...generatedBases(seed));
  return { bases, corpus };
}
