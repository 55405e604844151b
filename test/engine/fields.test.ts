/**
 * Every field action and every core-field rule of docs/plan.md (Swap All, and the Ex Libris knowledge
 * article "Why is the Users Synchronize job still overriding user account fields that were
 * updated manually?"), one row each:
 * what Alma holds (snapshot user + protection), what the file sends, the settings, and the
 * one entry of `fields` we expect for the field (or none), with the outcome.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../shared/src/engine';
import { valueToJson } from '../../shared/src/sis/record';
import { almaUser, planOne, type SnapUser } from './helpers';

interface Row {
  name: string;
  alma: Record<string, unknown>;
  protected?: Record<string, unknown>;
  file: string;
  settings?: Record<string, unknown>;
  field: string;
  /** Expected entry, or null when the field must not be listed. */
  expect: { action: string; before: unknown; incoming: unknown; after: unknown; rule?: string } | null;
  outcome: string;
}

const ROWS: Row[] = [
  {
    name: 'set: the file value replaces a different value (swap all)',
    alma: { last_name: 'Doe' }, file: '<last_name>Doe-Smith</last_name>', field: 'last_name',
    expect: { action: 'set', before: 'Doe', incoming: 'Doe-Smith', after: 'Doe-Smith', rule: 'field-set' }, outcome: 'updated',
  },
  {
    name: 'an equal value is not listed',
    alma: { last_name: 'Doe' }, file: '<last_name>Doe</last_name>', field: 'last_name', expect: null, outcome: 'unchanged',
  },
  {
    name: 'padding around a value is not a change',
    alma: { last_name: 'Doe' }, file: '<last_name>  Doe </last_name>', field: 'last_name', expect: null, outcome: 'unchanged',
  },
  {
    name: 'clear: absent from the file → removed',
    alma: { last_name: 'Doe', job_description: 'Lab assistant' }, file: '<last_name>Doe</last_name>', field: 'job_description',
    expect: { action: 'clear', before: 'Lab assistant', incoming: null, after: null, rule: 'field-clear' }, outcome: 'updated',
  },
  {
    name: 'clear: an empty element is the same as an absent one',
    alma: { job_description: 'Lab assistant' }, file: '<job_description/>', field: 'job_description',
    expect: { action: 'clear', before: 'Lab assistant', incoming: null, after: null }, outcome: 'updated',
  },
  {
    name: 'clear: a code field, compared without desc',
    alma: { gender: { value: 'FEMALE', desc: 'Female' } }, file: '', field: 'gender',
    expect: { action: 'clear', before: 'FEMALE', incoming: null, after: null }, outcome: 'updated',
  },
  {
    name: 'default: preferred_language absent → en',
    alma: { preferred_language: { value: 'de', desc: 'German' } }, file: '', field: 'preferred_language',
    expect: { action: 'default', before: 'de', incoming: null, after: 'en', rule: 'protected-empty-clear' }, outcome: 'updated',
  },
  {
    name: 'default: preferred_language empty and missing in Alma too → en',
    alma: { preferred_language: { value: '', desc: '' } }, file: '<preferred_language/>', field: 'preferred_language',
    expect: { action: 'default', before: null, incoming: null, after: 'en' }, outcome: 'updated',
  },
  {
    name: 'default that changes nothing is not listed',
    alma: { preferred_language: { value: 'en' } }, file: '', field: 'preferred_language', expect: null, outcome: 'unchanged',
  },
  {
    name: 'default: status absent → ACTIVE',
    alma: { status: { value: 'INACTIVE' } }, file: '<preferred_language>en</preferred_language>', field: 'status',
    expect: { action: 'default', before: 'INACTIVE', incoming: null, after: 'ACTIVE', rule: 'field-default' }, outcome: 'updated',
  },
  {
    name: 'keep-protected: incoming is not the last SIS value',
    alma: { user_group: { value: 'STAFF' } }, protected: { user_group: { lastSisValue: 'UG' } },
    file: '<user_group>GRAD</user_group>', field: 'user_group',
    expect: { action: 'keep-protected', before: 'STAFF', incoming: 'GRAD', after: 'STAFF', rule: 'protected-keep' }, outcome: 'unchanged',
  },
  {
    name: 'keep-protected also when the incoming value equals the manual value',
    alma: { user_group: { value: 'STAFF' } }, protected: { user_group: { lastSisValue: 'UG' } },
    file: '<user_group>STAFF</user_group>', field: 'user_group',
    expect: { action: 'keep-protected', before: 'STAFF', incoming: 'STAFF', after: 'STAFF' }, outcome: 'unchanged',
  },
  {
    name: 'revert-override: incoming equals lastSisValue',
    alma: { user_group: { value: 'FACULTY' } }, protected: { user_group: { lastSisValue: 'GRAD' } },
    file: '<user_group desc="Graduate">GRAD</user_group>', field: 'user_group',
    expect: { action: 'revert-override', before: 'FACULTY', incoming: 'GRAD', after: 'GRAD', rule: 'protected-revert' }, outcome: 'updated',
  },
  {
    name: 'revert-override with a lastSisValue given as a code object',
    alma: { campus_code: { value: 'LAW' } }, protected: { campus_code: { lastSisValue: { value: 'MAIN' } } },
    file: '<campus_code>MAIN</campus_code>', field: 'campus_code',
    expect: { action: 'revert-override', before: 'LAW', incoming: 'MAIN', after: 'MAIN' }, outcome: 'updated',
  },
  {
    name: 'a protected field is listed even when nothing differs from the manual value and the SIS value changed',
    alma: { pin_number: '1234' }, protected: { pin_number: { lastSisValue: '0000' } },
    file: '<pin_number>1234</pin_number>', field: 'pin_number',
    expect: { action: 'keep-protected', before: '1234', incoming: '1234', after: '1234' }, outcome: 'unchanged',
  },
  {
    name: 'emptyProtectedField clear: a protected field sent empty is cleared, protection ends',
    alma: { user_group: { value: 'STAFF' } }, protected: { user_group: { lastSisValue: 'UG' } },
    file: '<user_group></user_group>', field: 'user_group',
    expect: { action: 'clear', before: 'STAFF', incoming: null, after: null, rule: 'protected-empty-clear' }, outcome: 'updated',
  },
  {
    name: 'emptyProtectedField clear: an unprotected protected-type field sent empty is cleared',
    alma: { job_category: { value: 'LIB' } }, file: '', field: 'job_category',
    expect: { action: 'clear', before: 'LIB', incoming: null, after: null, rule: 'protected-empty-clear' }, outcome: 'updated',
  },
  {
    name: 'emptyProtectedField clear: a protected preferred_language sent empty gets the default',
    alma: { preferred_language: { value: 'fr' } }, protected: { preferred_language: { lastSisValue: 'en' } },
    file: '', field: 'preferred_language',
    expect: { action: 'default', before: 'fr', incoming: null, after: 'en' }, outcome: 'updated',
  },
  {
    name: 'emptyProtectedField keep: a protected field sent empty is kept',
    alma: { user_group: { value: 'STAFF' } }, protected: { user_group: { lastSisValue: 'UG' } },
    file: '', settings: { emptyProtectedField: 'keep' }, field: 'user_group',
    expect: { action: 'keep-protected', before: 'STAFF', incoming: null, after: 'STAFF', rule: 'protected-empty-keep' }, outcome: 'unchanged',
  },
  {
    name: 'emptyProtectedField keep: an unprotected protected-type field sent empty keeps its value, unlisted',
    alma: { user_group: { value: 'STAFF' } }, file: '', settings: { emptyProtectedField: 'keep' }, field: 'user_group',
    expect: null, outcome: 'unchanged',
  },
  {
    name: 'emptyProtectedField keep does not apply to ordinary fields',
    alma: { job_description: 'x' }, file: '', settings: { emptyProtectedField: 'keep' }, field: 'job_description',
    expect: { action: 'clear', before: 'x', incoming: null, after: null }, outcome: 'updated',
  },
  {
    name: 'protectedFields setting: a field left out is an ordinary field',
    alma: { user_group: { value: 'STAFF' } }, file: '', settings: { emptyProtectedField: 'keep', protectedFields: ['pin_number'] }, field: 'user_group',
    expect: { action: 'clear', before: 'STAFF', incoming: null, after: null, rule: 'field-clear' }, outcome: 'updated',
  },
  {
    name: 'rs_libraries compared without regard to order',
    alma: { rs_library: [{ code: { value: 'A' } }, { code: { value: 'B', desc: 'Bee' } }] },
    file: '<rs_libraries><rs_library><code>B</code></rs_library><rs_library><code>A</code></rs_library></rs_libraries>', field: 'rs_libraries',
    expect: null, outcome: 'unchanged',
  },
  {
    name: 'rs_libraries set as a list of codes, in the order the file gives them',
    alma: { rs_library: [{ code: { value: 'A' } }] },
    file: '<rs_libraries><rs_library><code>B</code></rs_library><rs_library><code>A</code></rs_library></rs_libraries>', field: 'rs_libraries',
    expect: { action: 'set', before: ['A'], incoming: ['B', 'A'], after: ['B', 'A'] }, outcome: 'updated',
  },
  {
    name: 'rs_libraries protected with a list lastSisValue: revert',
    alma: { rs_library: [{ code: { value: 'MAIN' } }, { code: { value: 'LAW' } }] }, protected: { rs_libraries: { lastSisValue: ['MAIN'] } },
    file: '<rs_libraries><rs_library><code>MAIN</code></rs_library></rs_libraries>', field: 'rs_libraries',
    expect: { action: 'revert-override', before: ['MAIN', 'LAW'], incoming: ['MAIN'], after: ['MAIN'] }, outcome: 'updated',
  },
  {
    name: 'library_notices compared by code without regard to order',
    alma: { library_notice: [{ code: { value: 'X' }, value: true }, { code: { value: 'Y' }, value: 'false' }] },
    file: '<library_notices><library_notice><code>Y</code><value>false</value></library_notice><library_notice><code>X</code><value>true</value></library_notice></library_notices>',
    field: 'library_notices', expect: null, outcome: 'unchanged',
  },
  {
    name: 'library_notices: a changed opt-in is a set, as {code, value}',
    alma: { library_notice: [{ code: { value: 'X' }, value: true }] },
    file: '<library_notices><library_notice><code>X</code><value>false</value></library_notice></library_notices>', field: 'library_notices',
    expect: { action: 'set', before: [{ code: 'X', value: true }], incoming: [{ code: 'X', value: false }], after: [{ code: 'X', value: false }] }, outcome: 'updated',
  },
  {
    name: 'codes compare without desc; a bare code string in the snapshot is accepted',
    alma: { user_group: 'GRAD', gender: { value: 'MALE', desc: 'Male' } }, file: '<user_group desc="Graduate">GRAD</user_group><gender desc="M">MALE</gender>', field: 'user_group',
    expect: null, outcome: 'unchanged',
  },
  {
    name: 'dates compare with and without the Z Alma adds',
    alma: { expiry_date: '2031-06-30Z' }, file: '<expiry_date>2031-06-30</expiry_date>', field: 'expiry_date', expect: null, outcome: 'unchanged',
  },
  {
    name: 'null, "" and absent are alike in the snapshot',
    alma: { middle_name: '', campus_code: { value: null, desc: '' }, web_site_url: null }, file: '<middle_name></middle_name>', field: 'middle_name',
    expect: null, outcome: 'unchanged',
  },
  {
    name: 'is_researcher false in Alma equals an absent one in the file',
    alma: { is_researcher: false }, file: '', field: 'is_researcher', expect: null, outcome: 'unchanged',
  },
  {
    name: 'fields the SIS load never reads take no part (full_name, record_type, account_type, external_id, password, status_date)',
    alma: { full_name: 'Jane Doe', record_type: { value: 'STAFF' }, external_id: 'SIS', password: '', status_date: '2020-01-01Z' },
    file: '<full_name>Someone Else</full_name><record_type>PUBLIC</record_type><account_type>INTERNAL</account_type><external_id>X</external_id><password>secret</password><status_date>2024-01-01</status_date>',
    field: 'full_name', expect: null, outcome: 'unchanged',
  },
];

describe('core fields: one row per rule and action', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const user: SnapUser = { user: almaUser('jdoe', row.alma) };
      if (row.protected) user.sync = { protected: row.protected };
      const u = planOne(`<primary_id>jdoe</primary_id>${row.file}`, user, row.settings);
      const entry = u.fields.find((f) => f.field === row.field);
      if (row.expect === null) expect(entry).toBeUndefined();
      else {
        expect(entry).toBeDefined();
        expect({ action: entry!.action, before: valueToJson(entry!.before), incoming: valueToJson(entry!.incoming), after: valueToJson(entry!.after) }).toEqual({
          action: row.expect.action, before: row.expect.before, incoming: row.expect.incoming, after: row.expect.after,
        });
        if (row.expect.rule) expect(entry!.rule).toBe(row.expect.rule);
        expect(RULES[entry!.rule]).toBeDefined();
        expect(entry!.message.length).toBeGreaterThan(10);
      }
      expect(u.outcome).toBe(row.outcome);
    });
  }

  it('every field named in sync.protected is listed, whatever happens to it', () => {
    const user: SnapUser = {
      user: almaUser('jdoe', { user_group: { value: 'STAFF' }, pin_number: '1', campus_code: { value: 'LAW' } }),
      sync: { protected: { user_group: { lastSisValue: 'UG' }, pin_number: { lastSisValue: '1' }, campus_code: { lastSisValue: null } } },
    };
    const u = planOne('<primary_id>jdoe</primary_id><user_group>UG</user_group><pin_number>1</pin_number><campus_code>LAW</campus_code><preferred_language>en</preferred_language>', user);
    const byField = Object.fromEntries(u.fields.map((f) => [f.field, f.action]));
    expect(byField).toEqual({ user_group: 'revert-override', pin_number: 'revert-override', campus_code: 'keep-protected' });
  });

  it('with matchBy on an identifier type, primary_id is a core field: set when it differs, kept when absent', () => {
    const ids = '<user_identifiers><user_identifier><id_type>UNIV_ID</id_type><value>U1</value></user_identifier></user_identifiers>';
    const alma = almaUser('old-id', { user_identifier: [{ id_type: { value: 'UNIV_ID' }, value: 'u1' }] });
    const changed = planOne(`<primary_id>new-id</primary_id>${ids}`, { user: alma }, { matchBy: 'UNIV_ID' });
    expect(changed.outcome).toBe('updated');
    expect(changed.fields.map((f) => [f.field, f.action, f.after])).toContainEqual(['primary_id', 'set', 'new-id']);
    const absent = planOne(ids.replace('U1', 'u1'), { user: alma }, { matchBy: 'UNIV_ID' });
    expect(absent.fields.find((f) => f.field === 'primary_id')).toBeUndefined();
    expect(absent.outcome).toBe('unchanged');
  });

  it('primary_id differing only in case is the same user (matching ignores case); the file\'s spelling is stored', () => {
    const u = planOne('<primary_id>JDoe</primary_id>', { user: almaUser('jdoe') });
    expect(u.match?.snapshotIndex).toBe(0);
    expect(u.matchValue).toBe('JDoe');
    expect(u.outcome).toBe('updated');
    expect(u.fields.map((f) => [f.field, f.before, f.after, f.action])).toEqual([['primary_id', 'jdoe', 'JDoe', 'set']]);
  });
});
