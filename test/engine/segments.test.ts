/**
 * Segments (docs/plan.md; the Ex Libris Developer Network blog "External user data behavior of
 * SIS synchronization and API"): per list, external items replaced by the file's,
 * internal ones kept, compared by content ignoring `segment_type` and `desc`.
 */
import { describe, expect, it } from 'vitest';
import { almaUser, planOne } from './helpers';

const email = (addr: string, seg = 'External', extra: Record<string, unknown> = {}) => ({ email_address: addr, preferred: false, email_type: [{ value: 'school', desc: 'School' }], segment_type: seg, ...extra });
const xmlEmail = (addr: string, attrs = '') => `<email${attrs}><email_address>${addr}</email_address><email_types><email_type>school</email_type></email_types></email>`;
const emails = (...items: string[]) => `<contact_info><emails>${items.join('')}</emails></contact_info>`;

interface Row {
  name: string;
  alma: Record<string, unknown>;
  file: string;
  list: string;
  expect: { removed: number; added: number; kept: number } | null;
}

const ROWS: Row[] = [
  { name: 'identical external item: no entry', alma: { contact_info: { email: [email('a@x')] } }, file: emails(xmlEmail('a@x')), list: 'emails', expect: null },
  { name: 'changed item: one removed, one added', alma: { contact_info: { email: [email('a@x')] } }, file: emails(xmlEmail('b@x')), list: 'emails', expect: { removed: 1, added: 1, kept: 0 } },
  { name: 'internal items are kept and counted as kept', alma: { contact_info: { email: [email('staff@x', 'Internal'), email('a@x')] } }, file: emails(xmlEmail('b@x')), list: 'emails', expect: { removed: 1, added: 1, kept: 1 } },
  { name: 'internal item plus an identical external one: no entry', alma: { contact_info: { email: [email('staff@x', 'Internal'), email('a@x')] } }, file: emails(xmlEmail('a@x')), list: 'emails', expect: null },
  { name: 'an absent list clears the external items, internal stay', alma: { contact_info: { email: [email('staff@x', 'Internal'), email('a@x'), email('b@x')] } }, file: '', list: 'emails', expect: { removed: 2, added: 0, kept: 1 } },
  { name: 'an empty list does the same', alma: { contact_info: { email: [email('a@x')] } }, file: '<contact_info><emails/></contact_info>', list: 'emails', expect: { removed: 1, added: 0, kept: 0 } },
  { name: 'segment_type absent in the snapshot means External', alma: { contact_info: { email: [{ email_address: 'a@x', email_type: [{ value: 'school' }] }] } }, file: '', list: 'emails', expect: { removed: 1, added: 0, kept: 0 } },
  { name: 'segment_type in the file is ignored', alma: { contact_info: { email: [email('a@x')] } }, file: emails(xmlEmail('a@x', ' segment_type="Internal"')), list: 'emails', expect: null },
  { name: 'desc is ignored', alma: { contact_info: { email: [email('a@x')] } }, file: emails('<email><email_address>a@x</email_address><email_types><email_type desc="Other label">school</email_type></email_types></email>'), list: 'emails', expect: null },
  { name: 'booleans as strings equal booleans; false equals absent', alma: { contact_info: { email: [email('a@x', 'External', { preferred: 'true' })] } }, file: emails(xmlEmail('a@x', ' preferred="true"')), list: 'emails', expect: null },
  { name: 'a changed preferred flag is a changed item', alma: { contact_info: { email: [email('a@x', 'External', { preferred: true })] } }, file: emails(xmlEmail('a@x')), list: 'emails', expect: { removed: 1, added: 1, kept: 0 } },
  { name: 'duplicates are counted as a multiset', alma: { contact_info: { email: [email('a@x'), email('a@x')] } }, file: emails(xmlEmail('a@x')), list: 'emails', expect: { removed: 1, added: 0, kept: 1 } },
  { name: 'new items only', alma: {}, file: emails(xmlEmail('a@x'), xmlEmail('b@x')), list: 'emails', expect: { removed: 0, added: 2, kept: 0 } },
  {
    name: 'identifiers: type code without desc, value compared',
    alma: { user_identifier: [{ id_type: { value: 'BARCODE', desc: 'Barcode' }, value: 'B1', status: 'ACTIVE', segment_type: 'External' }] },
    file: '<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>B1</value><status>ACTIVE</status></user_identifier></user_identifiers>', list: 'identifiers', expect: null,
  },
  {
    name: 'identifiers: the status Alma gives by default (ACTIVE) equals none',
    alma: { user_identifier: [{ id_type: { value: 'BARCODE' }, value: 'B1', status: 'ACTIVE', note: '', segment_type: 'External' }] },
    file: '<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>B1</value></user_identifier></user_identifiers>', list: 'identifiers', expect: null,
  },
  {
    name: 'blocks: default type and status equal none',
    alma: { user_block: [{ block_type: { value: 'GENERAL' }, block_description: { value: 'LOST' }, block_status: 'Active' }] },
    file: '<user_blocks><user_block><block_description>LOST</block_description></user_block></user_blocks>', list: 'blocks', expect: null,
  },
  {
    name: 'addresses with types and dates (Z or not)',
    alma: { contact_info: { address: [{ line1: 'Main St 1', city: 'Town', country: { value: 'USA' }, start_date: '2024-01-01Z', address_type: [{ value: 'home' }], preferred: true, segment_type: 'External' }] } },
    file: '<contact_info><addresses><address preferred="true"><line1>Main St 1</line1><city>Town</city><country desc="United States">USA</country><start_date>2024-01-01</start_date><address_types><address_type>home</address_type></address_types></address></addresses></contact_info>',
    list: 'addresses', expect: null,
  },
  {
    name: 'phones: a new type list is a different item',
    alma: { contact_info: { phone: [{ phone_number: '555', phone_type: [{ value: 'home' }] }] } },
    file: '<contact_info><phones><phone><phone_number>555</phone_number><phone_types><phone_type>mobile</phone_type></phone_types></phone></phones></contact_info>',
    list: 'phones', expect: { removed: 1, added: 1, kept: 0 },
  },
  {
    name: 'notes: user_viewable "false" equals absent; an internal note stays',
    alma: { user_note: [{ note_type: { value: 'OTHER' }, note_text: 'from SIS', user_viewable: 'false', popup_note: false }, { note_type: { value: 'CIRCULATION' }, note_text: 'staff note', segment_type: 'Internal' }] },
    file: '<user_notes><user_note><note_type>OTHER</note_type><note_text>from SIS</note_text><user_viewable>false</user_viewable><popup_note>false</popup_note></user_note></user_notes>',
    list: 'notes', expect: null,
  },
  {
    name: 'notes: the creation stamps Alma adds are not compared',
    alma: { user_note: [{ note_type: { value: 'OTHER' }, note_text: 'from SIS', user_viewable: false, popup_note: false, created_by: 'System', created_date: '2025-01-01T10:00:00Z', note_owner: { value: 'MAIN' } }] },
    file: '<user_notes><user_note><note_type>OTHER</note_type><note_text>from SIS</note_text><user_viewable>false</user_viewable><popup_note>false</popup_note></user_note></user_notes>',
    list: 'notes', expect: null,
  },
  {
    name: 'blocks: replaced',
    alma: { user_block: [{ block_type: { value: 'GENERAL' }, block_description: { value: 'OLD' }, block_status: 'ACTIVE' }] },
    file: '<user_blocks><user_block><block_type>GENERAL</block_type><block_description>NEW</block_description><block_status>ACTIVE</block_status></user_block></user_blocks>',
    list: 'blocks', expect: { removed: 1, added: 1, kept: 0 },
  },
  {
    name: 'statistics: category_type (derived by Alma) is not compared',
    alma: { user_statistic: [{ statistic_category: { value: 'ART' }, category_type: { value: 'FACULTY' } }] },
    file: '<user_statistics><user_statistic><statistic_category>ART</statistic_category></user_statistic></user_statistics>',
    list: 'statistics', expect: null,
  },
];

describe('segments: one row per rule', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const u = planOne('<primary_id>jdoe</primary_id>' + row.file, { user: almaUser('jdoe', row.alma) });
      const entry = u.segments.find((s) => s.list === row.list);
      if (row.expect === null) {
        expect(entry).toBeUndefined();
        expect(u.outcome).toBe('unchanged');
      } else {
        expect(entry).toBeDefined();
        expect({ removed: entry!.removed, added: entry!.added, kept: entry!.kept }).toEqual(row.expect);
        expect(entry!.rule).toBe('segments-replace');
        expect(u.outcome).toBe('updated');
      }
    });
  }

  it('each list is replaced on its own: one list changing leaves the others without an entry', () => {
    const alma = almaUser('jdoe', {
      contact_info: { email: [email('a@x')], phone: [{ phone_number: '1', phone_type: [{ value: 'home' }] }] },
    });
    const u = planOne('<primary_id>jdoe</primary_id><contact_info><emails>' + xmlEmail('b@x') + '</emails><phones><phone><phone_number>1</phone_number><phone_types><phone_type>home</phone_type></phone_types></phone></phones></contact_info>', { user: alma });
    expect(u.segments.map((s) => s.list)).toEqual(['emails']);
  });

  it('roles in the file are never compared (the SIS load does not read them)', () => {
    const alma = almaUser('jdoe', { user_role: [{ role_type: { value: '200' }, status: { value: 'ACTIVE' } }] });
    const u = planOne('<primary_id>jdoe</primary_id><user_roles><user_role><role_type>204</role_type><status>ACTIVE</status></user_role></user_roles>', { user: alma });
    expect(u.outcome).toBe('unchanged');
    expect(u.segments).toEqual([]);
  });
});
