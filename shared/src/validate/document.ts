import type { Problem } from '../diagnostics';
import type { SisDocument } from '../sis/types';
import { prepare, type ValidationContext } from './context';
import { fileWideProblems, frameProblems, type KeyedUser } from './file';
import { analyzeScan } from './user';

export type ValidateOptions = ValidationContext;

/** Move a chunk-relative problem to absolute offsets. */
export function shiftProblem(p: Problem, base: number): Problem {
  return base === 0 ? p : { ...p, start: p.start + base, end: p.end + base };
}

/** Document order: by start, then end, then code (stable output for the CLI and tests). */
export function compareProblems(a: Problem, b: Problem): number {
  return a.start - b.start || a.end - b.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * Every problem of a read document, with ABSOLUTE offsets, sorted: the reader's (encoding,
 * well-formedness), the frame's, each user's, and the duplicates between users.
 */
export function validateDocument(doc: SisDocument, options: ValidateOptions = {}): Problem[] {
  const p = prepare(options);
  const out: Problem[] = [...doc.problems];
  out.push(...frameProblems(doc, doc.users.length, p.settings));
  const keyed: KeyedUser[] = new Array(doc.users.length);
  for (let i = 0; i < doc.users.length; i++) {
    const chunk = doc.users[i];
    const base = chunk.start;
    for (const q of chunk.problems) out.push(shiftProblem(q, base));
    const a = analyzeScan(chunk.key.table(), options);
    for (const q of a.problems) out.push(shiftProblem(q, base));
    keyed[i] = { start: base, keys: a.keys };
  }
  out.push(...fileWideProblems(keyed, p.settings));
  return out.sort(compareProblems);
}
