/**
 * The merge engine: what Alma's Users Synchronize (or Import) job would do to each user of an
 * SIS file, given the snapshot of what Alma holds (domain §4, checklist M1–M9; contract §3).
 *
 * Built for two callers: the command line plans a whole file (`planFile`); the language server
 * prepares the snapshot index and the file-wide feed context once, then plans one user at a
 * time (`planUser`) and caches the result per user element.
 */
import { matchesOnPrimaryId, type Settings } from '../settings';
import {
  apiUserKeys,
  coreField,
  coreFields,
  fieldValue,
  isEmptyValue,
  matchValueOf,
  recordFromApi,
  SEGMENT_LISTS,
  valuesEqual,
  valueToJson,
  type FieldValue,
  type SegmentItem,
  type UserRecord,
} from '../sis/record';
import type { Snapshot } from '../snapshot/snapshot';
import { FIELD_DEFAULTS, MESSAGES, type RuleId } from './rules';
import {
  WRITING_ACTIONS,
  type FeedContext,
  type FeedEntry,
  type FieldAction,
  type FieldDecision,
  type IncomingUser,
  type Outcome,
  type Plan,
  type PlanSummary,
  type Rejection,
  type SegmentDecision,
  type SnapshotIndex,
  type UserPlan,
} from './types';

const lower = (s: string) => s.toLowerCase();

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * The normalised records of the snapshot entries, built on first access and kept: a large
 * snapshot is indexed by its keys alone, and only the users a file matches are read whole.
 * Reads like an array (`records[k]`, `length`).
 */
function lazyRecords(snapshot: Snapshot, keep: boolean): readonly (UserRecord | undefined)[] {
  const cache: (UserRecord | undefined | null)[] = new Array(snapshot.users.length).fill(null);
  const at = (k: number): UserRecord | undefined => {
    let r = cache[k];
    if (r === null) {
      const u = snapshot.users[k].user;
      r = u ? recordFromApi(u) : undefined;
      if (keep) cache[k] = r;
    }
    return r;
  };
  return new Proxy(cache as (UserRecord | undefined)[], {
    get(target, prop, receiver) {
      if (typeof prop === 'string') {
        const k = Number(prop);
        if (Number.isInteger(k) && k >= 0 && String(k) === prop) return k < target.length ? at(k) : undefined;
      }
      if (prop === Symbol.iterator) return function* () {
        for (let k = 0; k < target.length; k++) yield at(k);
      };
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * Index a snapshot for matching and uniqueness checks. Build once per snapshot and settings.
 * `keepRecords: false` (one pass over a whole file, each Alma user matched at most once) builds
 * a record each time it is asked for instead of keeping them all in memory.
 */
export function indexSnapshot(snapshot: Snapshot, settings: Settings, options: { keepRecords?: boolean } = {}): SnapshotIndex {
  const byMatch = new Map<string, number[]>();
  const byIdentifier = new Map<string, number[]>();
  const onPrimary = matchesOnPrimaryId(settings);
  const matchType = lower(settings.matchBy);
  snapshot.users.forEach((entry, k) => {
    if (!entry.user) return;
    const { identifiers } = apiUserKeys(entry.user);
    // Same rule as matchValueOf: the primary id, or the first identifier of the Match ID type.
    const m = onPrimary ? identifiers.find((i) => i.type === 'primary_id') : identifiers.find((i) => i.type !== 'primary_id' && lower(i.type) === matchType);
    if (m) push(byMatch, lower(m.value), k);
    const seen = new Set<string>();
    for (const id of identifiers) {
      const v = lower(id.value);
      if (seen.has(v)) continue;
      seen.add(v);
      push(byIdentifier, v, k);
    }
  });
  return { snapshot, settings, records: lazyRecords(snapshot, options.keepRecords !== false), byMatch, byIdentifier };
}

/**
 * Who carries each identifier value first in the file (for "… in this feed", M8). Reads only
 * the users' identifier values, so it can be made from records or, without building records,
 * from the users' keys (`UserKeys.identifiers`; empty values are skipped).
 */
export function prepareFeed(users: readonly FeedEntry[]): FeedContext {
  const firstHolder = new Map<string, number>();
  for (const u of users) {
    for (const id of u.identifiers) {
      if (id.value === '') continue;
      const v = lower(id.value);
      const prev = firstHolder.get(v);
      if (prev === undefined || u.index < prev) firstHolder.set(v, u.index);
    }
  }
  return { firstHolder };
}

const show = (v: FieldValue): string => {
  const j = valueToJson(v);
  if (j === null) return 'empty';
  if (typeof j === 'string') return `"${j}"`;
  if (j.length === 0) return 'an empty list';
  return JSON.stringify(j);
};

function decide(
  field: string,
  before: FieldValue,
  incoming: FieldValue,
  prot: { lastSisValue: FieldValue } | undefined,
  settings: Settings,
): FieldDecision | undefined {
  const make = (action: FieldAction, after: FieldValue, rule: RuleId, message: string, endsProtection = false): FieldDecision => ({
    field,
    before,
    incoming,
    after,
    action,
    wasProtected: prot !== undefined,
    endsProtection,
    rule,
    message,
  });
  const empty = isEmptyValue(incoming);
  const protectedKind = prot !== undefined || settings.protectedFields.includes(field);
  const fallback = FIELD_DEFAULTS[field];

  if (field === 'primary_id' && empty) {
    // A user always has a primary_id (reachable only when matching on another identifier).
    return undefined;
  }
  if (empty && protectedKind) {
    if (settings.emptyProtectedField === 'keep') {
      if (!prot) return undefined;
      return make('keep-protected', before, 'protected-empty-keep', `${field} is protected and the file sends it empty; with emptyProtectedField "keep" the value in Alma (${show(before)}) stays.`);
    }
    const after = fallback ?? null;
    if (!prot && valuesEqual(field, before, after)) return undefined;
    const action: FieldAction = fallback !== undefined ? 'default' : 'clear';
    const what = fallback !== undefined ? `Alma writes its default "${fallback}"` : 'the SIS job removes it';
    return make(action, after, 'protected-empty-clear', prot
      ? `${field} is protected, but the file sends it empty: ${what} and the protection ends (emptyProtectedField "clear").`
      : `The file sends ${field} empty: ${what} (emptyProtectedField "clear").`, prot !== undefined);
  }
  if (empty) {
    const after = fallback ?? null;
    if (valuesEqual(field, before, after)) return undefined;
    if (fallback !== undefined) return make('default', after, 'field-default', `The file has no ${field} and it cannot be empty: Alma writes its default "${fallback}".`);
    return make('clear', null, 'field-clear', `The file has no ${field}: swap all removes ${show(before)} from Alma.`);
  }
  if (prot) {
    if (valuesEqual(field, incoming, prot.lastSisValue)) {
      return make('revert-override', incoming, 'protected-revert', `${field} was changed by hand to ${show(before)}; the file sends ${show(incoming)}, the value the SIS sent before that change, so the manual value is replaced and ${field} follows the SIS again.`, true);
    }
    return make('keep-protected', before, 'protected-keep', `${field} was changed by hand in Alma; the file sends ${show(incoming)}, not the last SIS value ${show(prot.lastSisValue)}, so the manual value ${show(before)} stays.`);
  }
  if (valuesEqual(field, before, incoming)) return undefined;
  return make('set', incoming, 'field-set', `Swap all: ${field} ${show(before)} → ${show(incoming)}.`);
}

/** Multiset difference of segment items by content (ignoring `segment_type` and `desc`). */
function compareList(list: string, before: readonly SegmentItem[], incoming: readonly SegmentItem[]): SegmentDecision | undefined {
  const external = new Map<string, number>();
  let internal = 0;
  for (const it of before) {
    if (it.segmentType === 'Internal') internal++;
    else external.set(it.key, (external.get(it.key) ?? 0) + 1);
  }
  const externalCount = before.length - internal;
  let same = 0;
  for (const it of incoming) {
    const left = external.get(it.key) ?? 0;
    if (left > 0) {
      same++;
      external.set(it.key, left - 1);
    }
  }
  const removed = externalCount - same;
  const added = incoming.length - same;
  if (removed === 0 && added === 0) return undefined;
  const kept = internal + same;
  const parts = [`${removed} external removed`, `${added} added`, `${kept} kept`];
  const internalNote = internal > 0 ? ` (${internal} internal item${internal === 1 ? '' : 's'} added by staff stay${internal === 1 ? 's' : ''})` : '';
  return { list, removed, added, kept, rule: 'segments-replace', message: `${list}: the file's list replaces the external items: ${parts.join(', ')}${internalNote}.` };
}

function summaryOf(users: readonly UserPlan[]): PlanSummary {
  const c = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const u of users) c[u.outcome]++;
  return { processed: users.length, ...c };
}

function primaryIdOf(r: UserRecord): string | null {
  const v = fieldValue(r, 'primary_id');
  return typeof v === 'string' ? v : null;
}

/**
 * Plan one user of the file against the indexed snapshot. `feed` says which user of the file
 * first carries each identifier value; pass the context of the whole file.
 */
export function planUser(user: IncomingUser, index: SnapshotIndex, feed: FeedContext): UserPlan {
  const { settings } = index;
  const rec = user.record;
  const matchValue = matchValueOf(rec, settings.matchBy);
  const base = { index: user.index, start: user.start, matchValue, primaryId: primaryIdOf(rec) };
  const rejected = (rejections: Rejection[], match?: UserPlan['match']): UserPlan => ({
    ...base,
    outcome: 'rejected',
    reasons: [...new Set(rejections.map((r) => r.message))],
    fields: [],
    segments: [],
    rule: rejections[0].rule,
    message: `Rejected: ${rejections.map((r) => r.message).join('; ')}.`,
    match,
    rejections,
  });

  if (matchValue === null) {
    const what = matchesOnPrimaryId(settings) ? 'primary_id' : `identifier of type ${settings.matchBy}`;
    return rejected([{ rule: 'reject-missing-match-id', message: `The user has no ${what} (the profile's Match ID), so Alma cannot match it` }]);
  }

  // M1: match, ignoring case. Several candidates (a broken snapshot): the first one counts.
  const candidates = index.byMatch.get(lower(matchValue)) ?? [];
  const matchedAt = candidates.length > 0 ? candidates[0] : undefined;
  const matchRule: RuleId = matchesOnPrimaryId(settings) ? 'match-primary-id' : 'match-identifier';
  const match = matchedAt !== undefined ? { rule: matchRule, snapshotIndex: matchedAt } : undefined;
  const existing = matchedAt !== undefined ? index.records[matchedAt] : undefined;

  if (existing && settings.mode === 'import') {
    const reason = `Import mode: a user with ${settings.matchBy} "${matchValue}" already exists in Alma, so this record is not imported`;
    return { ...base, outcome: 'unchanged', reasons: [reason], fields: [], segments: [], rule: 'import-existing-user', message: `${reason}.`, match, rejections: [] };
  }

  // M3: the job never updates internal users.
  if (existing && existing.accountType === 'INTERNAL') {
    return rejected([{ rule: 'reject-not-external', message: MESSAGES.notExternal, otherUser: matchedAt }], match);
  }

  // Mandatory values of segments (domain §5.2): the user is rejected, the others go on.
  const rejections: Rejection[] = [];
  for (const it of rec.segments.identifiers) {
    if (typeof it.content.value !== 'string') rejections.push({ rule: 'reject-missing-identifier-value', message: MESSAGES.identifierValueMissing, span: it.span });
  }
  for (const it of rec.segments.statistics) {
    if (typeof it.content.statistic_category !== 'string') rejections.push({ rule: 'reject-missing-statistic-category', message: MESSAGES.statisticCategoryMissing, span: it.span });
  }
  // M8 and §4.8: identifier values unique in the feed (first wins) and across the institution.
  const seenHere = new Set<string>();
  for (const id of rec.identifiers) {
    const v = lower(id.value);
    const first = feed.firstHolder.get(v);
    const identifier = { type: id.type, value: id.value, span: id.span };
    if (seenHere.has(v) || (first !== undefined && first < user.index)) {
      rejections.push({ rule: 'reject-duplicate-in-feed', message: MESSAGES.takenInFeed(id.type, id.value), identifier, otherUser: seenHere.has(v) ? user.index : first });
    }
    seenHere.add(v);
  }
  for (const id of rec.identifiers) {
    const holders = (index.byIdentifier.get(lower(id.value)) ?? []).filter((k) => k !== matchedAt);
    if (holders.length > 0) {
      rejections.push({ rule: 'reject-identifier-taken', message: MESSAGES.taken(id.type, id.value), identifier: { type: id.type, value: id.value, span: id.span }, otherUser: holders[0] });
    }
  }
  if (rejections.length > 0) return rejected(rejections, match);

  if (!existing) return planCreate(user, base, settings);

  // M4/M5: core fields, swap all with the protected-field state machine.
  const entry = index.snapshot.users[matchedAt as number];
  const fields: FieldDecision[] = [];
  for (const fact of coreFields()) {
    const prot = entry.protected.get(fact.name);
    const d = decide(fact.name, fieldValue(existing, fact.name), fieldValue(rec, fact.name), prot, settings);
    if (d) fields.push(d);
  }
  // M6: each segment list on its own; internal items stay.
  const segments: SegmentDecision[] = [];
  for (const list of SEGMENT_LISTS) {
    const d = compareList(list, existing.segments[list], rec.segments[list]);
    if (d) segments.push(d);
  }
  const writes = fields.some((f) => WRITING_ACTIONS.has(f.action)) || segments.length > 0;
  const outcome: Outcome = writes ? 'updated' : 'unchanged';
  const kept = fields.filter((f) => f.action === 'keep-protected').length;
  let rule: RuleId;
  let message: string;
  if (writes) {
    const n = fields.filter((f) => WRITING_ACTIONS.has(f.action)).length;
    rule = 'outcome-updated';
    message = `Updated: ${n} field${n === 1 ? '' : 's'} and ${segments.length} list${segments.length === 1 ? '' : 's'} written${kept > 0 ? `, ${kept} protected field${kept === 1 ? '' : 's'} kept` : ''}.`;
  } else if (kept > 0) {
    rule = 'outcome-unchanged-protected';
    message = `Unchanged: the only differences are in ${kept} protected field${kept === 1 ? '' : 's'}, which the job leaves alone.`;
  } else {
    rule = 'outcome-unchanged';
    message = 'Unchanged: the file sends what Alma already holds.';
  }
  return { ...base, outcome, reasons: [], fields, segments, rule, message, match, rejections: [] };
}

function planCreate(user: IncomingUser, base: Pick<UserPlan, 'index' | 'start' | 'matchValue' | 'primaryId'>, settings: Settings): UserPlan {
  const rec = user.record;
  const fields: FieldDecision[] = [];
  for (const fact of coreFields()) {
    const incoming = fieldValue(rec, fact.name);
    const fallback = FIELD_DEFAULTS[fact.name];
    const common = { field: fact.name, before: null, incoming, wasProtected: false, endsProtection: false };
    if (!isEmptyValue(incoming)) {
      fields.push({ ...common, after: incoming, action: 'set', rule: 'field-set', message: `New user: ${fact.name} ${show(incoming)}.` });
    } else if (fallback !== undefined) {
      fields.push({ ...common, after: fallback, action: 'default', rule: 'field-default', message: `The file has no ${fact.name}: Alma writes its default "${fallback}".` });
    }
  }
  const segments: SegmentDecision[] = [];
  for (const list of SEGMENT_LISTS) {
    const d = compareList(list, [], rec.segments[list]);
    if (d) segments.push({ ...d, message: `${list}: ${d.added} added, as External.` });
  }
  void coreField;
  return {
    ...base,
    outcome: 'created',
    reasons: [],
    fields,
    segments,
    rule: 'create-new-user',
    message: `Created: no Alma user has ${settings.matchBy} "${base.matchValue}"; the job adds one as EXTERNAL, record type ${settings.recordType}, external_id ${settings.profileCode}.`,
    rejections: [],
  };
}

/** Plan a whole file (in file order). */
export function planFile(users: readonly IncomingUser[], snapshot: Snapshot | SnapshotIndex, settings: Settings): Plan {
  const index = 'byMatch' in snapshot ? snapshot : indexSnapshot(snapshot, settings, { keepRecords: false });
  const feed = prepareFeed(users.map((u) => ({ index: u.index, identifiers: u.record.identifiers })));
  const planned = users.map((u) => planUser(u, index, feed));
  return { summary: summaryOf(planned), users: planned };
}

/** Recount a plan's summary (e.g. after the language server replaced one user's plan). */
export function summarize(users: readonly UserPlan[]): PlanSummary {
  return summaryOf(users);
}
