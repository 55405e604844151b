/**
 * The fake Users API's fixtures are in the real API's shape: every key they use appears in the
 * stored answers of the real Users API (the corpus's `api/` folder), with the same kind of
 * value (a code as {value, desc}, a list as an array, ...). Skipped when the corpus is absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED } from '../corpus/shared';
import { loadFixtures } from '../fakeAlma/server';

const API = path.join(SHARED, 'corpus', 'api');
const HAVE = fs.existsSync(API);
if (!HAVE) console.warn(`fixture shape tests skipped: no stored Users API answers at ${API} (set ALMA_SIS_SHARED)`);

type Kinds = Map<string, Set<string>>;

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'value' in (v as object) ? 'code' : 'object';
  return typeof v;
}

/** Path → kinds seen, for every key down the tree (array items share their array's path). */
function walk(v: unknown, at: string, out: Kinds): void {
  const add = (p: string, k: string) => {
    if (!out.has(p)) out.set(p, new Set());
    out.get(p)!.add(k);
  };
  if (Array.isArray(v)) {
    for (const it of v) walk(it, `${at}[]`, out);
    return;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      add(`${at}.${k}`, kindOf(x));
      walk(x, `${at}.${k}`, out);
    }
  }
}

describe.skipIf(!HAVE)('the fake Users API answers in the real shape', () => {
  it('uses only keys the real answers use, with the same kinds of values', () => {
    const real: Kinds = new Map();
    for (const name of fs.readdirSync(API).filter((n) => n.endsWith('.json'))) walk(JSON.parse(fs.readFileSync(path.join(API, name), 'utf8')), '$', real);
    const ours: Kinds = new Map();
    for (const u of loadFixtures().users) walk(u, '$', ours);
    const unknown: string[] = [];
    for (const [p, kinds] of ours) {
      const seen = real.get(p);
      if (!seen) {
        unknown.push(`${p} (not in any real answer)`);
        continue;
      }
      // null and "" stand for "empty" in real answers whatever the field's kind.
      for (const k of kinds) if (!seen.has(k) && k !== 'null' && !(k === 'string' && seen.has('null'))) unknown.push(`${p}: ${k}, real answers have ${[...seen].join('/')}`);
    }
    expect(unknown).toEqual([]);
  });
});
