/**
 * `alma-sis snapshot import`: Users API answers (XML and JSON, one user or a list) and "Export
 * Users" XML into a snapshot; with --last-sis, protected fields found by difference. Uses the
 * real API answers in ../shared/corpus/api when present.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { incomingUsers, planFile } from '../../shared/src/engine';
import { recordFromApi, recordFromXml } from '../../shared/src/sis/record';
import { readSisDocument } from '../../shared/src/sis/read';
import { importSnapshot, readUserExport } from '../../shared/src/snapshot/import';
import { parseSnapshot } from '../../shared/src/snapshot/snapshot';
import { cli } from '../engine/cliHelper';
import { settings } from '../engine/helpers';

const REPO = path.resolve(__dirname, '../..');
const API = path.resolve(REPO, '../shared/corpus/api');
const HAVE_API = fs.existsSync(API);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-import-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const EXPORT_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<users total_record_count="2">
  <user link="https://example.invalid/almaws/v1/users/jdoe">
    <record_type desc="Public">PUBLIC</record_type>
    <primary_id>jdoe</primary_id>
    <first_name>Jane</first_name>
    <last_name>Doe</last_name>
    <user_group desc="Staff">STAFF</user_group>
    <preferred_language desc="English">en</preferred_language>
    <account_type desc="External">EXTERNAL</account_type>
    <status desc="Active">ACTIVE</status>
    <contact_info>
      <addresses/>
      <emails>
        <email preferred="true" segment_type="External">
          <email_address>jane@example.edu</email_address>
          <email_types><email_type desc="School">school</email_type></email_types>
        </email>
        <email preferred="false" segment_type="Internal">
          <email_address>jane@home.example</email_address>
          <email_types><email_type desc="Personal">personal</email_type></email_types>
        </email>
      </emails>
      <phones/>
    </contact_info>
    <user_identifiers>
      <user_identifier segment_type="External"><id_type desc="Barcode">BARCODE</id_type><value>B1</value><status>ACTIVE</status></user_identifier>
    </user_identifiers>
    <user_roles><user_role><status desc="Active">ACTIVE</status><scope desc="Main">MAIN</scope><role_type desc="Patron">200</role_type><parameters/></user_role></user_roles>
    <rs_libraries><rs_library><code desc="Main">MAIN</code></rs_library></rs_libraries>
    <loans link="https://example.invalid/loans">3</loans>
  </user>
  <user>
    <primary_id>asmith</primary_id>
    <user_group>UG</user_group>
    <campus_code>LAW</campus_code>
    <account_type>EXTERNAL</account_type>
  </user>
</users>`;

const LAST_SIS = `<?xml version="1.0"?>
<users>
  <user><primary_id>jdoe</primary_id><user_group>UG</user_group><rs_libraries><rs_library><code>MAIN</code></rs_library></rs_libraries></user>
  <user><primary_id>ASMITH</primary_id><user_group>UG</user_group><campus_code>MAIN</campus_code></user>
  <user><primary_id>nobody</primary_id></user>
</users>`;

describe('reading exports', () => {
  it('an Export Users / API list XML: codes, lists and attributes in the API JSON shape', () => {
    const { users, problems } = readUserExport(EXPORT_XML);
    expect(problems).toEqual([]);
    expect(users).toHaveLength(2);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a deep look into plain JSON
    const u = users[0] as Record<string, any>;
    expect(u.user_group).toEqual({ value: 'STAFF', desc: 'Staff' });
    expect(u.contact_info.email[1]).toEqual({ preferred: false, segment_type: 'Internal', email_address: 'jane@home.example', email_type: [{ value: 'personal', desc: 'Personal' }] });
    expect(u.contact_info.address).toEqual([]);
    expect(u.user_identifier[0].id_type).toEqual({ value: 'BARCODE', desc: 'Barcode' });
    expect(u.user_role[0].parameter).toEqual([]);
    expect(u.rs_library).toEqual([{ code: { value: 'MAIN', desc: 'Main' } }]);
    expect(u.loans).toEqual({ value: '3', link: 'https://example.invalid/loans' });
    const r = recordFromApi(u);
    expect(r.segments.emails.map((e) => e.segmentType)).toEqual(['External', 'Internal']);
    expect(r.fields.rs_libraries.value).toEqual(['MAIN']);
  });

  it('one user as XML, one user as JSON, a JSON list, {"user": [...]}', () => {
    expect(readUserExport('<user><primary_id>a</primary_id></user>').users).toEqual([{ primary_id: 'a' }]);
    expect(readUserExport('{"primary_id": "a"}').users).toEqual([{ primary_id: 'a' }]);
    expect(readUserExport('[{"primary_id": "a"}, {"primary_id": "b"}]').users).toHaveLength(2);
    expect(readUserExport('{"user": [{"primary_id": "a"}], "total_record_count": 1}').users).toHaveLength(1);
  });

  it('says what is wrong instead of throwing', () => {
    for (const bad of ['', 'hello', '{"x": 1}', '<users><user></users>', '{"format": "alma-sis-snapshot", "users": []}', '{']) {
      const r = readUserExport(bad);
      expect(r.problems.some((p) => p.severity === 'error'), bad).toBe(true);
    }
  });
});

describe('protected fields from the last SIS file', () => {
  it('a protected-type field that differs from what the file sent is protected with that lastSisValue', () => {
    const { users } = readUserExport(EXPORT_XML);
    const last = readSisDocument(LAST_SIS).users.map((u) => recordFromXml(u.element));
    const r = importSnapshot(users, settings(), last);
    expect(r.matchedLastSis).toBe(2);
    expect(r.protectedFound).toBe(2);
    expect([...r.snapshot.users[0].protected]).toEqual([['user_group', { lastSisValue: 'UG' }]]);
    expect([...r.snapshot.users[1].protected]).toEqual([['campus_code', { lastSisValue: 'MAIN' }]]);
  });

  it('planning the last SIS file against the imported snapshot reverts nothing and keeps the manual values', () => {
    const { users } = readUserExport(EXPORT_XML);
    const sis = readSisDocument(LAST_SIS);
    const r = importSnapshot(users, settings(), sis.users.map((u) => recordFromXml(u.element)));
    const plan = planFile(incomingUsers(sis), r.snapshot, settings());
    const jdoe = plan.users[0].fields.find((f) => f.field === 'user_group')!;
    // The file still sends UG, the value before the manual change: Alma would revert it.
    expect(jdoe.action).toBe('revert-override');
  });

  it('the command writes the snapshot and says how many protected fields it found', async () => {
    const exp = path.join(dir, 'export.xml');
    const last = path.join(dir, 'last.xml');
    const out = path.join(dir, 'new.alma-snapshot.json');
    fs.writeFileSync(exp, EXPORT_XML);
    fs.writeFileSync(last, LAST_SIS);
    const r = await cli(['snapshot', 'import', '--users', exp, '--last-sis', last, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 protected fields found on 2 users');
    const s = parseSnapshot(fs.readFileSync(out, 'utf8'));
    expect(s.problems).toEqual([]);
    expect(s.snapshot!.users[0].protected.get('user_group')).toEqual({ lastSisValue: 'UG' });
    const again = await cli(['snapshot', 'import', '--users', exp, '--out', out, '--format', 'json']);
    expect(JSON.parse(again.out)).toMatchObject({ users: 2, protectedFields: 0 });
    expect(fs.existsSync(`${out}.bak`)).toBe(true);
  });

  it('exit 2 without --users or --out, or with an unreadable export', async () => {
    expect((await cli(['snapshot', 'import', '--out', path.join(dir, 'x.json')])).code).toBe(2);
    expect((await cli(['snapshot', 'import', '--users', path.join(dir, 'missing.json'), '--out', path.join(dir, 'x.json')])).code).toBe(2);
    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, 'not an export');
    expect((await cli(['snapshot', 'import', '--users', junk, '--out', path.join(dir, 'x.json')])).code).toBe(2);
  });
});

describe.skipIf(!HAVE_API)('real Users API answers (../shared/corpus/api)', () => {
  const files = HAVE_API ? fs.readdirSync(API).filter((f) => f.endsWith('.json') || f.endsWith('.xml')) : [];
  for (const f of files) {
    it(`imports ${f}`, async () => {
      const out = path.join(dir, 'c.alma-snapshot.json');
      const r = await cli(['snapshot', 'import', '--users', path.join(API, f), '--out', out]);
      expect(r.code, r.err).toBe(0);
      const s = parseSnapshot(fs.readFileSync(out, 'utf8'));
      expect(s.snapshot!.users.length).toBeGreaterThanOrEqual(1);
      const rec = recordFromApi(s.snapshot!.users[0].user);
      expect(typeof rec.fields.primary_id?.value).toBe('string');
      expect(rec.accountType === 'EXTERNAL' || rec.accountType === 'INTERNAL').toBe(true);
    });
  }

  it('the XML and the JSON answers for the same user (fixtures that differ a little) agree where they agree', () => {
    const xml = path.join(API, 'tulibraries--alma_rb--spec_fixtures_single_user.xml');
    const json = path.join(API, 'tulibraries--alma_rb--spec_fixtures_single_user.json');
    if (!fs.existsSync(xml) || !fs.existsSync(json)) return;
    const a = recordFromApi(readUserExport(fs.readFileSync(xml, 'utf8')).users[0]);
    const b = recordFromApi(readUserExport(fs.readFileSync(json, 'utf8')).users[0]);
    const core = (r: typeof a) => Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, v.value]));
    expect(core(a).primary_id).toBe('johns');
    expect(core(a).user_group).toBe(core(b).user_group);
    expect(core(a).preferred_language).toBe(core(b).preferred_language);
    expect(core(a).birth_date).toBe(core(b).birth_date);
    expect(a.segments.emails[0].key).toBe(b.segments.emails[0].key);
  });
});
