/**
 * Refreshing a snapshot from the Users API, the pure part: which users to ask Alma for, how an
 * answer becomes a snapshot entry, and what changed in Alma since the snapshot was taken
 * (drift). The Node side makes the calls in between (`server/src/alma/`).
 *
 * Which users: those the SIS file names, by the profile's Match ID, because those are the users
 * the next sync touches, and the only ones the plan needs. Alma matches on the Match ID, so the
 * refresh asks for each value as Alma's job would match it; when matching on an identifier type,
 * a snapshot user that the value no longer finds is asked for again by its primary id, to tell
 * "its identifier changed" from "it was deleted".
 *
 * Merging keeps what the API does not tell: `sync.protected` with each `lastSisValue`, the
 * entry's other keys, and the values of fields the Users API never returns (rest_user.xsd tags
 * `pin_number`, `password` and `force_password_change` without `get`), since an answer without
 * them says nothing about Alma's value. An entry whose user did not change is kept as it was read.
 */
import { indexSnapshot } from '../engine/plan';
import { matchesOnPrimaryId, type Settings } from '../settings';
import { coreFields, fieldValue, isEmptyValue, matchValueOf, recordFromApi, SEGMENT_LISTS, valuesEqual, type FieldValue, type SegmentItem, type UserRecord } from '../sis/record';
import { WRITE_ONLY_FIELDS } from '../schema/user';
import { makeEntry, newSnapshot, type Snapshot, type SnapshotEntry } from '../snapshot/snapshot';
import type { AlmaError, UserLookup } from './api';


/** A user of the SIS file, as far as the refresh needs it. */
export interface FileUser {
  /** 0-based position in the file (or feed). */
  readonly index: number;
  readonly record: UserRecord;
}

export interface PlannedLookup extends UserLookup {
  /** Lower-cased `idType` and `id`: two lookups with the same key are one call. */
  readonly key: string;
  /** The users of the file that send this value (0-based indexes). */
  readonly fileUsers: readonly number[];
  /** Snapshot entries this lookup should find again (their indexes). */
  readonly entries: readonly number[];
  /** `match`: the file's Match ID value; `snapshot-user`: a snapshot user asked for by primary id. */
  readonly reason: 'match' | 'snapshot-user';
}

export interface LookupPlan {
  readonly lookups: readonly PlannedLookup[];
  /** Users of the file without a Match ID value: Alma cannot match them, nothing to ask for. */
  readonly withoutMatchId: readonly number[];
}

export type LookupResult =
  | { readonly lookup: PlannedLookup; readonly user: Readonly<Record<string, unknown>> }
  | { readonly lookup: PlannedLookup; readonly missing: AlmaError };

const lower = (s: string) => s.toLowerCase();

function primaryIdOfJson(user: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const v = user?.primary_id;
  const s = typeof v === 'string' ? v : v !== null && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : undefined;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

/** The calls to make for the users a file names: one per distinct Match ID value. */
export function planLookups(users: readonly FileUser[], snapshot: Snapshot | undefined, settings: Settings): LookupPlan {
  const idType = matchesOnPrimaryId(settings) ? undefined : settings.matchBy;
  // Snapshot entries by lower-cased Match ID value, as the engine matches them.
  const byMatch = snapshot ? indexSnapshot(snapshot, settings, { keepRecords: false }).byMatch : new Map<string, readonly number[]>();
  const lookups = new Map<string, { id: string; fileUsers: number[]; entries: number[] }>();
  const withoutMatchId: number[] = [];
  for (const u of users) {
    const v = matchValueOf(u.record, settings.matchBy);
    if (v === null) {
      withoutMatchId.push(u.index);
      continue;
    }
    const key = lower(v);
    const known = lookups.get(key);
    if (known) known.fileUsers.push(u.index);
    else lookups.set(key, { id: v, fileUsers: [u.index], entries: [...(byMatch.get(key) ?? [])] });
  }
  return {
    lookups: [...lookups.entries()].map(([key, l]) => ({
      id: l.id,
      ...(idType ? { idType } : {}),
      key: `${lower(idType ?? '')}:${key}`,
      fileUsers: l.fileUsers,
      entries: l.entries,
      reason: 'match' as const,
    })),
    withoutMatchId,
  };
}

/**
 * Second round: snapshot users that the first round expected but did not find, asked for by
 * their primary id (skipped when that is what was just asked).
 */
export function followUpLookups(results: readonly LookupResult[], snapshot: Snapshot | undefined): PlannedLookup[] {
  if (!snapshot) return [];
  const found = new Set<string>();
  const asked = new Set<string>();
  for (const r of results) {
    if ('user' in r) {
      const pid = primaryIdOfJson(r.user);
      if (pid) found.add(lower(pid));
    }
    if (!r.lookup.idType) asked.add(lower(r.lookup.id));
  }
  const out = new Map<string, PlannedLookup>();
  for (const r of results) {
    for (const k of r.lookup.entries) {
      const pid = primaryIdOfJson(snapshot.users[k]?.user);
      if (!pid || found.has(lower(pid)) || asked.has(lower(pid)) || out.has(lower(pid))) continue;
      out.set(lower(pid), { id: pid, key: `:${lower(pid)}`, fileUsers: r.lookup.fileUsers, entries: [k], reason: 'snapshot-user' });
    }
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Drift

export interface FieldDrift {
  readonly field: string;
  readonly before: FieldValue;
  readonly after: FieldValue;
  /** The snapshot records the field as changed by hand (the sync keeps Alma's value). */
  readonly protected: boolean;
  /** One of the profile's protected fields: a change made by hand in Alma protects it. */
  readonly protectedKind: boolean;
}

export interface ListDrift {
  /** The plan's name of the list (`emails`, `identifiers`, ...). */
  readonly list: string;
  readonly removed: number;
  readonly added: number;
}

export type UserDrift =
  | {
      readonly kind: 'changed';
      readonly primaryId: string;
      readonly fields: readonly FieldDrift[];
      readonly lists: readonly ListDrift[];
      /** `account_type` changed (INTERNAL users are rejected by the sync). */
      readonly accountType?: { readonly before: string | null; readonly after: string | null };
      /** Fields and lists compared that did not change. */
      readonly unchanged: number;
    }
  /** In the snapshot, and Alma no longer has it. */
  | { readonly kind: 'deleted'; readonly primaryId: string }
  /** In Alma, and the snapshot did not have it. */
  | { readonly kind: 'added'; readonly primaryId: string };

function listKey(it: SegmentItem): string {
  return `${it.segmentType}|${it.key}`;
}

/** Items of a list that left and arrived, compared by content and segment type. */
function listDrift(list: string, before: readonly SegmentItem[], after: readonly SegmentItem[]): ListDrift | undefined {
  const left = new Map<string, number>();
  for (const it of before) left.set(listKey(it), (left.get(listKey(it)) ?? 0) + 1);
  let same = 0;
  for (const it of after) {
    const n = left.get(listKey(it)) ?? 0;
    if (n > 0) {
      same++;
      left.set(listKey(it), n - 1);
    }
  }
  const removed = before.length - same;
  const added = after.length - same;
  return removed === 0 && added === 0 ? undefined : { list, removed, added };
}

/** What changed between a snapshot user and the same user as Alma returns it now. */
export function userDrift(before: UserRecord, after: UserRecord, protectedFields: ReadonlySet<string>, settings: Settings): Omit<Extract<UserDrift, { kind: 'changed' }>, 'primaryId'> | undefined {
  const fields: FieldDrift[] = [];
  let unchanged = 0;
  for (const fact of coreFields()) {
    if (WRITE_ONLY_FIELDS.includes(fact.name)) continue;
    const b = fieldValue(before, fact.name);
    const a = fieldValue(after, fact.name);
    // Absent, null, "" and [] are one value (the API writes empty lists as []).
    if (valuesEqual(fact.name, b, a) || (isEmptyValue(b) && isEmptyValue(a))) {
      unchanged++;
      continue;
    }
    fields.push({ field: fact.name, before: b, after: a, protected: protectedFields.has(fact.name), protectedKind: settings.protectedFields.includes(fact.name) });
  }
  const lists: ListDrift[] = [];
  for (const list of SEGMENT_LISTS) {
    const d = listDrift(list, before.segments[list], after.segments[list]);
    if (d) lists.push(d);
    else unchanged++;
  }
  const accountType = before.accountType !== after.accountType ? { before: before.accountType, after: after.accountType } : undefined;
  if (fields.length === 0 && lists.length === 0 && !accountType) return undefined;
  return { kind: 'changed', fields, lists, ...(accountType ? { accountType } : {}), unchanged };
}

// ---------------------------------------------------------------------------------------------
// Merging

export interface NotInAlma {
  readonly id: string;
  readonly idType?: string;
  readonly fileUsers: readonly number[];
  /** Why: Alma's answer in its words (with its error code), or what it found instead. */
  readonly message: string;
  readonly code?: string;
}

export interface RefreshCounts {
  /** Distinct Alma users read. */
  readonly read: number;
  readonly changed: number;
  readonly unchanged: number;
  /** Added to the snapshot (in Alma, not in the snapshot before). */
  readonly added: number;
  /** Removed from the snapshot (no longer in Alma). */
  readonly deleted: number;
  /** Match ID values of the file that no Alma user has: the sync would create these users. */
  readonly notInAlma: number;
  readonly withoutMatchId: number;
}

export interface RefreshOutcome {
  readonly snapshot: Snapshot;
  /** Changed, added and deleted users, in the order the file names them. */
  readonly drift: readonly UserDrift[];
  readonly notInAlma: readonly NotInAlma[];
  readonly counts: RefreshCounts;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The fetched user, with the values of fields the API never returns taken from the snapshot. */
function withUnreturnedFields(fetched: Readonly<Record<string, unknown>>, old: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fetched };
  for (const f of WRITE_ONLY_FIELDS) {
    if (old && old[f] !== undefined && old[f] !== null && old[f] !== '' && (out[f] === undefined || out[f] === null || out[f] === '')) out[f] = old[f];
  }
  return out;
}

/**
 * Merge the answers into the snapshot (or into a new one, with `profile` as its profile): a
 * fetched user replaces the entry with the same primary id (ignoring case) or is added; an
 * entry that the lookups were to find and that no answer holds any more is removed.
 */
export function mergeRefresh(
  snapshot: Snapshot | undefined,
  results: readonly LookupResult[],
  settings: Settings,
  options: { profile?: Readonly<Record<string, unknown>>; withoutMatchId?: number } = {},
): RefreshOutcome {
  const base = snapshot ?? newSnapshot([], options.profile);
  const entries: (SnapshotEntry | undefined)[] = [...base.users];
  const byPid = new Map<string, number>();
  entries.forEach((e, k) => {
    const pid = primaryIdOfJson(e?.user);
    if (pid && !byPid.has(lower(pid))) byPid.set(lower(pid), k);
  });

  // Results in the order of the file's first user that names them.
  const order = (r: LookupResult) => (r.lookup.fileUsers.length > 0 ? Math.min(...r.lookup.fileUsers) : Infinity);
  const sorted = [...results].sort((a, b) => order(a) - order(b));

  const drift: UserDrift[] = [];
  const notInAlma: NotInAlma[] = [];
  const seen = new Set<string>();
  const expected = new Set<number>();
  let changed = 0;
  let unchangedCount = 0;
  let added = 0;
  for (const r of sorted) {
    for (const k of r.lookup.entries) expected.add(k);
    const missing = (message: string, code?: string) =>
      notInAlma.push({ id: r.lookup.id, ...(r.lookup.idType ? { idType: r.lookup.idType } : {}), fileUsers: r.lookup.fileUsers, message, ...(code ? { code } : {}) });
    if (!('user' in r)) {
      if (r.lookup.reason === 'match') missing(r.missing.message, r.missing.code);
      continue;
    }
    const pid = primaryIdOfJson(r.user);
    if (!pid) continue;
    // Asked for a primary id, Alma answered with the user who holds the value as another
    // identifier (all unique types are searched): no user has that primary id.
    if (r.lookup.reason === 'match' && !r.lookup.idType && lower(pid) !== lower(r.lookup.id)) {
      missing(`No user has primary id "${r.lookup.id}"; user "${pid}" holds it as another identifier`);
    }
    if (seen.has(lower(pid))) continue;
    seen.add(lower(pid));
    const k = byPid.get(lower(pid));
    const old = k === undefined ? undefined : entries[k];
    const user = withUnreturnedFields(r.user, old?.user);
    if (k === undefined || !old) {
      entries.push(makeEntry(user));
      byPid.set(lower(pid), entries.length - 1);
      drift.push({ kind: 'added', primaryId: pid });
      added++;
      continue;
    }
    if (old.user && sameJson(old.user, user)) {
      unchangedCount++;
      continue;
    }
    const d = old.user ? userDrift(recordFromApi(old.user), recordFromApi(user), new Set(old.protected.keys()), settings) : undefined;
    // Only fields Alma maintains itself differ (status_date, links): store them, report nothing.
    if (d) {
      drift.push({ ...d, primaryId: pid });
      changed++;
    } else unchangedCount++;
    entries[k] = makeEntry(user, old.protected, old.entry);
  }

  // Expected entries whose user no answer holds: deleted in Alma.
  const deletedAt = [...expected].filter((k) => {
    const pid = primaryIdOfJson(entries[k]?.user);
    return pid !== undefined && !seen.has(lower(pid));
  });
  for (const k of deletedAt.sort((a, b) => a - b)) {
    drift.push({ kind: 'deleted', primaryId: primaryIdOfJson(entries[k]?.user) as string });
    entries[k] = undefined;
  }

  const result: Snapshot = { root: base.root, users: entries.filter((e): e is SnapshotEntry => e !== undefined), text: base.text };
  return {
    snapshot: result,
    drift,
    notInAlma,
    counts: {
      read: seen.size,
      changed,
      unchanged: unchangedCount,
      added,
      deleted: deletedAt.length,
      notInAlma: notInAlma.length,
      withoutMatchId: options.withoutMatchId ?? 0,
    },
  };
}
