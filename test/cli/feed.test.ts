/**
 * A feed is many files: the XML files of one zip are one run for Alma ("… already taken
 * AcrossInstitution in this feed" holds across them), and so are files named with --feed.
 * validate, plan and apply read them through the same pipeline and agree.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, run } from './helpers';
import { feedDoc, feedUser } from '../feedFixtures';

const USER = feedUser;
const DOC = feedDoc;
// The barcode B-77 is on line 11 of students.xml (user #2) and line 11 of staff.xml (user #1).
const STUDENTS = DOC(USER('amy', 'B-1'), USER('ben', 'B-77'));
const STAFF = DOC(USER('carl', 'b-77'), USER('dora', 'B-3'));
const SNAPSHOT = JSON.stringify({ format: 'alma-sis-snapshot', version: 1, users: [] });

let dir: string;
const f = (name: string) => path.join(dir, name);
const line = (text: string, needle: string, n = 0) => {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  const before = text.slice(0, at);
  return { line: before.split('\n').length - 1, character: at - before.lastIndexOf('\n') - 1 };
};

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-feed-'));
  fs.writeFileSync(f('students.xml'), STUDENTS);
  fs.writeFileSync(f('staff.xml'), STAFF);
  fs.writeFileSync(f('feed.zip'), zipSync({ 'students.xml': strToU8(STUDENTS), 'staff.xml': strToU8(STAFF) }));
  fs.writeFileSync(f('users.alma-snapshot.json'), SNAPSHOT);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface JsonDiagnostic {
  code: string;
  severity: string;
  range: { start: { line: number; character: number } };
  relatedInformation?: { path: string; range: { start: { line: number; character: number } }; message: string }[];
}

describe('validate: a zip is one feed', () => {
  it('reports a barcode repeated in the second inner file as an error there, the first as related information', () => {
    const r = run(['validate', '--format', 'json', f('feed.zip')]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { files: { path: string; diagnostics: JsonDiagnostic[] }[] };
    const [students, staff] = json.files;
    expect(staff.path).toBe(`${f('feed.zip')}!/staff.xml`);
    const dup = staff.diagnostics.filter((d) => d.code === 'duplicate-identifier');
    expect(dup).toHaveLength(1);
    expect(dup[0].severity).toBe('error');
    expect(dup[0].range.start).toEqual(line(STAFF, 'b-77'));
    expect(dup[0].relatedInformation).toEqual([
      { path: `${f('feed.zip')}!/students.xml`, range: { start: line(STUDENTS, 'B-77'), end: { ...line(STUDENTS, 'B-77'), character: line(STUDENTS, 'B-77').character + 4 } }, message: expect.stringMatching(/first/) },
    ]);
    // The first holder is told too (reading students.xml alone, nobody would see it).
    const note = students.diagnostics.filter((d) => d.code === 'repeated-in-later-file');
    expect(note).toHaveLength(1);
    expect(note[0].severity).toBe('information');
    expect(note[0].range.start).toEqual(line(STUDENTS, 'B-77'));
    expect(note[0].relatedInformation?.[0]).toMatchObject({ path: `${f('feed.zip')}!/staff.xml`, range: { start: line(STAFF, 'b-77') } });
    expect(students.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('gives SARIF related locations and text "see" lines', () => {
    const sarif = JSON.parse(run(['validate', '--format', 'sarif', f('feed.zip')]).stdout);
    const result = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'duplicate-identifier');
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toMatch(/staff\.xml$/);
    expect(result.relatedLocations[0].physicalLocation.artifactLocation.uri).toMatch(/students\.xml$/);
    expect(result.relatedLocations[0].physicalLocation.region.startLine).toBe(line(STUDENTS, 'B-77').line + 1);
    const text = run(['validate', f('feed.zip')]).stdout;
    expect(text).toContain(`= see ${f('feed.zip')}!/students.xml:${line(STUDENTS, 'B-77').line + 1}:${line(STUDENTS, 'B-77').character + 1}: `);
  });

  it('reads files named with --feed as one feed, and each alone without it', () => {
    const together = JSON.parse(run(['validate', '--format', 'json', '--feed', f('students.xml'), f('staff.xml')]).stdout);
    expect(together.files[1].diagnostics.map((d: JsonDiagnostic) => d.code)).toContain('duplicate-identifier');
    expect(together.files[1].diagnostics.find((d: JsonDiagnostic) => d.code === 'duplicate-identifier').relatedInformation[0].path).toBe(f('students.xml'));
    const apart = run(['validate', '--format', 'json', f('students.xml'), f('staff.xml')]);
    expect(apart.code).toBe(0);
    expect(JSON.parse(apart.stdout).summary.errors).toBe(0);
  });
});

describe('plan and apply agree with validate', () => {
  it('plan of the zip rejects the second holder of the barcode', () => {
    const r = run(['plan', '--format', 'json', f('feed.zip'), '--snapshot', f('users.alma-snapshot.json')]);
    expect(r.code).toBe(1);
    const plan = JSON.parse(r.stdout) as { summary: { rejected: number }; users: { primaryId: string; outcome: string; reasons: string[] }[] };
    expect(plan.summary.rejected).toBe(1);
    const carl = plan.users.find((u) => u.primaryId === 'carl')!;
    expect(carl.outcome).toBe('rejected');
    expect(carl.reasons[0]).toMatch(/already taken AcrossInstitution in this feed/);
    expect(r.stderr).toMatch(/1 error/);
  });

  it('plan and apply take several files with --feed, and refuse them without', () => {
    const r = run(['plan', '--format', 'json', '--feed', f('students.xml'), f('staff.xml'), '--snapshot', f('users.alma-snapshot.json')]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).users.map((u: { outcome: string }) => u.outcome)).toEqual(['created', 'created', 'rejected', 'created']);
    const refused = run(['plan', f('students.xml'), f('staff.xml'), '--snapshot', f('users.alma-snapshot.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--feed/);
    const out = f('next.alma-snapshot.json');
    const applied = run(['apply', '--feed', f('students.xml'), f('staff.xml'), '--snapshot', f('users.alma-snapshot.json'), '--out', out]);
    expect(applied.code).toBe(1);
    const next = JSON.parse(fs.readFileSync(out, 'utf8')) as { users: { user: { primary_id: string } }[] };
    expect(next.users.map((u) => u.user.primary_id)).toEqual(['amy', 'ben', 'dora']);
  });
});
