/**
 * The command line on fuzzed files (issue 8): `validate`, `plan` and `apply` on mutated corpus
 * and generated files exit with one of the documented codes (docs/cli.md), print messages and
 * never a stack trace, and `apply` writes nothing when Alma could not read the file as a whole.
 * Skipped when `dist/cli.js` is not built.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBases } from '../../tools/fuzz/bases';
import { makeSample } from '../../tools/fuzz/mutate';
import { generateSnapshot } from '../../tools/generate';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const HAVE = fs.existsSync(CLI);
if (!HAVE) console.warn('command-line fuzz test skipped: dist/cli.js not built (npm run build)');

describe.skipIf(!HAVE)('alma-sis on fuzzed files', { timeout: 600_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-clifuzz-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 or 1 (the files exist), with messages and never a stack trace; apply writes nothing on a file Alma cannot read', () => {
    const seed = 5150;
    const { bases } = loadBases(REPO, seed);
    const snap = path.join(dir, 'snap.alma-snapshot.json');
    fs.writeFileSync(snap, generateSnapshot({ users: 12, seed }).json);
    const tally = new Map<string, number>();
    for (let i = 0; i < 25; i++) {
      const sample = makeSample(bases, seed, i);
      if (sample.bytes.length > 2_000_000) continue;
      const file = path.join(dir, `in${i}.xml`);
      fs.writeFileSync(file, sample.bytes);
      const out = path.join(dir, `out${i}.alma-snapshot.json`);
      for (const args of [
        ['validate', file],
        ['plan', file, '--snapshot', snap],
        ['apply', file, '--snapshot', snap, '--out', out],
      ]) {
        const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        const what = `iteration ${i} (${sample.mutations.join(', ')}): ${args[0]} exited ${r.status}`;
        expect([0, 1], `${what}: ${r.stderr.slice(0, 500)}`).toContain(r.status);
        expect(r.stderr, what).not.toMatch(/\n\s+at .*\(|TypeError|RangeError|ReferenceError/);
        tally.set(`${args[0]} ${r.status}`, (tally.get(`${args[0]} ${r.status}`) ?? 0) + 1);
        if (args[0] === 'apply' && /nothing written/.test(r.stderr)) expect(fs.existsSync(out), what).toBe(false);
      }
    }
    console.log(`command-line fuzz: ${[...tally].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  });
});
