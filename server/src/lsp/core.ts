/**
 * The one place where the language server calls into the pure core (`shared/`): the reader,
 * the validator, the snapshot and the merge engine. Everything here is plain data in, plain
 * data out; the LSP layer only presents it.
 */
import type { Problem, Severity } from '../../../shared/src/diagnostics';
import type { Settings } from '../../../shared/src/settings';
import type { SisDocument, SisUserChunk } from '../../../shared/src/sis/types';
import type { XmlElement } from '../../../shared/src/xml/types';
import { readSisDocument, updateSisDocument } from '../../../shared/src/sis/read';
export { firstUserEndingAtOrAfter } from '../../../shared/src/sis/read';
import type { UserKeys as CoreUserKeys } from '../../../shared/src/sis/keys';
import { parseSnapshot as parseSnapshotText, snapshotProfile as profileOf, type Snapshot } from '../../../shared/src/snapshot/snapshot';
import { SEGMENT_LISTS, elementDefAt } from '../../../shared/src/schema/user';
import { coreField, recordFromXml, valueToJson, type UserRecord } from '../../../shared/src/sis/record';
import { indexSnapshot, planUser as enginePlanUser } from '../../../shared/src/engine/plan';
import type { FeedContext, SnapshotIndex, UserPlan } from '../../../shared/src/engine/types';
import { parseCodeTables as parseCodeTablesJson, type CodeTables } from '../../../shared/src/validate/codeTables';
import type { ValidationContext } from '../../../shared/src/validate/context';
import { analyzeUser } from '../../../shared/src/validate/user';
import { fileWideProblems, frameProblems } from '../../../shared/src/validate/file';
import type { EditSpan } from './documents';

// ---- reader ----

export function read(text: string): SisDocument {
  return readSisDocument(text);
}

export function update(prev: SisDocument, text: string, edit: EditSpan): SisDocument {
  return updateSisDocument(prev, text, edit);
}

// ---- snapshot and code tables ----

export type SnapshotHandle = Snapshot;

export function parseSnapshot(text: string): { value?: SnapshotHandle; error?: string } {
  const { snapshot, problems } = parseSnapshotText(text);
  if (!snapshot) {
    const first = problems.find((p) => p.severity === 'error');
    // The path and line say where; the message is the parser's own (it quotes no values).
    return { error: first ? `${first.message}${first.line ? ` (line ${first.line})` : ''}` : 'not a snapshot' };
  }
  return { value: snapshot };
}

export type CodeTablesHandle = CodeTables;

export function parseCodeTables(text: string): { value?: CodeTablesHandle; error?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  const { tables, problems } = parseCodeTablesJson(json);
  if (tables.tables.size === 0) return { error: problems[0] ? `${problems[0].path}: ${problems[0].message}` : 'no code tables in the file' };
  return { value: tables };
}

export function snapshotProfile(s: SnapshotHandle): unknown {
  return profileOf(s);
}

export function snapshotUserCount(s: SnapshotHandle): number {
  return s.users.length;
}

// ---- per-user analysis ----

export type UserKeys = CoreUserKeys;
export type { FeedContext };

export interface FieldPlanView {
  readonly field: string;
  readonly before: unknown;
  readonly incoming: unknown;
  readonly after: unknown;
  readonly action: string;
  /** One plain sentence about this decision for this user. */
  readonly rule?: string;
  /** The value the SIS last sent, for a field the snapshot marks protected. */
  readonly lastSisValue?: unknown;
}

export interface SegmentPlanView {
  readonly list: string;
  readonly removed: number;
  readonly added: number;
  readonly kept: number;
  readonly internalKept?: number;
  readonly rule?: string;
}

export interface UserPlanView {
  readonly outcome: 'created' | 'updated' | 'unchanged' | 'rejected';
  readonly reasons: readonly string[];
  readonly fields: readonly FieldPlanView[];
  readonly segments: readonly SegmentPlanView[];
  readonly rule?: string;
  readonly snapshotIndex?: number;
  /** Rejections with the identifier that caused them (relative offsets), for diagnostics. */
  readonly rejections: readonly { readonly rule: string; readonly message: string; readonly start?: number; readonly end?: number }[];
}

/** The list name of the plan (`emails`, …) for an element path under `user`, when it is a segment list. */
export function listOf(names: readonly string[]): string | undefined {
  for (const l of SEGMENT_LISTS) {
    if (l.path.every((p, i) => names[i + 1] === p)) return l.list;
  }
  return undefined;
}

/** True when the merge engine compares this child of `<user>` (a core field it reads, or a segment list). */
export function isCompared(field: string): boolean {
  return coreField(field) !== undefined || SEGMENT_LISTS.some((l) => l.path[0] === field);
}

/** The wrapper element of a plan list (`emails` → `contact_info/emails`) inside a user. */
export function listElement(user: XmlElement, list: string): XmlElement | undefined {
  const l = SEGMENT_LISTS.find((x) => x.list === list);
  if (!l) return undefined;
  let el: XmlElement | undefined = user;
  for (const name of l.path) el = el?.children.find((c) => c.name === name);
  return el;
}

/** The snapshot user's JSON key for a field of the SIS file (same names in both, domain §8.3). */
export function apiKeyOf(field: string): string {
  return field;
}

export type { Severity, Problem, Settings, SisUserChunk };

// ---- the prepared context of one Env ----

export interface Prepared {
  readonly settings: Settings;
  /** One object per Env: the validator prepares (and caches) its context per object. */
  readonly validation: ValidationContext;
  readonly snapshot?: Snapshot;
  readonly index?: SnapshotIndex;
  readonly codeTables?: CodeTables;
  /** Normalised records of the file's users, per element (the engine's input). */
  readonly records: WeakMap<XmlElement, UserRecord>;
  /** Codes (and labels) the snapshot uses, by element name; built on first use. */
  snapshotCodes?: Map<string, Map<string, string | undefined>>;
}

export function prepare(settings: Settings, snapshot: Snapshot | undefined, codeTables: CodeTables | undefined): Prepared {
  return {
    settings,
    validation: { settings, codeTables, today: new Date().toISOString().slice(0, 10) },
    snapshot,
    index: snapshot ? indexSnapshot(snapshot, settings) : undefined,
    codeTables,
    records: new WeakMap(),
  };
}

export function hasSnapshot(p: Prepared): boolean {
  return p.index !== undefined;
}

function recordOf(p: Prepared, chunk: SisUserChunk): UserRecord {
  let r = p.records.get(chunk.element);
  if (!r) {
    r = recordFromXml(chunk.element);
    p.records.set(chunk.element, r);
  }
  return r;
}

// ---- validation ----

export function validateUser(p: Prepared, chunk: SisUserChunk): { problems: Problem[]; keys: UserKeys } {
  return analyzeUser(chunk.element, p.validation);
}

/** File-wide facts of one document version, built from per-user results in O(users). */
export interface FileFacts {
  /** Problems across users (duplicates), absolute offsets. */
  readonly problems: readonly Problem[];
  /** Who carries each identifier first (the engine's "in this feed"), when a snapshot is used. */
  readonly feed?: FeedContext;
}

export function fileFacts(p: Prepared, sis: SisDocument, keysOf: (u: SisUserChunk) => UserKeys): FileFacts {
  const keyed = sis.users.map((u) => ({ start: u.start, index: u.index, keys: keysOf(u) }));
  const problems = [...frameProblems(sis, sis.users.length, p.settings), ...fileWideProblems(keyed, p.settings)];
  return { problems, feed: p.index ? feedFromKeys(keyed) : undefined };
}

/**
 * Who carries each identifier value first in the file: the engine's `prepareFeed`, computed
 * from the users' keys (a record's identifiers are exactly its keys' non-empty identifier
 * slots, see `recordFromXml`), so no user has to be turned into a record for it.
 */
export function feedFromKeys(users: readonly { index: number; keys: UserKeys }[]): FeedContext {
  const firstHolder = new Map<string, number>();
  for (const u of users) {
    for (const id of u.keys.identifiers) {
      if (id.value === '') continue;
      const v = id.value.toLowerCase();
      const prev = firstHolder.get(v);
      if (prev === undefined || u.index < prev) firstHolder.set(v, u.index);
    }
  }
  return { firstHolder };
}

/** The part of the file-wide facts one user's plan depends on, as a cache key. */
export function planContext(facts: FileFacts, chunk: SisUserChunk, keys: UserKeys): { key: string; feed: FeedContext } {
  // `facts.feed` is undefined only without a snapshot, when nothing is planned.
  const feed = facts.feed ?? { firstHolder: new Map() };
  let key = '';
  for (const id of keys.identifiers) {
    if (id.value === '') continue;
    const first = feed.firstHolder.get(id.value.toLowerCase());
    key += first !== undefined && first < chunk.index ? 'd' : '-';
  }
  return { key, feed };
}

/** `EXTERNAL` as a code object or a bare string (domain §8.3); anything else may be internal. */
function clearlyExternal(raw: unknown): boolean {
  const v = raw !== null && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
  return typeof v === 'string' && v.trim().toUpperCase() === 'EXTERNAL';
}

/**
 * False when the plan of this user cannot hold anything `snapshotProblems` reports (no match
 * with an internal or protected Alma user, no identifier that another Alma user holds): then
 * diagnostics need no plan, and the user is planned only when a hover or lens asks. A cheap
 * filter over the engine's index, never a decision: every user it lets through is planned by
 * the engine.
 */
export function mayHaveSnapshotProblems(p: Prepared, keys: UserKeys): boolean {
  const index = p.index;
  if (!index) return false;
  const hits = keys.matchKey !== null ? index.byMatch.get(keys.matchKey) : undefined;
  if (hits && hits.length > 1) return true;
  const matchedAt = hits?.[0];
  if (matchedAt !== undefined) {
    // Read from the raw entry: the index builds records lazily, and this runs for every user.
    if (!clearlyExternal(p.snapshot?.users[matchedAt]?.user?.account_type)) return true;
    if ((p.snapshot?.users[matchedAt]?.protected.size ?? 0) > 0) return true;
  }
  for (const id of keys.identifiers) {
    if (id.value === '') continue;
    const holders = index.byIdentifier.get(id.value.toLowerCase());
    if (holders && holders.some((k) => k !== matchedAt)) return true;
  }
  return false;
}

// ---- planning ----

export function planUser(p: Prepared, chunk: SisUserChunk, ctx: { feed: FeedContext }): UserPlanView {
  if (!p.index) throw new Error('planUser without a snapshot');
  const plan = enginePlanUser({ index: chunk.index, start: chunk.start, record: recordOf(p, chunk) }, p.index, ctx.feed);
  return view(p, plan);
}

function view(p: Prepared, plan: UserPlan): UserPlanView {
  const entry = plan.match !== undefined ? p.snapshot?.users[plan.match.snapshotIndex] : undefined;
  return {
    outcome: plan.outcome,
    reasons: plan.reasons,
    rule: plan.message,
    snapshotIndex: plan.match?.snapshotIndex,
    fields: plan.fields.map((f) => {
      const prot = entry?.protected.get(f.field);
      return {
        field: f.field,
        before: valueToJson(f.before),
        incoming: valueToJson(f.incoming),
        after: valueToJson(f.after),
        action: f.action,
        rule: f.message,
        ...(prot ? { lastSisValue: valueToJson(prot.lastSisValue) } : {}),
      };
    }),
    segments: plan.segments.map((s) => ({
      list: s.list,
      removed: s.removed,
      added: s.added,
      kept: s.kept,
      // Internal items (added by staff) always stay [BLOG-EXT-B]; say how many of the kept ones they are.
      internalKept: internalCount(p, plan.match?.snapshotIndex, s.list),
      rule: s.message,
    })),
    rejections: plan.rejections.map((r) => ({ rule: r.rule, message: r.message, start: r.identifier?.span?.start, end: r.identifier?.span?.end })),
  };
}

function internalCount(p: Prepared, snapshotIndex: number | undefined, list: string): number | undefined {
  if (snapshotIndex === undefined) return undefined;
  const items = (p.index?.records[snapshotIndex]?.segments as Readonly<Record<string, readonly { segmentType: string }[]>> | undefined)?.[list];
  return items ? items.filter((i) => i.segmentType === 'Internal').length : undefined;
}

/**
 * What only the snapshot can tell, as problems relative to the user chunk: an identifier held
 * by another Alma user, a matched user that is internal, and values that undo a manual change.
 */
export function snapshotProblems(p: Prepared, chunk: SisUserChunk, plan: UserPlanView, keys: UserKeys, revertSeverity: Severity): Problem[] {
  const out: Problem[] = [];
  const el = chunk.element;
  for (const r of plan.rejections) {
    if (r.rule === 'reject-not-external') {
      out.push({ code: 'user-not-external', severity: 'error', message: `${r.message}: the matching Alma user is Internal, and the job never updates internal users [KB-NOTEXT].`, start: keys.matchStart, end: keys.matchEnd });
    } else if (r.rule === 'reject-identifier-taken') {
      out.push({ code: 'identifier-taken', severity: 'error', message: `${r.message}: another Alma user holds this identifier, so the user is rejected.`, start: r.start ?? el.start + 1, end: r.end ?? el.nameEnd });
    }
  }
  for (const f of plan.fields) {
    if (f.action !== 'revert-override') continue;
    const fieldEl = el.children.find((c) => c.name === f.field);
    const start = fieldEl ? (fieldEl.endTagStart > fieldEl.startTagEnd ? fieldEl.startTagEnd : fieldEl.start) : el.start + 1;
    const end = fieldEl ? (fieldEl.endTagStart > fieldEl.startTagEnd ? fieldEl.endTagStart : fieldEl.end) : el.nameEnd;
    out.push({
      code: 'reverts-override',
      severity: revertSeverity,
      message: f.rule ?? `${f.field}: the file sends the value the SIS sent before a manual change; the manual value will be undone.`,
      start,
      end,
      data: { field: f.field },
    });
  }
  return out;
}

/** Fields the snapshot marks protected for the Alma user this user matches (cheap: one lookup). */
export function protectedFieldsOf(p: Prepared, keys: UserKeys): string[] {
  const idx = snapshotIndexOf(p, keys);
  if (idx === undefined) return [];
  return [...(p.snapshot?.users[idx]?.protected.keys() ?? [])];
}

/** The snapshot entry this user matches, when exactly one does. */
export function snapshotIndexOf(p: Prepared, keys: UserKeys): number | undefined {
  if (!p.index || keys.matchKey === null) return undefined;
  const hits = p.index.byMatch.get(keys.matchKey);
  return hits && hits.length >= 1 ? hits[0] : undefined;
}

// ---- codes ----

function tableFor(p: Prepared, names: readonly string[]): { code: string; label?: string }[] | undefined {
  const def = elementDefAt(names);
  if (!def || !p.codeTables) return undefined;
  const t = p.codeTables.tables.get(def.codeTable ?? def.name) ?? p.codeTables.tables.get(def.name);
  return t ? [...t.entries] : undefined;
}

function snapshotCodes(p: Prepared): Map<string, Map<string, string | undefined>> {
  if (p.snapshotCodes) return p.snapshotCodes;
  const out = new Map<string, Map<string, string | undefined>>();
  const add = (name: string, code: string, label: string | undefined) => {
    let m = out.get(name);
    if (!m) out.set(name, (m = new Map()));
    if (!m.has(code) || (m.get(code) === undefined && label)) m.set(code, label);
  };
  // Code fields in the API JSON are {value, desc} under the element's own name (domain §8.3).
  const walk = (v: unknown, name: string, depth: number) => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, name, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.value === 'string' && o.value !== '' && Object.keys(o).every((k) => k === 'value' || k === 'desc')) {
      add(name, o.value, typeof o.desc === 'string' && o.desc !== '' ? o.desc : undefined);
      return;
    }
    for (const [k, x] of Object.entries(o)) walk(x, k, depth + 1);
  };
  for (const u of p.snapshot?.users ?? []) if (u.user) walk(u.user, 'user', 0);
  p.snapshotCodes = out;
  return out;
}

/** The label of a code: from the code tables, else a `desc` the snapshot uses for it. */
export function codeLabel(p: Prepared, names: readonly string[], code: string): string | undefined {
  const table = tableFor(p, names);
  const hit = table?.find((e) => e.code === code);
  if (hit?.label) return hit.label;
  return p.snapshot ? snapshotCodes(p).get(names[names.length - 1])?.get(code) : undefined;
}

/** Codes to offer in a code field: the code tables', else the ones the snapshot uses. */
export function codeValues(p: Prepared, names: readonly string[]): { code: string; label?: string; source: 'code-tables' | 'snapshot' }[] {
  const table = tableFor(p, names);
  if (table) return table.map((e) => ({ code: e.code, label: e.label, source: 'code-tables' as const }));
  const used = p.snapshot ? snapshotCodes(p).get(names[names.length - 1]) : undefined;
  return used ? [...used].map(([code, label]) => ({ code, label, source: 'snapshot' as const })) : [];
}

