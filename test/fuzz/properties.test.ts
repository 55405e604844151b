/**
 * The fuzz harness's properties (tools/fuzz/check.ts) on a fixed set of inputs, so they run
 * with every `npm test`: a few hundred mutated corpus and generated files, deterministic by seed.
 * The long runs are `npm run fuzz -- --seconds N` (and a minute of it in CI).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBases } from '../../tools/fuzz/bases';
import { checkSample, makeContext } from '../../tools/fuzz/check';
import { makeSample, randomEdit, Rng } from '../../tools/fuzz/mutate';

const REPO = path.resolve(__dirname, '../..');

describe('fuzz properties on fixed seeds', { timeout: 300_000 }, () => {
  const seed = 424242;
  const { bases, corpus } = loadBases(REPO, seed);
  if (corpus === 0) console.warn('fuzz properties: ../shared/corpus/sis not found; generated files only');
  const ctx = makeContext(seed);

  it('the same seed and iteration give the same bytes', () => {
    for (const it of [0, 1, 17, 99]) expect(makeSample(bases, seed, it).bytes).toEqual(makeSample(bases, seed, it).bytes);
    expect(makeSample(bases, seed, 1).bytes).not.toEqual(makeSample(bases, seed + 1, 1).bytes);
  });

  it('random edits stay inside the text', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 1000; k++) {
      const text = 'x'.repeat(rng.int(0, 50)) + '<a>';
      const e = randomEdit(text, rng);
      expect(0 <= e.start && e.start <= e.end && e.end <= text.length).toBe(true);
    }
  });

  // Chunks of 40 inputs so a failure names a small range of iterations to replay with
  // `npm run fuzz -- --seed 424242 --only N`.
  for (let chunk = 0; chunk < 6; chunk++) {
    it(`inputs ${chunk * 40}–${chunk * 40 + 39}: no property fails`, async () => {
      const failures: string[] = [];
      for (let i = chunk * 40; i < chunk * 40 + 40; i++) {
        const sample = makeSample(bases, seed, i);
        for (const f of await checkSample(sample, ctx, seed + i)) failures.push(`iteration ${i} (${sample.base}; ${sample.mutations.join(', ')}): ${f.property}: ${f.message}`);
      }
      expect(failures).toEqual([]);
    });
  }
});
