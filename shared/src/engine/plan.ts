/**
 * The merge engine: what Alma's Users Synchronize (or Import) job would do to each user of an
 * SIS file, given the snapshot of what Alma holds (docs/plan.md explains every rule and its source).
 *
 * Built for two callers: the command line plans a whole file (`planFile`); the language server
 * prepares the snapshot index and the file-wide feed context once, then plans one user at a
 * time (`planUser`) and caches the result per user element.
 */
import { matchesOnPrimaryId, type Settings } from '../settings';
import {
  apiUserKeys,
  coreFields,
  fieldValue,
  isEmptyValue,
  matchValueOf,
  recordFromApi,
  SEGMENT_LISTS,
  valuesEqual,
  valueToJson,
  type CoreFieldFact,
  type FieldValue,
  type SegmentItem,
  type SegmentListName,
  type UserRecord,
} from '../sis/record';
import type { Snapshot, SnapshotEntry } from '../snapshot/snapshot';
import { Int32List, StringNumberLists, StringNumberTable } from '../text/stringTable';
import { FIELD_DEFAULTS, MESSAGES, PREFERRED_NAME_FIELDS, type RuleId } from './rules';
import {
  WRITING_ACTIONS,
  type FeedContext,
  type FeedEntry,
  type FieldAction,
  type FieldDecision,
  type IncomingUser,
  type Outcome,
  type Plan,
  type PlanNote,
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
 * Builds the maps a `SnapshotIndex` matches with, one entry at a time (a snapshot read as a
 * stream gives its entries one by one and keeps none of them).
 */
export class SnapshotKeysIndex {
  // Typed tables rather than Maps of strings: a snapshot of 100,000 users has about 350,000 keys.
  readonly byMatch = new StringNumberLists();
  readonly byIdentifier = new StringNumberLists();
  private readonly onPrimary: boolean;
  private readonly matchType: string;

  constructor(settings: Settings) {
    this.onPrimary = matchesOnPrimaryId(settings);
    this.matchType = lower(settings.matchBy);
  }

  /** Entry k's Users API user (only its identifiers are read). */
  add(k: number, user: unknown): void {
    const { identifiers } = apiUserKeys(user);
    // Same rule as matchValueOf: the primary id, or the first identifier of the Match ID type.
    const m = this.onPrimary ? identifiers.find((i) => i.type === 'primary_id') : identifiers.find((i) => i.type !== 'primary_id' && lower(i.type) === this.matchType);
    if (m) this.byMatch.push(lower(m.value), k);
    // A value the user holds twice counts once (a user has a handful of identifiers).
    const seen: string[] = [];
    for (const id of identifiers) {
      const v = lower(id.value);
      if (seen.includes(v)) continue;
      seen.push(v);
      this.byIdentifier.push(v, k);
    }
  }
}

/** `EXTERNAL` as a code object or a bare string (the Users API writes `{value, desc}`); anything else may be internal. */
function clearlyExternal(raw: unknown): boolean {
  const v = raw !== null && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
  return typeof v === 'string' && v.trim().toUpperCase() === 'EXTERNAL';
}

/**
 * False when the entry's user is clearly EXTERNAL and none of its fields is protected: then a
 * user of the file matched to it cannot draw the snapshot's diagnostics about internal users
 * and protected fields (see `mayHaveSnapshotProblems`). True for a missing entry.
 */
export function internalOrProtected(entry: SnapshotEntry | undefined): boolean {
  return !clearlyExternal(entry?.user?.account_type) || (entry?.protected.size ?? 0) > 0;
}

/**
 * Index a snapshot held in memory for matching and uniqueness checks. Build once per snapshot
 * and settings. Records are built on first access; `keepRecords: false` (one pass over a whole
 * file, each Alma user matched at most once) builds one each time it is asked for instead of
 * keeping them all in memory.
 */
export function indexSnapshot(snapshot: Snapshot, settings: Settings, options: { keepRecords?: boolean } = {}): SnapshotIndex {
  const keys = new SnapshotKeysIndex(settings);
  snapshot.users.forEach((entry, k) => {
    if (entry.user) keys.add(k, entry.user);
  });
  const keep = options.keepRecords !== false;
  const records: (UserRecord | undefined | null)[] = new Array(snapshot.users.length).fill(null);
  return {
    settings,
    size: snapshot.users.length,
    byMatch: keys.byMatch,
    byIdentifier: keys.byIdentifier,
    entry: (k) => snapshot.users[k],
    internalOrProtected: (k) => internalOrProtected(snapshot.users[k]),
    protectedFields: (k) => [...(snapshot.users[k]?.protected.keys() ?? [])],
    record: (k) => {
      const kept = records[k];
      if (kept !== null) return kept;
      const u = snapshot.users[k]?.user;
      const r = u ? recordFromApi(u) : undefined;
      if (keep) records[k] = r;
      return r;
    },
  };
}

/** The lower-cased Match ID value of a user of the file, or null. */
function matchKeyOf(record: UserRecord, settings: Settings): string | null {
  const v = matchValueOf(record, settings.matchBy);
  return v === null ? null : lower(v);
}

/**
 * The id Alma builds for a new user without primary_id: the first and last name concatenated
 * (Ex Libris knowledge article "User ID Generation does not work for new users created via SIS",
 * quoting the developer documentation of the SIS load). How Alma treats spaces, case or accents
 * in the names is not documented: the names are used as the file spells them. Null when the
 * file gives neither name.
 */
export function generatedIdBase(record: UserRecord): string | null {
  const part = (f: string) => {
    const v = fieldValue(record, f);
    return typeof v === 'string' ? v : '';
  };
  const base = part('first_name') + part('last_name');
  return base === '' ? null : base;
}

/** A user of the file as the feed needs it, made from its record. */
export function feedEntryOf(index: number, record: UserRecord, settings: Settings): FeedEntry {
  const base = primaryIdOf(record) === null ? generatedIdBase(record) : null;
  return { index, identifiers: record.identifiers, matchKey: matchKeyOf(record, settings), nameBase: base === null ? null : lower(base) };
}

/**
 * File-wide facts: who carries each identifier value first (for "… in this feed"), which users
 * need a generated primary_id, and which identifiers each user sends under its Match ID. Reads
 * only what `FeedEntry` holds, so it can be made from records or, without building records,
 * from the users' keys (`UserKeys.identifiers`; empty values are skipped).
 */
export function prepareFeed(users: readonly FeedEntry[]): FeedContext {
  const feed = new FeedBuilder();
  for (const u of users) feed.add(u);
  return feed.context;
}

/**
 * The feed made one user at a time, for a file read as a stream: after the users up to i,
 * `context` holds what a plan of user i reads of the users before it (who carries a value first),
 * which is all most plans read; `dependsOnWholeFeed` says which plans to make again once every
 * user has been added.
 */
export class FeedBuilder {
  // Typed tables rather than Maps and Sets of strings: 100,000 users send about 350,000 values,
  // which as strings in maps were most of what a streamed plan kept alive.
  private readonly firstHolder = new StringNumberTable();
  private readonly nameless = new Map<string, number[]>();
  /** Match ID value → the first user sending it, whose values are `sent[sentStarts[s], sentStarts[s + 1])` (entries of `firstHolder`). */
  private readonly sentSlots = new StringNumberTable();
  private readonly sentStarts = new Int32List();
  private readonly sent = new Int32List();
  private readonly sentByMatch: FeedContext['sentByMatch'] = {
    get: (matchKey) => {
      const s = this.sentSlots.get(matchKey);
      if (s === undefined) return undefined;
      const from = this.sentStarts.at(s);
      const to = this.sentStarts.at(s + 1);
      return {
        has: (value) => {
          const e = this.firstHolder.entryOf(value);
          for (let i = from; i < to; i++) if (this.sent.at(i) === e) return true;
          return false;
        },
      };
    },
  };
  readonly context: FeedContext = { firstHolder: this.firstHolder, nameless: this.nameless, sentByMatch: this.sentByMatch };

  constructor() {
    this.sentStarts.push(0);
  }

  add(u: FeedEntry): void {
    const keep = !!u.matchKey && this.sentSlots.addIfAbsent(u.matchKey, this.sentSlots.size) < 0;
    for (const id of u.identifiers) {
      if (id.value === '') continue;
      const v = lower(id.value);
      let e = this.firstHolder.addIfAbsent(v, u.index);
      if (e < 0) e = this.firstHolder.size - 1;
      else if (u.index < this.firstHolder.valueAt(e)) this.firstHolder.set(v, u.index);
      if (keep) this.sent.push(e);
    }
    if (keep) this.sentStarts.push(this.sent.length);
    if (u.nameBase) push(this.nameless, u.nameBase, u.index);
  }
}

/**
 * Whether a plan may read users after this one (so a plan made from part of the feed may
 * change once the whole file is known): a primary id generated for a new user (a value any
 * user of the file holds is taken), or an identifier another Alma user holds (the note on it
 * looks at what that user's line in the file sends).
 */
export function dependsOnWholeFeed(plan: UserPlan): boolean {
  return plan.rejections.some((r) => r.rule === 'reject-identifier-taken') || plan.fields.some((f) => f.rule === 'generate-primary-id');
}

const show = (v: FieldValue): string => {
  const j = valueToJson(v);
  if (j === null) return 'empty';
  if (typeof j === 'string') return `"${j}"`;
  if (j.length === 0) return 'an empty list';
  return JSON.stringify(j);
};

function decide(
  fact: CoreFieldFact,
  before: FieldValue,
  incoming: FieldValue,
  prot: { lastSisValue: FieldValue } | undefined,
  settings: Settings,
): FieldDecision | undefined {
  const field = fact.name;
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
  // record_type takes part only when the profile synchronizes it, and only with a value to write.
  if (fact.onlyWithSyncRecordType && (!settings.syncRecordType || empty)) return undefined;
  // The Users API never returns it: the value in Alma is unknown, so nothing can be compared.
  if (fact.writeOnly && isEmptyValue(before)) return undefined;
  if (PREFERRED_NAME_FIELDS.has(field)) {
    // "even if the fields are blank in the processed XML file, the existing values will not be cleared"
    if (empty) return undefined;
    if (prot) {
      return make('keep-protected', before, 'protected-keep-restore-only', `${field} was changed by hand in Alma, so the manual value ${show(before)} stays whatever the file sends (here ${show(incoming)}); only the Restore button in Alma attaches it to the SIS again.`);
    }
  }
  // Absent against absent is no change, protected or not (a default to write is one, below).
  if (empty && isEmptyValue(before) && fallback === undefined) return undefined;
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
function compareList(list: SegmentListName, before: readonly SegmentItem[], incoming: readonly SegmentItem[]): SegmentDecision | undefined {
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

/** Codes of user errors the engine already decides in Alma's own words (no second reason). */
const DECIDED_ELSEWHERE = new Set(['missing-match-id', 'duplicate-identifier-in-user']);

/** The Match ID value (lower-cased) of a snapshot entry, as the index matches it. */
function snapshotMatchKey(index: SnapshotIndex, k: number): string | null {
  const r = index.record(k);
  return r ? matchKeyOf(r, index.settings) : null;
}

/**
 * The primary id Alma generates for a new user of the file: the base name, then the base with
 * 0, 1, 2, ... while the value is taken across the institution (identifiers of Alma users, of
 * users in the file) or generated for an earlier user of the file.
 */
function generatedPrimaryId(user: IncomingUser, base: string, index: SnapshotIndex, feed: FeedContext): string {
  const taken = (v: string) => index.byIdentifier.has(lower(v)) || feed.firstHolder.has(lower(v));
  const earlier = (feed.nameless.get(lower(base)) ?? []).filter((i) => i < user.index).length;
  let seq = -1;
  const next = () => {
    for (;;) {
      const candidate = seq < 0 ? base : `${base}${seq}`;
      seq++;
      if (!taken(candidate)) return candidate;
    }
  };
  for (let k = 0; k < earlier; k++) next();
  return next();
}

/** Notes on a matched user: what the plan should say although it changes no outcome. */
function matchedNotes(rec: UserRecord, existing: UserRecord, fields: readonly FieldDecision[], settings: Settings): PlanNote[] {
  const notes: PlanNote[] = [];
  const status = fields.find((f) => f.field === 'status' && f.action === 'default');
  if (status && typeof status.before === 'string' && status.before.toUpperCase() === 'INACTIVE') {
    notes.push({ rule: 'note-status-default', field: 'status', message: 'The file has no <status>: Alma\'s default ACTIVE would be written over INACTIVE, reactivating the user. The schema documents "Default is Active"; whether the job really reactivates an existing user this way is not documented, so check before relying on it.' });
  }
  const internalIds = new Map<string, string>();
  for (const it of existing.segments.identifiers) {
    if (it.segmentType === 'Internal' && typeof it.content.value === 'string') internalIds.set(lower(it.content.value), typeof it.content.id_type === 'string' ? it.content.id_type : '');
  }
  for (const it of rec.segments.identifiers) {
    const v = typeof it.content.value === 'string' ? lower(it.content.value) : undefined;
    if (v !== undefined && internalIds.has(v)) {
      notes.push({ rule: 'note-identifier-also-internal', field: 'identifiers', message: `The file sends identifier ${String(it.content.value)} as an External item, and Alma holds the same value on this user as an Internal ${internalIds.get(v) || 'identifier'}: internal items stay, so the user would carry it twice.` });
    }
  }
  for (const list of ['addresses', 'emails', 'phones'] as const satisfies readonly SegmentListName[]) {
    const internalPreferred = existing.segments[list].some((it) => it.segmentType === 'Internal' && it.content.preferred === true);
    const filePreferred = rec.segments[list].some((it) => it.content.preferred === true);
    if (internalPreferred && filePreferred) {
      notes.push({ rule: 'note-two-preferred', field: list, message: `An Internal item of ${list} added by staff is marked preferred and stays; the file's preferred item is added beside it, so after the sync two ${list} are preferred.` });
    }
  }
  if (existing.externalId !== null && lower(existing.externalId) !== lower(settings.profileCode)) {
    notes.push({ rule: 'note-other-profile', message: `The matched Alma user belongs to the SIS profile "${existing.externalId}" (its external_id), not to this profile "${settings.profileCode}": this file would take over a user another profile loads (institutions run separate student and staff profiles).` });
  }
  const recordType = fieldValue(existing, 'record_type');
  const incomingType = settings.syncRecordType ? fieldValue(rec, 'record_type') : null;
  const becomes = typeof incomingType === 'string' ? incomingType : recordType;
  if (typeof becomes === 'string' && becomes.toUpperCase() === 'CONTACT' && rec.segments.identifiers.length > 0) {
    notes.push({ rule: 'note-contact-identifiers', field: 'identifiers', message: 'This user is a CONTACT user in Alma, and contact users cannot have additional identifiers: Alma may refuse the file\'s identifiers.' });
  }
  return notes;
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
  const rejected = (rejections: Rejection[], match?: UserPlan['match'], notes: PlanNote[] = []): UserPlan => ({
    ...base,
    outcome: 'rejected',
    reasons: [...new Set(rejections.map((r) => r.message))],
    fields: [],
    segments: [],
    rule: rejections[0].rule,
    message: `Rejected: ${[...new Set(rejections.map((r) => r.message.replace(/\.$/, '')))].join('; ')}.`,
    match,
    rejections,
    notes,
  });
  const onPrimary = matchesOnPrimaryId(settings);

  // Without a primary_id a user of the file matches nobody and is created with a generated id
  // (rest_user.xsd, primary_id); without the identifier the profile matches on, it cannot be matched.
  if (matchValue === null && !onPrimary) {
    return rejected([{ rule: 'reject-missing-match-id', message: `The user has no identifier of type ${settings.matchBy} (the profile's Match ID), so Alma cannot match it` }]);
  }

  // Match, ignoring case. Several candidates (a broken snapshot): the first one counts.
  const candidates = matchValue === null ? [] : (index.byMatch.get(lower(matchValue)) ?? []);
  const matchedAt = candidates.length > 0 ? candidates[0] : undefined;
  const matchRule: RuleId = onPrimary ? 'match-primary-id' : 'match-identifier';
  const match = matchedAt !== undefined ? { rule: matchRule, snapshotIndex: matchedAt } : undefined;
  const existing = matchedAt !== undefined ? index.record(matchedAt) : undefined;

  if (existing && settings.mode === 'import') {
    const reason = `Import mode: a user with ${settings.matchBy} "${matchValue}" already exists in Alma, so this record is not imported`;
    return { ...base, outcome: 'unchanged', reasons: [reason], fields: [], segments: [], rule: 'import-existing-user', message: `${reason}.`, match, rejections: [], notes: [] };
  }

  // The job never updates internal users.
  if (existing && existing.accountType === 'INTERNAL') {
    return rejected([{ rule: 'reject-not-external', message: MESSAGES.notExternal, otherUser: matchedAt }], match);
  }

  // Mandatory values of segments, in Alma's words: the user is rejected, the others go on.
  const rejections: Rejection[] = [];
  for (const it of rec.segments.identifiers) {
    if (typeof it.content.value !== 'string') rejections.push({ rule: 'reject-missing-identifier-value', message: MESSAGES.identifierValueMissing, span: it.span });
  }
  for (const it of rec.segments.statistics) {
    if (typeof it.content.statistic_category !== 'string') rejections.push({ rule: 'reject-missing-statistic-category', message: MESSAGES.statisticCategoryMissing, span: it.span });
  }
  // Identifier values unique in the feed (first wins) and across the institution.
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
  const notes: PlanNote[] = [];
  for (const id of rec.identifiers) {
    const holder = index.byIdentifier.get(lower(id.value))?.find((k) => k !== matchedAt);
    if (holder !== undefined) {
      rejections.push({ rule: 'reject-identifier-taken', message: MESSAGES.taken(id.type, id.value), identifier: { type: id.type, value: id.value, span: id.span }, otherUser: holder });
      const holderKey = snapshotMatchKey(index, holder);
      const holderSends = holderKey === null ? undefined : feed.sentByMatch.get(holderKey);
      if (holderSends && !holderSends.has(lower(id.value))) {
        notes.push({ rule: 'note-identifier-moves', field: id.type === 'primary_id' ? 'primary_id' : 'identifiers', message: `${id.value} moves within this file: the Alma user holding it is also in the file, without it. Alma's documentation does not say whether the job frees the value before it reaches this user (it depends on the order users are processed), so this user may or may not be rejected.` });
      }
    }
  }
  // The user's own errors (an unknown code, an empty mandatory value, ...): Alma rejects the user.
  for (const e of user.errors ?? []) {
    if (DECIDED_ELSEWHERE.has(e.code)) continue;
    if (rejections.some((r) => e.message.includes(r.message))) continue; // already said in Alma's words
    rejections.push({ rule: 'reject-user-error', message: e.message, span: e.span });
  }
  if (rejections.length > 0) return rejected(rejections, match, notes);

  if (!existing) {
    if (settings.mode === 'synchronize' && settings.unmatchedRecord === 'skip') {
      const reason = `No Alma user matches and the profile's Unmatched Record is not "Add", so the user is not created`;
      return { ...base, outcome: 'unchanged', reasons: [reason], fields: [], segments: [], rule: 'unmatched-not-added', message: `${reason}.`, rejections: [], notes: [] };
    }
    let generated: string | undefined;
    if (base.primaryId === null) {
      const nameBase = generatedIdBase(rec);
      if (nameBase === null) {
        return rejected([{ rule: 'reject-missing-match-id', message: 'The user has no primary_id, and no first or last name for Alma to generate one from' }]);
      }
      generated = generatedPrimaryId(user, nameBase, index, feed);
    }
    return planCreate(user, base, settings, generated);
  }

  // Core fields: swap all with the protected-field state machine.
  const entry = index.entry(matchedAt as number)!;
  const fields: FieldDecision[] = [];
  const unknownInAlma: string[] = [];
  for (const fact of coreFields()) {
    const prot = entry.protected.get(fact.name);
    const before = fieldValue(existing, fact.name);
    const incoming = fieldValue(rec, fact.name);
    if (fact.writeOnly && isEmptyValue(before) && !isEmptyValue(incoming) && !prot) unknownInAlma.push(fact.name);
    const d = decide(fact, before, incoming, prot, settings);
    if (d) fields.push(d);
  }
  // Each segment list on its own; internal items stay.
  const segments: SegmentDecision[] = [];
  for (const list of SEGMENT_LISTS) {
    const d = compareList(list, existing.segments[list], rec.segments[list]);
    if (d) segments.push(d);
  }
  notes.push(...matchedNotes(rec, existing, fields, settings));
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
  // Written out rather than spread: spreading `base` and a conditional object cost more than the rest of the plan of an unchanged user.
  const plan: UserPlan = { index: base.index, start: base.start, matchValue: base.matchValue, primaryId: base.primaryId, outcome, reasons: [], fields, segments, rule, message, match, rejections: [], notes };
  if (unknownInAlma.length > 0) return { ...plan, unknownInAlma };
  return plan;
}

function planCreate(user: IncomingUser, base: Pick<UserPlan, 'index' | 'start' | 'matchValue' | 'primaryId'>, settings: Settings, generatedId: string | undefined): UserPlan {
  const rec = user.record;
  const fields: FieldDecision[] = [];
  for (const fact of coreFields()) {
    if (fact.onlyWithSyncRecordType) continue; // a new user gets the profile's record type
    const incoming = fieldValue(rec, fact.name);
    const fallback = FIELD_DEFAULTS[fact.name];
    const common = { field: fact.name, before: null, incoming, wasProtected: false, endsProtection: false };
    if (fact.name === 'primary_id' && generatedId !== undefined) {
      fields.push({ ...common, after: generatedId, action: 'default', rule: 'generate-primary-id', message: `The file has no primary_id: Alma generates "${generatedId}" from the first and last name (a sequence number from 0 is added while the value is taken).` });
    } else if (!isEmptyValue(incoming)) {
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
  const notes: PlanNote[] = [];
  if (settings.recordType === 'CONTACT' && rec.segments.identifiers.length > 0) {
    notes.push({ rule: 'note-contact-identifiers', field: 'identifiers', message: 'The profile creates CONTACT users, and contact users cannot have additional identifiers: Alma may refuse the file\'s identifiers.' });
  }
  const id = generatedId ?? base.matchValue;
  return {
    ...base,
    primaryId: generatedId ?? base.primaryId,
    outcome: 'created',
    reasons: [],
    fields,
    segments,
    rule: 'create-new-user',
    message: generatedId !== undefined
      ? `Created: the user has no primary_id, so it matches nobody; the job adds it as EXTERNAL with the generated id "${generatedId}", record type ${settings.recordType}, external_id ${settings.profileCode}.`
      : `Created: no Alma user has ${settings.matchBy} "${id}"; the job adds one as EXTERNAL, record type ${settings.recordType}, external_id ${settings.profileCode}.`,
    rejections: [],
    notes,
  };
}

/** Plan a whole file (in file order). */
export function planFile(users: readonly IncomingUser[], snapshot: Snapshot | SnapshotIndex, settings: Settings): Plan {
  const index = 'byMatch' in snapshot ? snapshot : indexSnapshot(snapshot, settings, { keepRecords: false });
  const feed = prepareFeed(users.map((u) => feedEntryOf(u.index, u.record, index.settings)));
  const planned = users.map((u) => planUser(u, index, feed));
  return { summary: summaryOf(planned), users: planned };
}

/** Recount a plan's summary (e.g. after the language server replaced one user's plan). */
export function summarize(users: readonly UserPlan[]): PlanSummary {
  return summaryOf(users);
}
