/**
 * The snapshot read as a stream (what `plan` and `apply` use) against the snapshot read whole
 * (`parseSnapshot`, what the editor and the other commands use): on generated snapshots, damaged
 * in every way, both accept or both refuse; when both accept they report the same problems on
 * the same lines, index the same keys and give back the same entries. The stream reader gives
 * the same answers however the bytes are cut.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexSnapshot } from '../../shared/src/engine/plan';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/src/settings';
import { parseSnapshot } from '../../shared/src/snapshot/snapshot';
import { SnapshotStreamReader, type EntrySummary } from '../../shared/src/snapshot/stream';
import { InputError } from '../../server/src/io/input';
import { openSnapshot } from '../../server/src/io/snapshotFile';
import { Rng } from '../../tools/fuzz/mutate';
import { generateSnapshot } from '../../tools/generate';

const SNIPPETS = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u12', '\\u00e9', 'null', 'true', 'tru', '1e999', '-', '01', '1.', '"users"', '"user"', '"sync"', '"protected"', '"primary_id"', '\u0000', '\n', '\r\n', ' ', 'é', '"__proto__"'];

function damage(text: string, rng: Rng): string {
  let t = text;
  for (let n = rng.int(0, 3); n > 0; n--) {
    const at = rng.int(0, t.length);
    const kind = rng.int(0, 5);
    if (kind === 0) t = t.slice(0, at);
    else if (kind === 1 || kind === 5) t = t.slice(0, at) + rng.pick(SNIPPETS) + t.slice(at);
    else if (kind === 2) t = t.slice(0, at) + t.slice(Math.min(t.length, at + rng.int(1, 50)));
    else if (kind === 3) t = t.slice(0, at) + t.slice(rng.int(0, t.length), rng.int(0, t.length)) + t.slice(at);
    else t = t.replace(/"lastSisValue": ?"[^"]*"/, rng.pick(['"lastSisValue": 5', '"lastSisValue": {}', '"lastSisValue": [1]']));
  }
  return t;
}

/** Entries, root and problems of the stream reader fed these pieces. */
function streamed(bytes: Uint8Array, cuts: number[]) {
  const entries: EntrySummary[] = [];
  const reader = new SnapshotStreamReader((b) => new TextDecoder().decode(b), (e) => entries.push(e));
  let last = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(last, c));
    last = c;
  }
  reader.push(bytes.subarray(last));
  return { ...reader.end(), list: entries };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-snapshot-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function whole(text: string, settingsOf: () => Settings) {
  const r = parseSnapshot(text);
  if (!r.snapshot) return { error: r.problems.find((p) => p.severity === 'error') };
  return { snapshot: r.snapshot, problems: r.problems, index: indexSnapshot(r.snapshot, settingsOf()) };
}

describe('the snapshot read as a stream', { timeout: 300_000 }, () => {
  const bases = [generateSnapshot({ users: 8, seed: 3 }).json, generateSnapshot({ users: 5, seed: 9 }).json.replace(/\n/g, '\r\n')];

  it('accepts and refuses what the whole reader does, with the same problems, keys and entries', () => {
    const rng = new Rng(5);
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      const text = damage(rng.pick(bases), rng);
      const file = path.join(dir, `s${i}.json`);
      fs.writeFileSync(file, text);
      const settingsOf = () => (rng.chance(0.5) ? DEFAULT_SETTINGS : { ...DEFAULT_SETTINGS, matchBy: 'UNIV_ID' });
      const settings = settingsOf();
      const w = whole(text, () => settings);
      let s: ReturnType<typeof openSnapshot> | undefined;
      let error: unknown;
      try {
        s = openSnapshot(file, () => settings);
      } catch (e) {
        error = e;
      }
      if (w.error) {
        refused++;
        expect(error, `iteration ${i}: the whole reader refuses (${w.error.message}), the stream reader accepts`).toBeInstanceOf(InputError);
        expect((error as Error).message).toMatch(/^cannot use the snapshot .*:\d+: error: /);
        continue;
      }
      expect(error, `iteration ${i}: ${String(error)}`).toBeUndefined();
      const plain = (ps: readonly { severity: string; path: string; message: string; line?: number }[]) => ps.map(({ severity, path: p, message, line }) => ({ severity, path: p, message, line }));
      expect(plain(s!.problems), `iteration ${i}`).toEqual(plain(w.problems!));
      expect(s!.index.size).toBe(w.index!.size);
      expect([...s!.index.byMatch]).toEqual([...w.index!.byMatch]);
      expect([...s!.index.byIdentifier]).toEqual([...w.index!.byIdentifier]);
      for (let k = 0; k < s!.index.size; k++) {
        const a = s!.index.entry(k)!;
        const b = w.index!.entry(k)!;
        expect(a.user).toEqual(b.user);
        expect([...a.protected]).toEqual([...b.protected]);
        expect(s!.index.record(k)).toEqual(w.index!.record(k));
        // The byte range holds exactly the entry's text.
        const [start, end] = [s!.ranges[2 * k], s!.ranges[2 * k + 1]];
        expect(JSON.parse(Buffer.from(s!.bytes(start, end)).toString('utf8'))).toEqual(JSON.parse(text.slice(b.span!.start, b.span!.end)));
      }
      s!.close();
    }
    expect(refused).toBeGreaterThan(50);
  });

  it('gives the same entries, root and problems however the bytes are cut', () => {
    const rng = new Rng(17);
    for (let i = 0; i < 400; i++) {
      const bytes = Buffer.from(damage(rng.pick(bases), rng), 'utf8');
      const one = streamed(bytes, []);
      const cuts = Array.from({ length: rng.int(1, 12) }, () => rng.int(0, bytes.length));
      expect(streamed(bytes, cuts), `iteration ${i}`).toEqual(one);
    }
  });

  it('reads nesting 100,000 deep and a 10 MB string', () => {
    const deep = Buffer.from(`{"format":"alma-sis-snapshot","version":1,"users":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`);
    expect(streamed(deep, [1000, 150_000]).entries).toBe(1);
    const big = Buffer.from(`{"format":"alma-sis-snapshot","version":1,"users":[{"user":{"primary_id":"a","last_name":"${'x'.repeat(10 * 1024 * 1024)}"}}]}`);
    const cuts = Array.from({ length: 160 }, (_, k) => k * 65536);
    const r = streamed(big, cuts);
    expect(r.list).toHaveLength(1);
    expect(r.list[0].raw).toEqual({ user: { primary_id: 'a' } });
  });
});
