/**
 * The snapshot after the job ran (docs/plan.md, "Apply, and the next run"): fields and segments as
 * planned, protection ended where an override was reverted (or a clear ended it), new users
 * added the way the profile creates them, values stored as the file spells them. Rejected and
 * unchanged users, and users absent from the file, keep their entry untouched (written back
 * byte for byte).
 */
import type { Settings } from '../settings';
import { coreField, coreFields, jsonListLocation, recordFromApi, type SegmentListName } from '../sis/record';
import { makeEntry, type ProtectedState, type Snapshot, type SnapshotEntry } from '../snapshot/snapshot';
import { FIELD_DEFAULTS } from './rules';
import { WRITING_ACTIONS, type IncomingUser, type Plan, type UserPlan } from './types';

type Json = Record<string, unknown>;

function asObject(raw: unknown): Json | undefined {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Json) : undefined;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The API JSON keys a core field may live under (the first one is what we write). */
function keysOf(field: string): string[] {
  const kind = coreField(field)?.kind;
  if (kind === 'codes') return ['rs_library', 'rs_libraries'];
  if (kind === 'notices') return ['library_notice', 'library_notices'];
  return [field];
}

function writeField(user: Json, field: string, json: unknown) {
  const [key, ...others] = keysOf(field);
  for (const k of others) delete user[k];
  user[key] = json;
}

function clearField(user: Json, field: string) {
  for (const k of keysOf(field)) delete user[k];
}

function defaultJson(field: string, value: string): unknown {
  return coreField(field)?.kind === 'code' ? { value } : value;
}

function writeList(user: Json, list: SegmentListName, items: unknown[]) {
  const { contact, name } = jsonListLocation(list);
  let holder = user;
  if (contact) {
    const ci = asObject(user.contact_info) ?? {};
    user.contact_info = ci;
    holder = ci;
  }
  if (asObject(holder[`${name}s`])) delete holder[`${name}s`]; // an XML-like wrapper, replaced by the API's list
  holder[name] = items;
}

function applyUpdate(old: SnapshotEntry, plan: UserPlan, incoming: IncomingUser): SnapshotEntry {
  const user = clone(old.user ?? {}) as Json;
  const rec = incoming.record;
  const prot = new Map<string, ProtectedState>(old.protected);
  for (const f of plan.fields) {
    if (!WRITING_ACTIONS.has(f.action)) continue;
    if (f.action === 'set' || f.action === 'revert-override') writeField(user, f.field, clone(rec.fields[f.field]?.json ?? null));
    else if (f.action === 'clear') clearField(user, f.field);
    else if (f.action === 'default') writeField(user, f.field, defaultJson(f.field, FIELD_DEFAULTS[f.field]));
    if (f.endsProtection) prot.delete(f.field);
  }
  // What the Users API cannot show (pin_number): store the file's value for later plans.
  for (const field of plan.unknownInAlma ?? []) writeField(user, field, clone(rec.fields[field]?.json ?? null));
  if (plan.segments.length > 0) {
    const current = recordFromApi(user);
    for (const s of plan.segments) {
      const list = s.list;
      const internal = current.segments[list].filter((it) => it.segmentType === 'Internal').map((it) => it.json);
      writeList(user, list, [...internal, ...rec.segments[list].map((it) => clone(it.json))]);
    }
  }
  return makeEntry(user, prot, old.entry);
}

/**
 * The user a profile creates from the file's record (Alma Online Help, "Student Information
 * Systems"): EXTERNAL, the profile's record type and code, the primary id the plan generated
 * when the file has none.
 */
export function createdUserJson(incoming: IncomingUser, settings: Settings, plan?: UserPlan): Json {
  const rec = incoming.record;
  const user: Json = { record_type: { value: settings.recordType } };
  const generated = plan?.fields.find((f) => f.field === 'primary_id' && f.rule === 'generate-primary-id')?.after;
  for (const fact of coreFields()) {
    if (fact.onlyWithSyncRecordType) continue;
    if (fact.name === 'status') {
      user.account_type = { value: 'EXTERNAL' };
      user.external_id = settings.profileCode;
    }
    const entry = rec.fields[fact.name];
    if (fact.name === 'primary_id' && typeof generated === 'string') {
      user.primary_id = generated;
    } else if (entry && entry.value !== null && !(Array.isArray(entry.value) && entry.value.length === 0)) {
      writeField(user, fact.name, clone(entry.json));
    } else if (FIELD_DEFAULTS[fact.name] !== undefined) {
      writeField(user, fact.name, defaultJson(fact.name, FIELD_DEFAULTS[fact.name]));
    }
  }
  if (!('account_type' in user)) {
    user.account_type = { value: 'EXTERNAL' };
    user.external_id = settings.profileCode;
  }
  for (const list of Object.keys(rec.segments) as SegmentListName[]) {
    const items = rec.segments[list];
    if (items.length > 0) writeList(user, list, items.map((it) => ({ ...clone(it.json), segment_type: 'External' })));
  }
  return user;
}

/**
 * Apply a plan to the snapshot it was made against. `incoming` are the users the plan was
 * made from (matched by `index`). Returns a new snapshot; the input is not changed.
 */
export function applyPlan(snapshot: Snapshot, plan: Plan, incoming: readonly IncomingUser[], settings: Settings): Snapshot {
  const byIndex = new Map(incoming.map((u) => [u.index, u]));
  const users: SnapshotEntry[] = [...snapshot.users];
  const created: SnapshotEntry[] = [];
  for (const p of plan.users) {
    const inc = byIndex.get(p.index);
    if (!inc) continue;
    const change = appliedUser(p, inc, settings, (k) => users[k]);
    if (change?.replaces !== undefined) users[change.replaces] = change.entry;
    else if (change) created.push(change.entry);
  }
  return { root: snapshot.root, users: [...users, ...created], text: snapshot.text };
}

/**
 * What one planned user changes in the snapshot: the entry that replaces entry `replaces`, or
 * (without `replaces`) a new entry to add at the end; undefined when nothing changes. `entryAt`
 * gives the snapshot's entry k (a stream reads it from the file).
 */
export function appliedUser(p: UserPlan, inc: IncomingUser, settings: Settings, entryAt: (k: number) => SnapshotEntry): { readonly entry: SnapshotEntry; readonly replaces?: number } | undefined {
  if (p.outcome === 'updated' && p.match) {
    const k = p.match.snapshotIndex;
    return { entry: applyUpdate(entryAt(k), p, inc), replaces: k };
  }
  if (p.outcome === 'created') return { entry: makeEntry(createdUserJson(inc, settings, p)) };
  if (p.match && p.unknownInAlma && p.unknownInAlma.length > 0) {
    // Unchanged, but the file told what the Users API could not: keep it for later plans.
    const k = p.match.snapshotIndex;
    return { entry: applyUpdate(entryAt(k), p, inc), replaces: k };
  }
  return undefined;
}
