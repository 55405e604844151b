/**
 * Alma's documented exceptions to swap all (docs/plan.md, "Alma's documented exceptions"), one
 * table row per case, driven through the command line as a user (or an acceptance check) runs
 * it: `alma-sis plan --format json`, then `alma-sis apply`, then the same plan again on the
 * applied snapshot. Snapshots are in the Users API's own JSON shape.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempFolder } from './cliHelper';
import { almaUser, sisFile, snapshotText, type SnapUser } from './helpers';

const tmp = tempFolder('alma-rules-');
const write = tmp.write;

interface PlanUser {
  primaryId: string | null;
  outcome: string;
  rule: string;
  reasons: string[];
  fields: { field: string; before: unknown; after: unknown; action: string; rule: string }[];
  segments: { list: string }[];
  notes?: { rule: string; field?: string; message: string }[];
}

interface Row {
  name: string;
  users: SnapUser[];
  profile?: Record<string, unknown>;
  file: string[];
  flags?: string[];
  codeTables?: unknown;
  /** What the first plan says, user by user. */
  first: (u: PlanUser[]) => void;
  /** What planning the same file on the applied snapshot says (default: nobody changes, nobody new). */
  again?: (u: PlanUser[]) => void;
}

/** A user as the Users API answers it: empty lists as [], empty codes as {"value": null}, no pin_number. */
function apiShaped(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return almaUser(id, {
    record_type: { value: 'PUBLIC', desc: 'Public' },
    last_name: 'Tester',
    user_group: { value: 'UG', desc: 'Undergraduate' },
    campus_code: { value: null, desc: '' },
    job_category: { value: '', desc: '' },
    user_title: {},
    job_description: null,
    web_site_url: '',
    birth_date: null,
    pref_first_name: '',
    contact_info: { address: [], email: [], phone: [] },
    user_identifier: [],
    user_note: [],
    user_block: [],
    user_statistic: [],
    rs_library: [],
    library_notice: [],
    researcher: null,
    ...over,
  });
}
const sisUser = (id: string, extra = '') => `<primary_id>${id}</primary_id><last_name>Tester</last_name><user_group>UG</user_group><preferred_language>en</preferred_language><status>ACTIVE</status>${extra}`;
const unchanged = (u: PlanUser[]) => expect(u.map((x) => x.outcome)).toEqual(u.map(() => 'unchanged'));

const ROWS: Row[] = [
  {
    name: 'absent = null = "" = [] = {} = {"value": null}: a file that omits what the API writes empty changes nothing',
    users: [{ user: apiShaped('ana'), sync: { protected: { rs_libraries: { lastSisValue: [] }, user_title: { lastSisValue: {} } } } }],
    file: [sisUser('ana')],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'unchanged', fields: [], segments: [] }),
  },
  {
    name: 'an empty rs_libraries in the file against [] in Alma: no change',
    users: [{ user: apiShaped('ben') }],
    file: [sisUser('ben', '<rs_libraries/><library_notices></library_notices><user_identifiers/>')],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'unchanged', fields: [] }),
  },
  {
    name: 'pin_number absent from the API answer: unknown, not listed; apply stores it',
    users: [{ user: apiShaped('cai') }],
    file: [sisUser('cai', '<pin_number>1234</pin_number>')],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'unchanged', fields: [] }),
  },
  {
    name: 'pin_number held by the snapshot: compared as usual',
    users: [{ user: apiShaped('dan', { pin_number: '1111' }) }],
    file: [sisUser('dan', '<pin_number>2222</pin_number>')],
    first: (u) => expect(u[0].fields).toEqual([expect.objectContaining({ field: 'pin_number', before: '1111', after: '2222', action: 'set' })]),
  },
  {
    name: 'a blank or absent preferred name never clears Alma\'s, whatever emptyProtectedField says',
    users: [{ user: apiShaped('eve', { pref_first_name: 'Evie' }) }, { user: apiShaped('fox', { pref_last_name: 'Foxx' }) }],
    profile: { emptyProtectedField: 'clear' },
    file: [sisUser('eve'), sisUser('fox', '<pref_last_name>  </pref_last_name>')],
    first: unchanged,
  },
  {
    name: 'a preferred name changed by hand: kept even when the file sends the value the SIS sent before (only Restore re-attaches it)',
    users: [{ user: apiShaped('gil', { pref_first_name: 'Gilly' }), sync: { protected: { pref_first_name: { lastSisValue: 'Gilbert' } } } }],
    file: [sisUser('gil', '<pref_first_name>Gilbert</pref_first_name>')],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'unchanged', fields: [expect.objectContaining({ field: 'pref_first_name', after: 'Gilly', action: 'keep-protected', rule: 'protected-keep-restore-only' })] }),
  },
  {
    name: 'a new user without primary_id: created with first + last name, the sequence from 0 when taken',
    users: [{ user: apiShaped('HalYu') }],
    file: ['<first_name>Hal</first_name><last_name>Yu</last_name>', '<first_name>Hal</first_name><last_name>Yu</last_name>', '<first_name>Ida</first_name><last_name>Ng</last_name>'],
    first: (u) => {
      expect(u.map((x) => [x.outcome, x.primaryId])).toEqual([['created', 'HalYu0'], ['created', 'HalYu1'], ['created', 'IdaNg']]);
      expect(u[0].fields[0]).toMatchObject({ field: 'primary_id', after: 'HalYu0', action: 'default', rule: 'generate-primary-id' });
    },
    // Alma cannot match them: the same file makes second accounts.
    again: (u) => expect(u.map((x) => [x.outcome, x.primaryId])).toEqual([['created', 'HalYu2'], ['created', 'HalYu3'], ['created', 'IdaNg0']]),
  },
  {
    name: 'matching on an identifier type: a user without it is still rejected',
    users: [],
    profile: { matchBy: 'UNIV_ID' },
    file: ['<first_name>Jo</first_name><last_name>Kay</last_name>'],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'rejected', rule: 'reject-missing-match-id' }),
    again: (u) => expect(u[0].outcome).toBe('rejected'),
  },
  {
    name: '--sync-record-type (a bare flag): record_type from the file is written on matched users',
    users: [{ user: apiShaped('kai') }],
    flags: ['--sync-record-type'],
    file: [sisUser('kai', '<record_type>STAFF</record_type>')],
    first: (u) => expect(u[0].fields).toEqual([expect.objectContaining({ field: 'record_type', before: 'PUBLIC', after: 'STAFF', action: 'set' })]),
  },
  {
    name: 'syncRecordType in the snapshot\'s profile works like the flag',
    users: [{ user: apiShaped('kai') }],
    profile: { syncRecordType: true },
    file: [sisUser('kai', '<record_type>STAFF</record_type>')],
    first: (u) => expect(u[0].outcome).toBe('updated'),
  },
  {
    name: 'without syncRecordType, record_type takes no part',
    users: [{ user: apiShaped('kai') }],
    file: [sisUser('kai', '<record_type>STAFF</record_type>')],
    first: unchanged,
  },
  {
    name: '--code-tables: an unknown code rejects the user with the diagnostic\'s message; apply writes nothing of it',
    users: [{ user: apiShaped('lou') }],
    codeTables: { format: 'alma-sis-code-tables', version: 1, tables: { UserGroups: ['UG', 'GRAD'] } },
    file: [sisUser('lou').replace('<user_group>UG</user_group>', '<user_group>BOGUS</user_group><job_description>new</job_description>'), sisUser('mia')],
    first: (u) => {
      expect(u[0]).toMatchObject({ outcome: 'rejected', rule: 'reject-user-error', reasons: ['"BOGUS" is not a code of the UserGroups table.'] });
      expect(u[1].outcome).toBe('created');
    },
    again: (u) => expect(u.map((x) => x.outcome)).toEqual(['rejected', 'unchanged']),
  },
  {
    name: 'without code tables the same code is written',
    users: [{ user: apiShaped('lou') }],
    file: [sisUser('lou').replace('<user_group>UG</user_group>', '<user_group>BOGUS</user_group>')],
    first: (u) => expect(u[0].fields).toEqual([expect.objectContaining({ field: 'user_group', after: 'BOGUS', action: 'set' })]),
  },
  {
    name: 'an error of the user in lenient mode rejects it also when --strict is asked for (Alma\'s loader is lenient)',
    users: [{ user: apiShaped('ned') }],
    flags: ['--strict'],
    file: [sisUser('ned', '<birth_date>1990-02-30</birth_date>'), sisUser('oli', '<job_description/>')],
    first: (u) => expect(u.map((x) => x.outcome)).toEqual(['rejected', 'created']),
    again: (u) => expect(u.map((x) => x.outcome)).toEqual(['rejected', 'unchanged']),
  },
  {
    name: 'unmatchedRecord skip: users that match nobody are not created',
    users: [{ user: apiShaped('pam') }],
    flags: ['--unmatched-record', 'skip'],
    file: [sisUser('pam'), sisUser('quin')],
    first: (u) => expect(u.map((x) => [x.outcome, x.rule])).toEqual([['unchanged', 'outcome-unchanged'], ['unchanged', 'unmatched-not-added']]),
  },
  {
    name: 'note: INACTIVE in Alma and no <status> in the file',
    users: [{ user: apiShaped('ray', { status: { value: 'INACTIVE' } }) }],
    file: [sisUser('ray').replace('<status>ACTIVE</status>', '')],
    first: (u) => {
      expect(u[0].fields).toEqual([expect.objectContaining({ field: 'status', before: 'INACTIVE', after: 'ACTIVE', action: 'default' })]);
      expect(u[0].notes).toEqual([expect.objectContaining({ rule: 'note-status-default', field: 'status' })]);
    },
  },
  {
    name: 'note: an identifier sent as External that Alma holds on the user as Internal',
    users: [{ user: apiShaped('sam', { user_identifier: [{ id_type: { value: 'BARCODE' }, value: 'S1', segment_type: 'Internal' }] }) }],
    file: [sisUser('sam', '<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>s1</value></user_identifier></user_identifiers>')],
    first: (u) => expect(u[0].notes).toEqual([expect.objectContaining({ rule: 'note-identifier-also-internal', field: 'identifiers' })]),
    again: (u) => expect(u[0]).toMatchObject({ outcome: 'unchanged', notes: [expect.objectContaining({ rule: 'note-identifier-also-internal' })] }),
  },
  {
    name: 'note: two preferred items after the merge (an Internal one and the file\'s)',
    users: [{ user: apiShaped('tia', { contact_info: { address: [], phone: [], email: [{ email_address: 't@home', preferred: 'true', segment_type: 'Internal', email_type: [{ value: 'personal' }] }] } }) }],
    file: [sisUser('tia', '<contact_info><emails><email preferred="true"><email_address>t@school</email_address><email_types><email_type>school</email_type></email_types></email></emails></contact_info>')],
    first: (u) => expect(u[0].notes).toEqual([expect.objectContaining({ rule: 'note-two-preferred', field: 'emails' })]),
  },
  {
    name: 'note: the matched user belongs to another SIS profile',
    users: [{ user: apiShaped('uli', { external_id: 'STAFF_SIS' }) }],
    file: [sisUser('uli')],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'unchanged', notes: [expect.objectContaining({ rule: 'note-other-profile' })] }),
  },
  {
    name: 'note: a barcode that moves from one user to another within the file (undocumented order)',
    users: [{ user: apiShaped('val', { user_identifier: [{ id_type: { value: 'BARCODE' }, value: 'V1' }] }) }, { user: apiShaped('wyn') }],
    file: [sisUser('val'), sisUser('wyn', '<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>V1</value></user_identifier></user_identifiers>')],
    first: (u) => {
      expect(u[1]).toMatchObject({ outcome: 'rejected', rule: 'reject-identifier-taken' });
      expect(u[1].notes).toEqual([expect.objectContaining({ rule: 'note-identifier-moves', field: 'identifiers' })]);
    },
    again: (u) => expect(u.map((x) => x.outcome)).toEqual(['unchanged', 'updated']),
  },
  {
    name: 'note: a CONTACT profile creating a user with identifiers',
    users: [],
    profile: { recordType: 'CONTACT' },
    file: [sisUser('xen', '<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>X1</value></user_identifier></user_identifiers>')],
    first: (u) => expect(u[0]).toMatchObject({ outcome: 'created', notes: [expect.objectContaining({ rule: 'note-contact-identifiers' })] }),
  },
  {
    name: 'researcher: compared, reported and applied',
    users: [{ user: apiShaped('yan', { researcher: { researcher_first_name: 'Yan', researcher_alternate_email: [], position: { value: null } } }) }],
    file: [sisUser('yan', '<researcher><researcher_first_name>Yan</researcher_first_name><researcher_last_name>Li</researcher_last_name></researcher>')],
    first: (u) => expect(u[0].fields).toEqual([expect.objectContaining({ field: 'researcher', action: 'set' })]),
  },
];

async function planOf(file: string, snap: string, extra: string[]): Promise<{ users: PlanUser[]; code: number }> {
  const r = await cli(['plan', file, '--snapshot', snap, '--format', 'json', ...extra]);
  expect([0, 1], r.err).toContain(r.code);
  return { users: JSON.parse(r.out).users as PlanUser[], code: r.code };
}

describe("Alma's documented exceptions, through alma-sis plan and apply", () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      const snap = write('s.alma-snapshot.json', snapshotText(row.users, row.profile ? { profile: row.profile } : {}));
      const file = write('f.xml', sisFile(...row.file));
      const extra = [...(row.flags ?? []), ...(row.codeTables ? ['--code-tables', write('ct.json', JSON.stringify(row.codeTables))] : [])];
      const first = await planOf(file, snap, extra);
      row.first(first.users);
      const next = path.join(tmp.dir(), 'next.alma-snapshot.json');
      const applied = await cli(['apply', file, '--snapshot', snap, '--out', next, ...extra]);
      expect(applied.code, applied.err).toBe(first.code);
      const again = await planOf(file, next, extra);
      if (row.again) row.again(again.users);
      else expect(again.users.map((u) => u.outcome)).toEqual(first.users.map((u) => (u.outcome === 'rejected' ? 'rejected' : 'unchanged')));
    });
  }
});

describe('alma-sis validate', () => {
  it('missing-match-id is a warning when the profile matches on primary_id (the user is created), an error on an identifier type', async () => {
    const file = write('f.xml', sisFile('<first_name>A</first_name><last_name>B</last_name>'));
    const onPrimary = await cli(['validate', file, '--format', 'json']);
    expect(onPrimary.code).toBe(0);
    const d = JSON.parse(onPrimary.out).files[0].diagnostics.find((x: { code: string }) => x.code === 'missing-match-id');
    expect(d).toMatchObject({ severity: 'warning', message: expect.stringMatching(/second account/) });
    const onType = await cli(['validate', file, '--format', 'json', '--match-by', 'UNIV_ID']);
    expect(onType.code).toBe(1);
  });

  it('contact-identifiers: a CONTACT profile, or a file that makes the user CONTACT with --sync-record-type', async () => {
    const ids = '<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>C1</value></user_identifier></user_identifiers>';
    const file = write('f.xml', sisFile(`<primary_id>a</primary_id>${ids}`, `<primary_id>b</primary_id><record_type>CONTACT</record_type>${ids.replace('C1', 'C2')}`));
    const codes = async (...flags: string[]) => {
      const r = await cli(['validate', file, '--format', 'json', ...flags]);
      return JSON.parse(r.out).files[0].diagnostics.filter((x: { code: string }) => x.code === 'contact-identifiers').length;
    };
    expect(await codes()).toBe(0);
    expect(await codes('--record-type', 'CONTACT')).toBe(2);
    expect(await codes('--sync-record-type')).toBe(1);
  });
});

describe('alma-sis snapshot import', () => {
  it('never marks pin_number protected, and says what the export cannot tell: the PIN, users it lacks, leavers', async () => {
    const exported = write('export.json', JSON.stringify({ user: [apiShaped('ann', { user_group: { value: 'STAFF' } }), apiShaped('bob'), apiShaped('cy'), apiShaped('dee', { account_type: { value: 'INTERNAL' } })], total_record_count: 4 }));
    const last = write('last.xml', sisFile(sisUser('ann', '<pin_number>1234</pin_number>'), sisUser('bob', '<pin_number>9876</pin_number>'), sisUser('eli')));
    const out = path.join(tmp.dir(), 'new.alma-snapshot.json');
    const r = await cli(['snapshot', 'import', '--users', exported, '--last-sis', last, '--out', out, '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ users: 4, lastSisMatched: 2, protectedFields: 1, unknownFields: [{ field: 'pin_number', sentBy: 2 }], missingFromExport: ['eli'], notInLastSis: ['cy'] });
    const snap = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(snap.users[0].sync).toEqual({ protected: { user_group: { lastSisValue: 'UG' } } });
    expect(snap.users[1].sync).toBeUndefined();
    const text = await cli(['snapshot', 'import', '--users', exported, '--last-sis', last, '--out', path.join(tmp.dir(), 'b.alma-snapshot.json')]);
    expect(text.out).toContain('Not in the export: pin_number (the Users API never returns it; 2 users of');
    expect(text.out).toMatch(/1 user of .*last\.xml not in the export .*: eli/);
    expect(text.out).toMatch(/1 external user of the export not sent by .*last\.xml .*: cy/);
    // The file just imported against plans as no change for the PINs the export could not show.
    const plan = await cli(['plan', last, '--snapshot', out, '--format', 'json']);
    expect(JSON.parse(plan.out).users.slice(0, 2).map((u: PlanUser) => u.fields.map((f) => f.field))).toEqual([['user_group'], []]);
  });
});

describe('notes in every format of alma-sis plan', () => {
  it('text prints a note: line under the user, Markdown a quoted note, JSON the notes array', async () => {
    const snap = write('s.alma-snapshot.json', snapshotText([{ user: apiShaped('ray', { status: { value: 'INACTIVE' } }) }]));
    const file = write('f.xml', sisFile(sisUser('ray').replace('<status>ACTIVE</status>', '')));
    const text = await cli(['plan', file, '--snapshot', snap]);
    expect(text.out).toMatch(/\n {4}note: status: The file has no <status>: .* \[note-status-default\]\n/);
    const md = await cli(['plan', file, '--snapshot', snap, '--format', 'markdown']);
    expect(md.out).toMatch(/> \*\*Note\*\* \(note-status-default\) `status`: The file has no/);
    const json = JSON.parse((await cli(['plan', file, '--snapshot', snap, '--format', 'json'])).out);
    expect(json.users[0].notes).toEqual([{ rule: 'note-status-default', field: 'status', message: expect.stringMatching(/^The file has no <status>/) }]);
    const rejected = JSON.parse((await cli(['plan', file, '--snapshot', snap, '--format', 'json', '--only', 'rejected'])).out);
    expect(rejected.users).toEqual([]);
    const noted = JSON.parse((await cli(['plan', file, '--snapshot', snap, '--format', 'json', '--only', 'noted'])).out);
    expect(noted.users.map((u: PlanUser) => u.primaryId)).toEqual(['ray']);
  });
});
