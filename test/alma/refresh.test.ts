import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftText } from '../../shared/src/alma/driftText';
import { followUpLookups, mergeRefresh, planLookups, type FileUser, type LookupResult, type PlannedLookup } from '../../shared/src/alma/refresh';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { recordFromXml } from '../../shared/src/sis/record';
import { parseSnapshot, serializeSnapshot, type Snapshot } from '../../shared/src/snapshot/snapshot';
import { loadFixtures } from '../fakeAlma/server';

const EXAMPLE = path.resolve(__dirname, '../../example');
const settings = settingsFrom({}).settings;

function fileUsers(xml: string): FileUser[] {
  return readSisDocument(xml).users.map((u, index) => ({ index, record: recordFromXml(u.element) }));
}
function exampleSnapshot(): Snapshot {
  return parseSnapshot(fs.readFileSync(path.join(EXAMPLE, 'users.alma-snapshot.json'), 'utf8')).snapshot!;
}
const exampleUsers = () => fileUsers(fs.readFileSync(path.join(EXAMPLE, 'users.xml'), 'utf8'));
const { users: almaNow } = loadFixtures();

/** Answers as the fake Users API gives them (all unique identifier types unless a type is given). */
function answer(lookups: readonly PlannedLookup[], users = almaNow): LookupResult[] {
  return lookups.map((lookup) => {
    const want = lookup.id.toLowerCase();
    const ids = (u: Record<string, unknown>) => ((u.user_identifier as { value: string; id_type: { value: string } }[]) ?? []);
    const found = lookup.idType
      ? users.find((u) => ids(u).some((i) => i.value.toLowerCase() === want && i.id_type.value === lookup.idType))
      : users.find((u) => String(u.primary_id).toLowerCase() === want) ?? users.find((u) => ids(u).some((i) => i.value.toLowerCase() === want));
    return found ? { lookup, user: found } : { lookup, missing: { code: '401861', message: `User with identifier ${lookup.id} was not found.` } };
  });
}

describe('which users a refresh asks for', () => {
  it('one call per Match ID value the file sends, remembering the file users and snapshot entries it serves', () => {
    const plan = planLookups(exampleUsers(), exampleSnapshot(), settings);
    // gnguyen appears twice in the file: asked once.
    expect(plan.lookups.map((l) => l.id)).toEqual(['jdoe', 'asmith', 'bwong', 'cgarcia', 'dlee', 'emuller', 'fkhan', 'gnguyen', 'hpark']);
    expect(plan.lookups.find((l) => l.id === 'gnguyen')?.fileUsers).toEqual([7, 9]);
    expect(plan.lookups.find((l) => l.id === 'jdoe')?.entries).toEqual([0]);
    expect(plan.lookups.every((l) => l.idType === undefined)).toBe(true);
    expect(plan.withoutMatchId).toEqual([]);
  });

  it('with an identifier type as Match ID, asks by that type, and asks again by primary id for snapshot users it no longer finds', () => {
    const s = settingsFrom({ matchBy: 'BARCODE' }).settings;
    const xml = '<users><user><primary_id>jdoe</primary_id><user_identifiers><user_identifier><id_type>BARCODE</id_type><value>B1001</value></user_identifier></user_identifiers></user><user><primary_id>none</primary_id></user></users>';
    const plan = planLookups(fileUsers(xml), exampleSnapshot(), s);
    expect(plan.lookups).toEqual([expect.objectContaining({ id: 'B1001', idType: 'BARCODE', entries: [0], fileUsers: [0] })]);
    expect(plan.withoutMatchId).toEqual([1]);
    // Alma has moved the barcode to another user: jdoe is asked for by primary id.
    const moved = almaNow.map((u) => (u.primary_id === 'jdoe' ? { ...u, user_identifier: [] } : u.primary_id === 'zold' ? { ...u, user_identifier: [{ id_type: { value: 'BARCODE' }, value: 'B1001' }] } : u));
    const first = answer(plan.lookups, moved);
    const again = followUpLookups(first, exampleSnapshot());
    expect(again).toEqual([expect.objectContaining({ id: 'jdoe', reason: 'snapshot-user', entries: [0] })]);
    expect(again[0].idType).toBeUndefined();
    // Found again: nothing is deleted; jdoe lost its barcode, zold gained it.
    const out = mergeRefresh(exampleSnapshot(), [...first, ...answer(again, moved)], s);
    expect(out.counts.deleted).toBe(0);
    expect(out.drift.map((d) => `${d.kind} ${d.primaryId}`)).toEqual(['changed zold', 'changed jdoe']);
  });
});

describe('merging the answers into the snapshot', () => {
  const run = () => {
    const snapshot = exampleSnapshot();
    const plan = planLookups(exampleUsers(), snapshot, settings);
    return { snapshot, out: mergeRefresh(snapshot, answer(plan.lookups), settings, { withoutMatchId: plan.withoutMatchId.length }) };
  };

  it('says what changed in Alma: changed, deleted, added, and the values Alma does not know', () => {
    const { out } = run();
    expect(out.counts).toEqual({ read: 7, changed: 2, unchanged: 4, added: 1, deleted: 1, notInAlma: 2, withoutMatchId: 0 });
    expect(out.drift.map((d) => `${d.kind} ${d.primaryId}`)).toEqual(['changed asmith', 'changed cgarcia', 'added gnguyen', 'deleted dlee']);
    const asmith = out.drift[0];
    if (asmith.kind !== 'changed') throw new Error('asmith');
    expect(asmith.fields).toEqual([{ field: 'user_group', before: 'UNDERGRAD', after: 'GRAD', protected: false, protectedKind: true }]);
    expect(asmith.lists).toEqual([{ list: 'phones', removed: 0, added: 1 }]);
    const cgarcia = out.drift[1];
    if (cgarcia.kind !== 'changed') throw new Error('cgarcia');
    expect(cgarcia.fields.map((f) => [f.field, f.protected])).toEqual([['user_group', true], ['expiry_date', false]]);
    // dlee was deleted in Alma: the sync would create it again, as hpark.
    expect(out.notInAlma).toEqual([
      { id: 'dlee', fileUsers: [4], message: 'User with identifier dlee was not found.', code: '401861' },
      { id: 'hpark', fileUsers: [8], message: 'User with identifier hpark was not found.', code: '401861' },
    ]);
  });

  it('keeps sync.protected with its lastSisValue, the other keys of an entry, and users the file does not name', () => {
    const { snapshot, out } = run();
    const next = parseSnapshot(serializeSnapshot(out.snapshot)).snapshot!;
    const byId = new Map(next.users.map((e) => [e.user?.primary_id, e]));
    expect(byId.get('cgarcia')?.entry.sync).toEqual({ protected: { user_group: { lastSisValue: 'GRAD' } } });
    expect((byId.get('cgarcia')?.user?.user_group as { value: string }).value).toBe('STAFF');
    expect(byId.get('bwong')?.entry.sync).toEqual(snapshot.users[2].entry.sync);
    expect(byId.has('dlee')).toBe(false);
    expect(byId.has('gnguyen')).toBe(true);
    expect(byId.get('gnguyen')?.entry.sync).toBeUndefined();
    // zold is not in the file: kept byte for byte.
    const zoldBefore = snapshot.text!.slice(snapshot.users[7].span!.start, snapshot.users[7].span!.end);
    expect(serializeSnapshot(out.snapshot)).toContain(zoldBefore);
    expect(next.root.profile).toEqual(snapshot.root.profile);
  });

  it('an answer equal to the entry keeps the entry as it was read; one that differs only in what Alma maintains is stored but is no drift', () => {
    const snapshot = exampleSnapshot();
    const plan = planLookups(exampleUsers(), snapshot, settings);
    const same = mergeRefresh(snapshot, answer(plan.lookups, snapshot.users.map((e) => e.user as Record<string, unknown>)), settings);
    expect(same.drift.filter((d) => d.kind === 'changed')).toEqual([]);
    expect(same.snapshot.users.slice(0, 7).every((e, k) => e === snapshot.users[k])).toBe(true);
    const stamped = snapshot.users.map((e) => ({ ...(e.user as Record<string, unknown>), status_date: '2030-01-01Z', link: 'https://x/y' }));
    const out = mergeRefresh(snapshot, answer(plan.lookups, stamped), settings);
    expect(out.drift.filter((d) => d.kind === 'changed')).toEqual([]);
    expect(out.snapshot.users[0].user?.status_date).toBe('2030-01-01Z');
  });

  it('keeps the values of fields the Users API never returns (pin_number)', () => {
    const snapshot = exampleSnapshot();
    const withPin = parseSnapshot(serializeSnapshot({ ...snapshot, text: undefined, users: snapshot.users.map((e, k) => (k === 0 ? { ...e, span: undefined, entry: { ...e.entry, user: { ...e.user, pin_number: '1234' } }, user: { ...e.user, pin_number: '1234' } } : { ...e, span: undefined })) })).snapshot!;
    const plan = planLookups(exampleUsers(), withPin, settings);
    const out = mergeRefresh(withPin, answer(plan.lookups), settings);
    expect(out.snapshot.users[0].user?.pin_number).toBe('1234');
    expect(out.drift.find((d) => d.primaryId === 'jdoe')).toBeUndefined();
  });

  it('a primary id that Alma finds only as another user\'s identifier is not in Alma; that user joins the snapshot', () => {
    const xml = '<users><user><primary_id>B9000</primary_id></user></users>';
    const plan = planLookups(fileUsers(xml), exampleSnapshot(), settings);
    const out = mergeRefresh(exampleSnapshot(), answer(plan.lookups), settings);
    expect(out.notInAlma).toEqual([expect.objectContaining({ id: 'B9000', message: 'No user has primary id "B9000"; user "zold" holds it as another identifier' })]);
    expect(out.counts.read).toBe(1);
  });

  it('builds a new snapshot with the given profile when there was none', () => {
    const plan = planLookups(exampleUsers(), undefined, settings);
    const out = mergeRefresh(undefined, answer(plan.lookups), settings, { profile: { matchBy: 'primary_id' } });
    expect(out.snapshot.root).toMatchObject({ format: 'alma-sis-snapshot', version: 1, profile: { matchBy: 'primary_id' } });
    expect(out.counts.added).toBe(7);
    expect(out.counts.deleted).toBe(0);
  });
});

describe('the drift summary', () => {
  it('reads like Terraform\'s report of changes made outside of it', () => {
    const snapshot = exampleSnapshot();
    const plan = planLookups(exampleUsers(), snapshot, settings);
    const out = mergeRefresh(snapshot, answer(plan.lookups), settings);
    const text = driftText(out.drift, out.notInAlma, out.counts, 'users.alma-snapshot.json');
    expect(text).toMatch(/^Note: Objects have changed in Alma since the snapshot was taken\n/);
    expect(text).toContain('  # user "asmith" has changed\n  ~ user "asmith" {\n      ~ user_group = "UNDERGRAD" -> "GRAD"  # if staff changed it by hand, Alma now protects it from the sync\n      ~ phones     = 1 added\n');
    expect(text).toContain('      ~ user_group  = "FACULTY" -> "STAFF"  # protected: the sync keeps the value staff set by hand\n');
    expect(text).toMatch(/# \(\d+ unchanged attributes hidden\)/);
    expect(text).toContain('  # user "dlee" has been deleted\n  - user "dlee"\n');
    expect(text).toContain('  # user "gnguyen" has been added to the snapshot (it is in Alma)\n');
    expect(text).toContain('  "hpark": User with identifier hpark was not found. (401861)\n');
    expect(text).toContain('Refreshed users.alma-snapshot.json: 7 users read from Alma, 2 changed, 1 deleted, 1 added, 4 unchanged; 2 Match ID values of the file not in Alma (the sync would create those users).\n');
  });

  it('says "No changes." when Alma matches the snapshot', () => {
    const text = driftText([], [], { read: 3, changed: 0, unchanged: 3, added: 0, deleted: 0, notInAlma: 0, withoutMatchId: 0 }, 's.json');
    expect(text).toBe('No changes. Your snapshot matches Alma.\n\nRefreshed s.json: 3 users read from Alma, 0 changed, 0 deleted, 0 added, 3 unchanged.\n');
  });
});
