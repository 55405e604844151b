/**
 * `alma-sis plan` and `alma-sis apply` in-process (docs/plan.md, docs/cli.md): formats, filters, exit
 * codes, and the safety of snapshot writes (atomic, `.bak`, never over what we cannot read).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempFolder } from './cliHelper';
import { almaUser, sisFile, snapshotText } from './helpers';

const REPO = path.resolve(__dirname, '../..');
const EXAMPLE_XML = path.join(REPO, 'example', 'users.xml');
const EXAMPLE_SNAP = path.join(REPO, 'example', 'users.alma-snapshot.json');

const tmp = tempFolder('alma-plan-');
const write = tmp.write;

describe('alma-sis plan', () => {
  it('the bundled example: the plan JSON of docs/plan.md, exit 1 because users are rejected', async () => {
    const r = await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP, '--format', 'json']);
    expect(r.code).toBe(1);
    const plan = JSON.parse(r.out);
    expect(plan.format).toBe('alma-sis-plan');
    expect(plan.version).toBe(1);
    expect(plan.summary).toEqual({ processed: 10, created: 1, updated: 4, unchanged: 2, rejected: 3 });
    const byId = (id: string, n = 0) => plan.users.filter((u: { matchValue: string }) => u.matchValue === id)[n];
    expect(byId('jdoe').line).toBe(7);
    expect(byId('jdoe').index).toBe(0);
    expect(byId('bwong').fields).toEqual([expect.objectContaining({ field: 'user_group', before: 'STAFF', incoming: 'GRAD', after: 'STAFF', action: 'keep-protected' })]);
    expect(byId('cgarcia').fields).toEqual([expect.objectContaining({ field: 'user_group', before: 'FACULTY', incoming: 'GRAD', after: 'GRAD', action: 'revert-override' })]);
    expect(byId('dlee').fields).toEqual([expect.objectContaining({ field: 'job_description', action: 'clear', after: null })]);
    expect(byId('emuller').fields).toEqual([expect.objectContaining({ field: 'preferred_language', before: 'de', after: 'en', action: 'default' })]);
    expect(byId('fkhan').reasons).toEqual(['User is not external']);
    expect(byId('hpark').reasons).toEqual(['Identifier of type BARCODE and value B9000 is already taken AcrossInstitution']);
    expect(byId('gnguyen', 1).reasons).toEqual(['Identifier of type primary_id and value gnguyen is already taken AcrossInstitution in this feed']);
    expect(byId('jdoe').segments).toEqual([expect.objectContaining({ list: 'emails', removed: 1, added: 1, kept: 1 })]);
  });

  it('text: the summary line like Alma\'s job report, then +/-/~ lines; no colour unless a terminal', async () => {
    const r = await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP]);
    expect(r.out).toContain('Total users processed: 10 · rejected: 3 · updated successfully: 4 · created successfully: 1 · unchanged: 2');
    expect(r.out).toContain('~ last_name: Doe → Doe-Smith');
    expect(r.out).toContain('- job_description: Lab assistant, chemistry → (cleared)');
    expect(r.out).toContain('! fkhan (line 102) rejected: User is not external');
    expect(r.out).not.toContain('\x1b[');
    const tty = await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP], { TTY: '1' });
    expect(tty.out).toContain('\x1b[');
    const noColor = await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP], { TTY: '1', NO_COLOR: '1' });
    expect(noColor.out).not.toContain('\x1b[');
  });

  it('--only filters users (the summary stays that of the whole file)', async () => {
    const r = await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP, '--format', 'json', '--only', 'reverted,protected']);
    const plan = JSON.parse(r.out);
    expect(plan.users.map((u: { matchValue: string }) => u.matchValue)).toEqual(['bwong', 'cgarcia']);
    expect(plan.summary.processed).toBe(10);
    const rej = JSON.parse((await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP, '--format', 'json', '--only', 'rejected'])).out);
    expect(rej.users.map((u: { outcome: string }) => u.outcome)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP, '--only', 'nonsense'])).code).toBe(2);
  });

  it('markdown for a ticket', async () => {
    const r = await cli(['plan', EXAMPLE_XML, '--snapshot', EXAMPLE_SNAP, '--format', 'markdown']);
    expect(r.out).toContain('| processed | created | updated | unchanged | rejected |');
    expect(r.out).toContain('| 10 | 1 | 4 | 2 | 3 |');
    expect(r.out).toContain('| `user_group` | `FACULTY` | `GRAD` | `GRAD` | revert-override |');
  });

  it('exit 0 when nobody is rejected; standard input works', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: almaUser('a') }]));
    const xml = sisFile('<primary_id>a</primary_id><preferred_language>en</preferred_language>');
    const r = await cli(['plan', '-', '--snapshot', snap, '--format', 'json'], {}, xml);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).summary).toEqual({ processed: 1, created: 0, updated: 0, unchanged: 1, rejected: 0 });
  });

  it('the snapshot profile gives settings; flags override it', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: almaUser('x', { user_identifier: [{ id_type: { value: 'UNIV_ID' }, value: 'U1' }] }) }], { profile: { matchBy: 'UNIV_ID' } }));
    const xml = write('f.xml', sisFile('<primary_id>x</primary_id><user_identifiers><user_identifier><id_type>UNIV_ID</id_type><value>U1</value></user_identifier></user_identifiers>'));
    expect(JSON.parse((await cli(['plan', xml, '--snapshot', snap, '--format', 'json'])).out).users[0].matchValue).toBe('U1');
    expect(JSON.parse((await cli(['plan', xml, '--snapshot', snap, '--format', 'json', '--match-by', 'primary_id'])).out).users[0].matchValue).toBe('x');
  });

  it('a .zip with several XML files is planned as one feed, in order; indexes and lines are per file', async () => {
    const { zipSync, strToU8 } = await import('fflate');
    const snap = write('s.alma-snapshot.json', snapshotText([]));
    const zip = path.join(tmp.dir(), 'upload.zip');
    fs.writeFileSync(zip, zipSync({ 'a.xml': strToU8(sisFile('<primary_id>one</primary_id>')), 'b.xml': strToU8(sisFile('<primary_id>two</primary_id>', '<primary_id>ONE</primary_id>')) }));
    const r = await cli(['plan', zip, '--snapshot', snap, '--format', 'json']);
    const plan = JSON.parse(r.out);
    expect(plan.files).toEqual([`${zip}!/a.xml`, `${zip}!/b.xml`]);
    expect(plan.users.map((u: { file: string; index: number; line: number; outcome: string }) => [path.basename(u.file), u.index, u.line, u.outcome])).toEqual([
      ['a.xml', 0, 3, 'created'],
      ['b.xml', 0, 3, 'created'],
      ['b.xml', 1, 4, 'rejected'],
    ]);
    expect(r.code).toBe(1);
  });

  it('exit 2: no snapshot, a missing file, an unreadable snapshot', async () => {
    expect((await cli(['plan', EXAMPLE_XML])).code).toBe(2);
    expect((await cli(['plan', path.join(tmp.dir(), 'nope.xml'), '--snapshot', EXAMPLE_SNAP])).code).toBe(2);
    const bad = write('bad.alma-snapshot.json', '{"format": "alma-sis-snapshot", "users": [');
    const r = await cli(['plan', EXAMPLE_XML, '--snapshot', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.alma-snapshot\.json:1: error: Not valid JSON/);
  });

  it('takes the validation flags: --strict, --code-tables (a missing table file is exit 2)', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: almaUser('a') }]));
    const xml = write('f.xml', sisFile('<primary_id>a</primary_id><preferred_language>en</preferred_language>'));
    expect((await cli(['plan', xml, '--snapshot', snap, '--lenient'])).code).toBe(0);
    expect((await cli(['plan', xml, '--snapshot', snap, '--code-tables', path.join(tmp.dir(), 'none.json')])).code).toBe(2);
  });

  it('exit 1 when the file has errors even if nobody is rejected', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([]));
    const xml = write('f.xml', sisFile('<primary_id>a</primary_id>').replace('<users>', '<!DOCTYPE users>\n<users>'));
    const r = await cli(['plan', xml, '--snapshot', snap, '--format', 'json']);
    expect(JSON.parse(r.out).summary.rejected).toBe(0);
    expect(r.code).toBe(1);
  });

  it('a user with an error of its own is rejected, with the diagnostic\'s message as the reason', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([]));
    const xml = write('f.xml', sisFile('<primary_id>a</primary_id><expiry_date>2031-13-45</expiry_date>', '<primary_id>b</primary_id>'));
    const r = await cli(['plan', xml, '--snapshot', snap, '--format', 'json']);
    const plan = JSON.parse(r.out);
    expect(plan.summary).toMatchObject({ rejected: 1, created: 1 });
    expect(plan.users[0]).toMatchObject({ outcome: 'rejected', rule: 'reject-user-error', reasons: [expect.stringMatching(/^"2031-13-45" is not a date/)] });
    expect(r.code).toBe(1);
  });
});

describe('alma-sis apply', () => {
  it('writes the next snapshot in place, keeps a .bak, exit 1 when some user is rejected', async () => {
    const snap = write('s.alma-snapshot.json', fs.readFileSync(EXAMPLE_SNAP, 'utf8'));
    const before = fs.readFileSync(snap, 'utf8');
    const r = await cli(['apply', EXAMPLE_XML, '--snapshot', snap]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Total users processed: 10');
    expect(fs.readFileSync(`${snap}.bak`, 'utf8')).toBe(before);
    const after = JSON.parse(fs.readFileSync(snap, 'utf8'));
    expect(after.users).toHaveLength(9);
    expect(after.users.find((u: { user: { primary_id: string } }) => u.user.primary_id === 'cgarcia').sync).toBeUndefined();
    expect(fs.readdirSync(tmp.dir()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The next run: nothing left to do but what stays rejected or protected.
    const again = JSON.parse((await cli(['plan', EXAMPLE_XML, '--snapshot', snap, '--format', 'json'])).out);
    expect(again.summary).toEqual({ processed: 10, created: 0, updated: 0, unchanged: 7, rejected: 3 });
  });

  it('exit 0 when nobody is rejected, even if the file has other errors (they are reported)', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([]));
    const xml = write('f.xml', sisFile('<primary_id>a</primary_id>').replace('<users>', '<!DOCTYPE users>\n<users>'));
    const r = await cli(['apply', xml, '--snapshot', snap]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/the file has 1 error/);
    expect(JSON.parse(fs.readFileSync(snap, 'utf8')).users).toHaveLength(1);
  });

  it('--out writes elsewhere and leaves the snapshot alone', async () => {
    const snap = write('s.alma-snapshot.json', fs.readFileSync(EXAMPLE_SNAP, 'utf8'));
    const out = path.join(tmp.dir(), 'next.alma-snapshot.json');
    await cli(['apply', EXAMPLE_XML, '--snapshot', snap, '--out', out]);
    expect(fs.readFileSync(snap, 'utf8')).toBe(fs.readFileSync(EXAMPLE_SNAP, 'utf8'));
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).users).toHaveLength(9);
  });

  it('a file Alma cannot read as a whole writes nothing (exit 1)', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: almaUser('a') }]));
    const before = fs.readFileSync(snap, 'utf8');
    const xml = write('broken.xml', '<?xml version="1.0"?>\n<users>\n  <user><primary_id>a</primary_id><last_name>X</last_name></user>\n  <user><primary_id>b</primary_id>\n</users>\n');
    const r = await cli(['apply', xml, '--snapshot', snap]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nothing written');
    expect(fs.readFileSync(snap, 'utf8')).toBe(before);
    expect(fs.existsSync(`${snap}.bak`)).toBe(false);
  });

  it('a file that is not UTF-8 writes nothing (exit 1), with the line of the first bad byte', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: almaUser('a') }]));
    const before = fs.readFileSync(snap, 'utf8');
    const xml = path.join(tmp.dir(), 'latin1.xml');
    const text = sisFile('<primary_id>a</primary_id>', '<primary_id>b</primary_id><last_name>M\u00fcller</last_name>');
    fs.writeFileSync(xml, Buffer.from(text, 'latin1'));
    const r = await cli(['apply', xml, '--snapshot', snap]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/latin1\.xml as a whole:4: /);
    expect(fs.readFileSync(snap, 'utf8')).toBe(before);
  });

  it('never overwrites a file that is not a snapshot it can read (exit 2)', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: almaUser('a') }]));
    const other = write('precious.json', '{"not": "a snapshot"');
    const r = await cli(['apply', EXAMPLE_XML, '--snapshot', snap, '--out', other]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to overwrite/);
    expect(fs.readFileSync(other, 'utf8')).toBe('{"not": "a snapshot"');
  });
});
