/**
 * The snapshot reader under fuzz (issue 8): generated snapshots, cut and damaged in every way,
 * are read without throwing; one that cannot be used always comes with an error that names a
 * line inside the text and a JSON path. Deep nesting is refused, not overflowed.
 */
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../shared/src/snapshot/snapshot';
import { generateSnapshot } from '../../tools/generate';
import { Rng } from '../../tools/fuzz/mutate';

const SNIPPETS = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u12', 'null', 'true', '1e999', '-', '"users"', '"user"', '"sync"', '"protected"', '\u0000', '\ud800', '\n'];

function damage(text: string, rng: Rng): string {
  let t = text;
  for (let n = rng.int(1, 3); n > 0; n--) {
    const at = rng.int(0, t.length);
    const kind = rng.int(0, 4);
    if (kind === 0) t = t.slice(0, at);
    else if (kind === 1) t = t.slice(0, at) + rng.pick(SNIPPETS) + t.slice(at);
    else if (kind === 2) t = t.slice(0, at) + t.slice(Math.min(t.length, at + rng.int(1, 50)));
    else if (kind === 3) t = t.slice(0, at) + t.slice(rng.int(0, t.length), rng.int(0, t.length)) + t.slice(at);
    else t = t.replace(/"lastSisValue": ?"[^"]*"/, rng.pick(['"lastSisValue": 5', '"lastSisValue": {}', '"lastSisValue": [1]']));
  }
  return t;
}

function lineCount(text: string): number {
  return text.split(/\r\n|\r|\n/).length;
}

describe('the snapshot reader on damaged snapshots', { timeout: 300_000 }, () => {
  const { json } = generateSnapshot({ users: 6, seed: 21 });

  it('never throws; an unusable snapshot has an error with a line inside the text and a JSON path', () => {
    const rng = new Rng(99);
    let unusable = 0;
    for (let i = 0; i < 1500; i++) {
      const text = damage(json, rng);
      const r = parseSnapshot(text);
      for (const p of r.problems) {
        expect(p.path, JSON.stringify(p)).toMatch(/^\$/);
        if (p.line !== undefined) {
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(lineCount(text));
        }
      }
      if (!r.snapshot) {
        unusable++;
        const e = r.problems.find((p) => p.severity === 'error');
        expect(e, `iteration ${i}: unusable without an error`).toBeDefined();
        expect(e!.line, `iteration ${i}: ${e!.message}`).toBeDefined();
      }
    }
    expect(unusable).toBeGreaterThan(100);
  });

  it('nesting 100,000 deep and a 10 MB string are reported, not overflowed', () => {
    const deep = `{"format":"alma-sis-snapshot","version":1,"users":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    const r = parseSnapshot(deep);
    expect(r.snapshot === undefined || r.problems.length > 0).toBe(true);
    const big = `{"format":"alma-sis-snapshot","version":1,"users":[{"user":{"primary_id":"a","last_name":"${'x'.repeat(10 * 1024 * 1024)}"}}]}`;
    expect(parseSnapshot(big).snapshot?.users).toHaveLength(1);
  });
});
