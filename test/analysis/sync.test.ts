import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localDay } from '../../shared/src/analysis/inputs';
import { computeSync, SyncCache } from '../../shared/src/analysis/sync';
import { readSisDocument, updateSisDocument } from '../../shared/src/sis/read';
import { checkForUpload } from '../../client/src/check';
import { buildPreview, planToMarkdown } from '../../shared/src/preview';
import { DEFAULT_SETTINGS } from '../../shared/src/settings';

/** Validation's day, as the extension passes it: today on this machine. */
const TODAY = localDay(new Date());

const root = path.resolve(__dirname, '../..');
const xml = readFileSync(path.join(root, 'example/users.xml'), 'utf8');
const snap = readFileSync(path.join(root, 'example/users.alma-snapshot.json'), 'utf8');

describe('the in-process sync behind the preview (example workspace)', () => {
  const r = computeSync({ today: TODAY, text: xml, snapshotText: snap, settingsLayer: {} });

  it('plans the whole file with the engine, in the plan JSON shape of docs/plan.md', () => {
    expect(r.plan.format).toBe('alma-sis-plan');
    expect(r.plan.users).toHaveLength(r.sis.users.length);
    const counted = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
    for (const u of r.plan.users) counted[u.outcome]++;
    expect(r.plan.summary).toEqual({ processed: r.plan.users.length, ...counted });
    // lines are 1-based lines of the <user> start tags
    for (const u of r.plan.users) expect(xml.split('\n')[u.line - 1]).toMatch(/<user>/);
    expect(r.fatalProblems).toBe(0);
  });

  it('gives the preview names and places in the file', () => {
    const i = r.plan.users.findIndex((u) => u.primaryId === 'jdoe');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(r.nameOf(i)).toMatch(/^Jane /);
    expect(xml.startsWith('<user>', r.userOffset(i)!)).toBe(true);
    expect(xml.startsWith('<last_name>', r.fieldOffset(i, 'last_name')!)).toBe(true);
    expect(r.fieldOffset(i, 'no_such_field')).toBeUndefined();
  });

  it('compares a user as the snapshot holds it with the engine\'s result of the sync', () => {
    for (const p of r.plan.users) {
      const before = r.matchedUser(p.index);
      const after = r.userAfter(p.index);
      if (p.outcome === 'rejected') expect(after).toBeUndefined();
      if (p.outcome === 'created') {
        expect(before).toBeUndefined();
        expect((after?.user as Record<string, unknown>).primary_id).toBe(p.primaryId);
      }
      for (const f of p.fields) {
        if (p.outcome !== 'updated' || typeof f.after !== 'string') continue;
        const v = (after?.user as Record<string, unknown>)[f.field];
        const code = v && typeof v === 'object' ? (v as { value?: unknown }).value : v;
        expect(code, `${p.primaryId}.${f.field}`).toBe(f.after);
      }
      if (p.outcome === 'unchanged') expect(after).toEqual(before);
      // a reverted override ends the protection: the entry after the sync no longer names the field
      for (const f of p.fields) {
        if (f.action !== 'revert-override') continue;
        expect(JSON.stringify(before?.sync)).toContain(f.field);
        expect(JSON.stringify(after?.sync ?? {})).not.toContain(f.field);
      }
    }
    expect(r.plan.users.some((u) => u.fields.some((f) => f.action === 'revert-override'))).toBe(true);
  });

  it('writes a next snapshot against which the same file changes nothing more', () => {
    const next = computeSync({ today: TODAY, text: xml, snapshotText: r.nextSnapshotText(), settingsLayer: {} });
    for (const u of next.plan.users) {
      if (r.plan.users[u.index].outcome === 'rejected') continue;
      expect(u.outcome, `${u.primaryId}`).toBe('unchanged');
    }
  });

  it('reuses per-user plans after an edit and still agrees with a computation from scratch', () => {
    const cache = new SyncCache();
    let sis = readSisDocument(xml);
    const first = computeSync({ today: TODAY, text: xml, sis, snapshotText: snap, settingsLayer: {} }, cache);
    // Edits that change outcomes: a last name, then the duplicate's primary id (no longer "in this feed").
    let text = xml;
    const edits: [string, string][] = [['<last_name>Smith</last_name>', '<last_name>Smyth</last_name>']];
    const dup = text.lastIndexOf('<primary_id>gnguyen</primary_id>');
    expect(dup).toBeGreaterThan(0);
    for (const [from, to] of edits) {
      const at = text.indexOf(from);
      expect(at).toBeGreaterThan(0);
      const next = text.slice(0, at) + to + text.slice(at + from.length);
      sis = updateSisDocument(sis, next, { start: at, end: at + from.length, newLength: to.length });
      text = next;
    }
    const at = text.lastIndexOf('<primary_id>gnguyen</primary_id>') + '<primary_id>'.length;
    text = text.slice(0, at) + 'z' + text.slice(at);
    sis = updateSisDocument(sis, text, { start: at, end: at, newLength: 1 });
    const incremental = computeSync({ today: TODAY, text, sis, snapshotText: snap, settingsLayer: {} }, cache);
    const scratch = computeSync({ today: TODAY, text, snapshotText: snap, settingsLayer: {} });
    expect(incremental.plan).toEqual(scratch.plan);
    expect(incremental.plan).not.toEqual(first.plan);
    // the second gnguyen was rejected "in this feed"; renamed, it is no longer
    const renamed = incremental.plan.users.find((u) => u.primaryId === 'zgnguyen');
    expect(renamed?.outcome).not.toBe('rejected');
    // a changed setting is not served from the cache
    const imported = computeSync({ today: TODAY, text, sis, snapshotText: snap, settingsLayer: { mode: 'import' } }, cache);
    expect(imported.plan).toEqual(computeSync({ today: TODAY, text, snapshotText: snap, settingsLayer: { mode: 'import' } }).plan);
  });

  it('without a snapshot, plans everyone as new and says so', () => {
    const none = computeSync({ today: TODAY, text: xml, snapshotText: undefined, settingsLayer: {} });
    expect(none.notices.map((n) => n.text)).toContain('No snapshot: every user is planned as new.');
    expect(none.plan.users.every((u) => u.outcome === 'created' || u.outcome === 'rejected')).toBe(true);
  });

  it('editor settings override the snapshot profile; bad ones are reported, not thrown', () => {
    const imp = computeSync({ today: TODAY, text: xml, snapshotText: snap, settingsLayer: { mode: 'import', recordType: 'NOPE' } });
    expect(imp.settings.mode).toBe('import');
    expect(imp.plan.summary.updated).toBe(0);
    expect(imp.notices.some((n) => n.text.includes('recordType'))).toBe(true);
  });

  it('a broken file is flagged as fatal, and an unreadable snapshot throws a readable error', () => {
    const broken = computeSync({ today: TODAY, text: '<?xml version="1.0"?>\n<users><user><primary_id>x</primary_id></use></users>', snapshotText: snap, settingsLayer: {} });
    expect(broken.fatalProblems).toBeGreaterThan(0);
    expect(() => computeSync({ today: TODAY, text: xml, snapshotText: '{ "users": [', settingsLayer: {} })).toThrow(/./);
  });
});

describe('the check before packaging for upload', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('refuses with line and reason when the file has errors (the example has a duplicate user)', async () => {
    const c = await checkForUpload(enc(xml), DEFAULT_SETTINGS, '2026-01-01');
    expect(c.errors.length).toBeGreaterThan(0);
    const dup = c.errors.find((e) => e.code === 'duplicate-user');
    expect(dup).toBeDefined();
    expect(xml.split('\n')[dup!.line - 1]).toContain('gnguyen');
  });

  it('passes a clean file, and reports bytes Alma cannot read', async () => {
    const clean = '<?xml version="1.0" encoding="UTF-8"?>\n<users>\n  <user>\n    <primary_id>a1</primary_id>\n    <first_name>A</first_name>\n    <last_name>B</last_name>\n  </user>\n</users>\n';
    expect((await checkForUpload(enc(clean), DEFAULT_SETTINGS, '2026-01-01')).errors).toEqual([]);
    const latin1 = enc(clean.replace('<first_name>A', '<first_name>A\u00e9'));
    const bytes = new Uint8Array([...latin1].flatMap((b, i, all) => (b === 0xc3 && all[i + 1] === 0xa9 ? [0xe9] : b === 0xa9 && all[i - 1] === 0xc3 ? [] : [b])));
    const bad = await checkForUpload(bytes, DEFAULT_SETTINGS, '2026-01-01');
    expect(bad.errors.map((e) => e.code)).toContain('invalid-utf8');
    expect(bad.errors.find((e) => e.code === 'invalid-utf8')!.line).toBe(5);
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...clean].flatMap((ch) => [ch.charCodeAt(0), 0])]);
    expect((await checkForUpload(utf16, DEFAULT_SETTINGS, undefined)).errors.map((e) => e.code)).toEqual(['unsupported-encoding']);
  });
});

describe('notes and the user\'s own errors in the preview', () => {
  const snapshot = JSON.stringify({
    format: 'alma-sis-snapshot',
    version: 1,
    users: [
      { user: { primary_id: 'omar', last_name: 'Haddad', account_type: { value: 'EXTERNAL' }, status: { value: 'INACTIVE' }, preferred_language: { value: 'en' } } },
      { user: { primary_id: 'lea', last_name: 'Moreau', account_type: { value: 'EXTERNAL' }, status: { value: 'ACTIVE' }, preferred_language: { value: 'en' }, user_group: { value: 'UG' } } },
    ],
  });
  const text = '<users><user><primary_id>omar</primary_id><last_name>Haddad</last_name></user><user><primary_id>lea</primary_id><last_name>Moreau</last_name><user_group>BOGUS</user_group><status>ACTIVE</status></user></users>';
  const codeTablesText = JSON.stringify({ format: 'alma-sis-code-tables', version: 1, tables: { UserGroups: ['UG'] } });

  it('with the code tables, the user with an unknown code is rejected; without, it is updated', () => {
    expect(computeSync({ today: TODAY, text, snapshotText: snapshot, settingsLayer: {}, codeTablesText }).plan.users[1]).toMatchObject({ outcome: 'rejected', reasons: ['"BOGUS" is not a code of the UserGroups table.'] });
    expect(computeSync({ today: TODAY, text, snapshotText: snapshot, settingsLayer: {} }).plan.users[1].outcome).toBe('updated');
  });

  it('the preview lists the notes, filters on them, and Export Plan\'s Markdown prints them', () => {
    const r = computeSync({ today: TODAY, text, snapshotText: snapshot, settingsLayer: {}, codeTablesText });
    const model = buildPreview(r.plan, { filter: { flags: ['noted'] } });
    expect(model.shown).toBe(1);
    const row = model.groups[0].users[0];
    expect(row).toMatchObject({ id: 'omar', flags: ['noted'], notes: [expect.objectContaining({ field: 'status', text: expect.stringMatching(/reactivating the user/) })] });
    expect(planToMarkdown(r.plan, { title: 'Plan' })).toMatch(/> \*\*Note\*\* \(status\): The file has no \\<status\\>/);
  });
});
