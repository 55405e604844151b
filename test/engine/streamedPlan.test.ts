/**
 * `alma-sis plan` and `apply` read both inputs as streams and build each matched snapshot user
 * from its bytes, write the JSON as users come, and take shortcuts for speed (docs/performance.md).
 * The editor plans the same files whole (`computeSync`: the document read whole, the snapshot
 * parsed whole, `planFile`). On generated files with every kind of outcome and deliberate errors,
 * both give the same plan, text for text, and `apply` leaves the snapshot the editor's Run Sync
 * would: a shortcut that changed a plan would fail here.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeSync } from '../../shared/src/analysis/sync';
import { generateSisXml, generateSnapshot } from '../../tools/generate';
import { cli, tempFolder } from './cliHelper';

// The day the in-process command line sees (cliHelper's clock), for the editor's date checks.
const TODAY = '2026-01-01';

describe('the streamed plan equals the whole-file plan', { timeout: 120_000 }, () => {
  const tmp = tempFolder('alma-streamed-plan-');

  for (const seed of [1, 7]) {
    it(`generated users with errors and a snapshot (seed ${seed})`, async () => {
      const opts = { users: 700, seed, errors: 40 };
      const xml = generateSisXml(opts).xml;
      const snapshotText = generateSnapshot(opts).json;
      const file = tmp.write('users.xml', xml);
      const snap = tmp.write('users.alma-snapshot.json', snapshotText);

      const whole = computeSync({ text: xml, snapshotText, settingsLayer: {}, today: TODAY });
      const outcomes = new Set(whole.plan.users.map((u) => u.outcome));
      expect([...outcomes].sort()).toEqual(['created', 'rejected', 'unchanged', 'updated']);

      const r = await cli(['plan', file, '--snapshot', snap, '--format', 'json']);
      expect(r.code).toBe(1); // some users are rejected
      // The command line's document: users first, then the summary (written when known).
      const expected = { format: whole.plan.format, version: whole.plan.version, users: whole.plan.users, summary: whole.plan.summary };
      expect(r.out).toBe(`${JSON.stringify(expected, null, 2)}\n`);

      const out = `${tmp.dir()}/next.alma-snapshot.json`;
      const applied = await cli(['apply', file, '--snapshot', snap, '--out', out]);
      expect(applied.code).toBe(1);
      expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(JSON.parse(whole.nextSnapshotText()));
    });
  }
});
