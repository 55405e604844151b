/**
 * Scenario fixtures, one folder per scenario under test/fixtures/scenarios/<name>/:
 *   snapshot.alma-snapshot.json   what Alma holds before the first run
 *   settings.json                 (optional) profile settings (docs/plan.md)
 *   code-tables.json              (optional) the institution's code tables
 *   1.xml, 1.plan.json            the first SIS file and the plan expected for it
 *   2.xml, 2.plan.json ...        the next files, planned against the snapshot that applying
 *                                 the previous plan left (successive runs)
 *   final.alma-snapshot.json      (optional) the snapshot expected after the last run
 * Each folder runs twice: through the engine, and through the command line as a user runs it
 * (`alma-sis plan --format json`, then `alma-sis apply --out`, the settings as the snapshot's
 * `profile`, the code tables as `--code-tables`). Both must give the expected plans and snapshot.
 * Plans are compared on the public fields plus each decision's rule id and the notes (messages
 * may be reworded freely). Adding a case = adding a folder. UPDATE_SCENARIOS=1 rewrites the
 * expected files (review the diff before committing).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan, incomingUsers, planFile, planToJson, type PlanUserJson } from '../../shared/src/engine';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { parseSnapshot, serializeSnapshot, snapshotProfile } from '../../shared/src/snapshot/snapshot';
import { LineIndex } from '../../shared/src/text/lines';
import { parseCodeTables } from '../../shared/src/validate';
import { cli } from './cliHelper';

const ROOT = path.resolve(__dirname, '../fixtures/scenarios');
const UPDATE = process.env.UPDATE_SCENARIOS === '1';

function comparable(planJson: { summary: unknown; users: PlanUserJson[] }) {
  return {
    summary: planJson.summary,
    users: planJson.users.map((u) => ({
      index: u.index,
      line: u.line,
      matchValue: u.matchValue,
      primaryId: u.primaryId,
      outcome: u.outcome,
      rule: u.rule,
      reasons: u.reasons,
      fields: u.fields.map((f) => ({ field: f.field, before: f.before, incoming: f.incoming, after: f.after, action: f.action, rule: f.rule })),
      segments: u.segments.map((s) => ({ list: s.list, removed: s.removed, added: s.added, kept: s.kept })),
      ...(u.notes ? { notes: u.notes.map((n) => ({ rule: n.rule, ...(n.field !== undefined ? { field: n.field } : {}) })) } : {}),
    })),
  };
}

const scenarios = fs.existsSync(ROOT) ? fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory()).sort() : [];

function folder(name: string) {
  const dir = path.join(ROOT, name);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const steps = fs.readdirSync(dir).filter((f) => /^\d+\.xml$/.test(f)).sort((a, b) => parseInt(a) - parseInt(b));
  const extra = has('settings.json') ? (JSON.parse(read('settings.json')) as Record<string, unknown>) : undefined;
  return { dir, read, has, steps, extra };
}

describe('scenarios', () => {
  it('there are scenarios to walk', () => expect(scenarios.length).toBeGreaterThanOrEqual(5));

  for (const name of scenarios) {
    it(`${name} (engine)`, () => {
      const { dir, read, has, steps, extra } = folder(name);
      const first = parseSnapshot(read('snapshot.alma-snapshot.json'));
      expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);
      let snap = first.snapshot!;
      const { settings, problems } = settingsFrom(snapshotProfile(snap), extra);
      expect(problems).toEqual([]);
      const codeTables = has('code-tables.json') ? parseCodeTables(JSON.parse(read('code-tables.json'))).tables : undefined;
      const ctx = { settings, codeTables };
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) {
        const n = parseInt(step);
        const text = read(step);
        const users = incomingUsers(readSisDocument(text), ctx);
        const lines = new LineIndex(text);
        const plan = planFile(users, snap, settings);
        const actual = comparable(planToJson(plan, (o) => lines.positionAt(o).line + 1));
        const expectedFile = path.join(dir, `${n}.plan.json`);
        if (UPDATE) fs.writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
        expect(actual, `${name}/${step}`).toEqual(JSON.parse(fs.readFileSync(expectedFile, 'utf8')));
        const next = parseSnapshot(serializeSnapshot(applyPlan(snap, plan, users, settings)));
        expect(next.problems.filter((p) => p.severity === 'error')).toEqual([]);
        snap = next.snapshot!;
      }
      const finalFile = path.join(dir, 'final.alma-snapshot.json');
      if (UPDATE && fs.existsSync(finalFile)) fs.writeFileSync(finalFile, serializeSnapshot(snap));
      if (fs.existsSync(finalFile)) expect(JSON.parse(serializeSnapshot(snap))).toEqual(JSON.parse(fs.readFileSync(finalFile, 'utf8')));
    });

    it(`${name} (alma-sis plan and apply)`, async () => {
      const { dir, read, has, steps, extra } = folder(name);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-scenario-'));
      try {
        // The settings of the folder become the snapshot's profile, as a user would keep them.
        const snapJson = JSON.parse(read('snapshot.alma-snapshot.json'));
        if (extra) snapJson.profile = { ...(snapJson.profile ?? {}), ...extra };
        let snapPath = path.join(tmp, 'alma.alma-snapshot.json');
        fs.writeFileSync(snapPath, JSON.stringify(snapJson, null, 2));
        const tables = has('code-tables.json') ? ['--code-tables', path.join(dir, 'code-tables.json')] : [];
        for (const step of steps) {
          const n = parseInt(step);
          const xml = path.join(dir, step);
          const planned = await cli(['plan', xml, '--snapshot', snapPath, '--format', 'json', ...tables]);
          expect([0, 1], planned.err).toContain(planned.code);
          expect(comparable(JSON.parse(planned.out)), `${name}/${step} via the command line`).toEqual(JSON.parse(fs.readFileSync(path.join(dir, `${n}.plan.json`), 'utf8')));
          const next = path.join(tmp, `after-${n}.alma-snapshot.json`);
          const applied = await cli(['apply', xml, '--snapshot', snapPath, '--out', next, ...tables]);
          expect(applied.code, applied.err).toBe(planned.code);
          snapPath = next;
        }
        const finalFile = path.join(dir, 'final.alma-snapshot.json');
        if (fs.existsSync(finalFile)) {
          const { profile: _profile, ...written } = JSON.parse(fs.readFileSync(snapPath, 'utf8'));
          const { profile: _expectedProfile, ...expected } = JSON.parse(fs.readFileSync(finalFile, 'utf8'));
          expect(written).toEqual(expected);
        }
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
