/**
 * `applyPlan` (docs/plan.md, "Apply, and the next run"): what the next snapshot holds.
 */
import { describe, expect, it } from 'vitest';
import { almaUser, planAndApply, settings, sisFile, snapshot, snapshotText } from './helpers';
import { parseSnapshot } from '../../shared/src/snapshot/snapshot';

describe('applyPlan', () => {
  it('revert-override ends protection; keep-protected keeps it and the manual value', () => {
    const snap = snapshot([
      { user: almaUser('a', { user_group: { value: 'FACULTY' } }), sync: { protected: { user_group: { lastSisValue: 'GRAD' } } } },
      { user: almaUser('b', { user_group: { value: 'STAFF' } }), sync: { protected: { user_group: { lastSisValue: 'UG' } } } },
    ]);
    const { next } = planAndApply(sisFile('<primary_id>a</primary_id><user_group>GRAD</user_group>', '<primary_id>b</primary_id><user_group>GRAD</user_group>'), snap, settings());
    expect(next.users[0].user!.user_group).toEqual({ value: 'GRAD' });
    expect(next.users[0].protected.size).toBe(0);
    expect(next.users[1].user!.user_group).toEqual({ value: 'STAFF' });
    expect(next.users[1].protected.get('user_group')).toEqual({ lastSisValue: 'UG' });
  });

  it('a clear of a protected field ends its protection (emptyProtectedField clear)', () => {
    const snap = snapshot([{ user: almaUser('a', { pin_number: '9999' }), sync: { protected: { pin_number: { lastSisValue: '1234' } }, note: 'kept' } }]);
    const { next } = planAndApply(sisFile('<primary_id>a</primary_id>'), snap, settings());
    expect(next.users[0].user!.pin_number).toBeUndefined();
    expect(next.users[0].protected.size).toBe(0);
    expect(next.users[0].entry.sync).toEqual({ note: 'kept' });
  });

  it('new users as the profile creates them', () => {
    const xml = sisFile(
      '<primary_id>GNew</primary_id><last_name>New</last_name><record_type>STAFF</record_type><account_type>INTERNAL</account_type>' +
        '<contact_info><emails><email segment_type="Internal" preferred="true"><email_address>g@x</email_address><email_types><email_type desc="School">school</email_type></email_types></email></emails></contact_info>',
    );
    const { next } = planAndApply(xml, snapshot([]), settings({ recordType: 'STAFF', profileCode: 'SIS_PROFILE' }));
    const u = next.users[0].user!;
    expect(u.primary_id).toBe('GNew'); // stored as the file spells it
    expect(u.account_type).toEqual({ value: 'EXTERNAL' });
    expect(u.record_type).toEqual({ value: 'STAFF' });
    expect(u.external_id).toBe('SIS_PROFILE');
    expect(u.preferred_language).toEqual({ value: 'en' });
    expect(u.status).toEqual({ value: 'ACTIVE' });
    const contact = u.contact_info as { email: Record<string, unknown>[] };
    expect(contact.email).toEqual([{ preferred: true, email_address: 'g@x', email_type: [{ value: 'school', desc: 'School' }], segment_type: 'External' }]);
  });

  it('segments: internal items stay, external replaced by the file\'s', () => {
    const snap = snapshot([
      {
        user: almaUser('a', {
          contact_info: { email: [{ email_address: 'staff@x', email_type: [{ value: 'work' }], segment_type: 'Internal' }, { email_address: 'old@x', email_type: [{ value: 'school' }], segment_type: 'External' }], address: [], phone: [] },
          user_identifiers: { user_identifier: [{ id_type: { value: 'BARCODE' }, value: 'OLD' }] },
        }),
      },
    ]);
    const xml = sisFile('<primary_id>a</primary_id><contact_info><emails><email><email_address>new@x</email_address><email_types><email_type>school</email_type></email_types></email></emails></contact_info>');
    const { next } = planAndApply(xml, snap, settings());
    const u = next.users[0].user! as { contact_info: { email: { email_address: string; segment_type: string }[] }; user_identifier?: unknown; user_identifiers?: unknown };
    expect(u.contact_info.email.map((e) => [e.email_address, e.segment_type])).toEqual([['staff@x', 'Internal'], ['new@x', 'External']]);
    expect(u.user_identifier).toEqual([]); // absent list: external items cleared
    expect(u.user_identifiers).toBeUndefined();
  });

  it('roles, password and unknown keys are never touched', () => {
    const role = { role_type: { value: '200' }, status: { value: 'ACTIVE' }, scope: { value: 'MAIN' }, parameter: [] };
    const snap = snapshot([{ user: almaUser('a', { user_role: [role], password: '', custom_key: { x: 1 } }), extra: true }]);
    const { next } = planAndApply(sisFile('<primary_id>a</primary_id><last_name>Changed</last_name><password>p</password><user_roles><user_role><role_type>204</role_type></user_role></user_roles>'), snap, settings());
    const u = next.users[0].user!;
    expect(u.user_role).toEqual([role]);
    expect(u.password).toBe('');
    expect(u.custom_key).toEqual({ x: 1 });
    expect(next.users[0].entry.extra).toBe(true);
    expect(u.last_name).toBe('Changed');
  });

  it('rejected and unchanged users and users absent from the file are written back byte for byte', () => {
    const users = [
      { user: almaUser('internal', { account_type: { value: 'INTERNAL' } }) },
      { user: almaUser('same', { last_name: 'Same' }) },
      { user: almaUser('absent', { last_name: 'Away' }), comment: 'unknown key' },
      { user: almaUser('changed', { last_name: 'Before' }) },
    ];
    // A snapshot written by hand with its own layout: untouched entries keep it.
    const text = snapshotText(users).replace(/"Away"/, '"Away"   ').replace('"comment"', '"comment"    ');
    const snap = parseSnapshot(text).snapshot!;
    const xml = sisFile('<primary_id>internal</primary_id>', '<primary_id>same</primary_id><last_name>Same</last_name>', '<primary_id>changed</primary_id><last_name>After</last_name>');
    const { text: out, plan } = planAndApply(xml, snap, settings());
    expect(plan.summary).toMatchObject({ rejected: 1, unchanged: 1, updated: 1 });
    for (const k of [0, 1, 2]) {
      const span = snap.users[k].span!;
      expect(out).toContain(text.slice(span.start, span.end));
    }
    expect(out).toContain('"After"');
    expect(out).not.toContain('"Before"');
  });

  it('unknown top-level keys are kept', () => {
    const snap = snapshot([{ user: almaUser('a') }], { exportedAt: '2026-01-01', profile: { matchBy: 'primary_id' } });
    const { text } = planAndApply(sisFile('<primary_id>b</primary_id>'), snap, settings());
    const root = JSON.parse(text);
    expect(root.exportedAt).toBe('2026-01-01');
    expect(root.profile).toEqual({ matchBy: 'primary_id' });
    expect(root.users).toHaveLength(2);
  });
});
