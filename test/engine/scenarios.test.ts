/**
 * Scenario fixtures, one folder per scenario under test/fixtures/scenarios/<name>/:
 *   snapshot.alma-snapshot.json   what Alma holds before the first run
 *   settings.json                 (optional) profile settings (contract §1)
 *   1.xml, 1.plan.json            the first SIS file and the plan expected for it
 *   2.xml, 2.plan.json ...        the next files, planned against the snapshot that applying
 *                                 the previous plan left (successive runs)
 *   final.alma-snapshot.json      (optional) the snapshot expected after the last run
 * Plans are compared on the contract's fields plus each decision's rule id (messages may be
 * reworded freely). Adding a case = adding a folder. UPDATE_SCENARIOS=1 rewrites the expected
 * files (review the diff before committing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan, planFile, planToJson } from '../../shared/src/engine';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { incomingUsers } from '../../shared/src/engine';
import { parseSnapshot, serializeSnapshot, snapshotProfile } from '../../shared/src/snapshot/snapshot';
import { LineIndex } from '../../shared/src/text/lines';

const ROOT = path.resolve(__dirname, '../fixtures/scenarios');
const UPDATE = process.env.UPDATE_SCENARIOS === '1';

function comparable(planJson: ReturnType<typeof planToJson>) {
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
    })),
  };
}

const scenarios = fs.existsSync(ROOT) ? fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory()).sort() : [];

describe('scenarios', () => {
  it('there are scenarios to walk', () => expect(scenarios.length).toBeGreaterThanOrEqual(5));

  for (const name of scenarios) {
    it(name, () => {
      const dir = path.join(ROOT, name);
      const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
      const first = parseSnapshot(read('snapshot.alma-snapshot.json'));
      expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);
      let snap = first.snapshot!;
      const extra = fs.existsSync(path.join(dir, 'settings.json')) ? JSON.parse(read('settings.json')) : undefined;
      const { settings, problems } = settingsFrom(snapshotProfile(snap), extra);
      expect(problems).toEqual([]);
      const steps = fs.readdirSync(dir).filter((f) => /^\d+\.xml$/.test(f)).sort((a, b) => parseInt(a) - parseInt(b));
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) {
        const n = parseInt(step);
        const text = read(step);
        const users = incomingUsers(readSisDocument(text));
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
  }
});
