/**
 * The sync preview's model as plain functions: what the preview shows for a plan (the plan
 * JSON of docs/plan.md), how users are grouped, filtered and searched. The editor only renders this; the
 * decisions themselves (outcome, action per field) come from the engine and are never
 * re-derived here.
 */
import { RULES } from '../engine/rules';
import type { FieldAction, Outcome, PlanFieldJson, PlanLike, PlanSegmentJson, PlanSummary, PlanUserJson, PlanUserSummary, PlanValue } from './types';

/** Effects a reviewer filters on, besides the outcome. */
export type PreviewFlag = 'reverts-override' | 'protected-kept' | 'clears-data' | 'noted';
export const PREVIEW_FLAGS: readonly PreviewFlag[] = ['reverts-override', 'protected-kept', 'clears-data', 'noted'];

export const FLAG_LABELS: Readonly<Record<PreviewFlag, string>> = {
  'reverts-override': 'reverts a manual override',
  'protected-kept': 'protected value kept',
  'clears-data': 'clears data',
  noted: 'has a note',
};

export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged',
  rejected: 'Rejected',
};

/** Groups are listed with what needs attention first. */
export const GROUP_ORDER: readonly Outcome[] = ['rejected', 'updated', 'created', 'unchanged'];

export interface PreviewFilter {
  /** Show only these outcomes (empty or absent: all). */
  readonly outcomes?: readonly Outcome[];
  /** Show only users with at least one of these effects (empty or absent: all). */
  readonly flags?: readonly PreviewFlag[];
  /** Case-insensitive text found in the primary id, the Match ID value or the name. */
  readonly search?: string;
}

export interface PreviewFieldRow {
  readonly kind: 'field';
  readonly field: string;
  readonly action: string;
  readonly actionLabel: string;
  readonly before: string;
  readonly incoming: string;
  readonly after: string;
  /** `before → after` (or just the value when it does not change). */
  readonly change: string;
  readonly rule: string;
}

export interface PreviewSegmentRow {
  readonly kind: 'segment';
  readonly list: string;
  /** e.g. `1 removed · 2 added · 1 kept`. */
  readonly change: string;
  readonly rule: string;
}

export interface PreviewUserRow {
  readonly index: number;
  readonly line: number;
  /** Primary id, else the Match ID value, else `user #n`. */
  readonly id: string;
  readonly name?: string;
  readonly outcome: Outcome;
  readonly flags: readonly PreviewFlag[];
  /** A few words: `new user`, `3 changes, 1 protected kept`, `rejected: …`. */
  readonly headline: string;
  readonly reasons: readonly string[];
  readonly fields: readonly PreviewFieldRow[];
  readonly segments: readonly PreviewSegmentRow[];
  /** The plan's notes: what deserves a word although it changes no outcome. */
  readonly notes: readonly PreviewNoteRow[];
}

export interface PreviewNoteRow {
  readonly kind: 'note';
  /** The field or list the note is about, when it is about one. */
  readonly field?: string;
  readonly text: string;
  readonly rule: string;
}

export interface PreviewGroup {
  readonly outcome: Outcome;
  readonly label: string;
  /** Users of this outcome that pass the filter, in file order. */
  readonly users: readonly PreviewUserRow[];
  /** Users of this outcome in the whole plan. */
  readonly total: number;
}

export interface PreviewModel {
  readonly summary: PlanSummary;
  /** `5 processed · 1 created · 2 updated · 1 unchanged · 1 rejected` (the job report's counts). */
  readonly summaryText: string;
  /** Groups that hold at least one shown user, in `GROUP_ORDER`. */
  readonly groups: readonly PreviewGroup[];
  readonly total: number;
  readonly shown: number;
  readonly filter: PreviewFilter;
  /** Empty when nothing is filtered, else e.g. `outcome: rejected · search "doe"`. */
  readonly filterText: string;
}

export interface PreviewOptions {
  readonly filter?: PreviewFilter;
  /** The user's display name by its index in the file (read from the file, never logged). */
  readonly nameOf?: (index: number) => string | undefined;
}

const ACTION_LABELS: Readonly<Record<FieldAction, string>> = {
  set: 'set',
  clear: 'cleared',
  default: "Alma's default",
  'keep-protected': 'manual value kept',
  'revert-override': 'manual change undone',
};

const MAX_VALUE = 80;

/** A plan value for a person: codes as they are, lists joined, empty as `(empty)`. */
export function formatValue(value: PlanValue | undefined): string {
  let text: string;
  if (value === null || value === undefined || value === '') return '(empty)';
  if (Array.isArray(value)) {
    if (value.length === 0) return '(empty)';
    text = value.map((v) => formatItem(v)).join(', ');
  } else text = formatItem(value);
  return text.length > MAX_VALUE ? text.slice(0, MAX_VALUE - 1) + '…' : text;
}

function formatItem(v: unknown): string {
  if (v === null || v === undefined) return '(empty)';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // library_notices come as {code, value}
    if ('code' in o) return 'value' in o ? `${String(o.code)}=${String(o.value)}` : String(o.code);
    return JSON.stringify(v);
  }
  return String(v);
}

export function userFlags(user: PlanUserSummary): PreviewFlag[] {
  const flags: PreviewFlag[] = [];
  if (user.fields.some((f) => f.action === 'revert-override')) flags.push('reverts-override');
  if (user.fields.some((f) => f.action === 'keep-protected')) flags.push('protected-kept');
  // Clearing: a field emptied, or a list whose external items go and nothing replaces them.
  if (user.fields.some((f) => f.action === 'clear') || user.segments.some((s) => s.removed > 0 && s.added === 0)) {
    flags.push('clears-data');
  }
  if ((user.notes?.length ?? 0) > 0) flags.push('noted');
  return flags;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The outcome of one user in a few words (`3 changes, 1 protected kept, 1 manual change
 * undone`): the one wording of a user's summary, in the preview, Export Plan and the editor's
 * code lenses and hovers.
 */
export function userHeadline(user: PlanUserSummary): string {
  if (user.outcome === 'rejected') return `rejected: ${user.reasons[0] ?? 'no reason given'}`;
  const kept = user.fields.filter((f) => f.action === 'keep-protected').length;
  const reverted = user.fields.filter((f) => f.action === 'revert-override').length;
  const changes = user.fields.filter((f) => f.action !== 'keep-protected').length + user.segments.length;
  const extras: string[] = [];
  if (kept > 0) extras.push(`${kept} protected kept`);
  if (reverted > 0) extras.push(`${plural(reverted, 'manual change')} undone`);
  if (user.outcome === 'created') return 'new user';
  if (user.outcome === 'unchanged') {
    const why = user.reasons[0];
    return ['no change' + (why ? `: ${why}` : ''), ...extras].join(', ');
  }
  return [plural(changes, 'change'), ...extras].join(', ');
}

function fieldRow(f: PlanFieldJson): PreviewFieldRow {
  const before = formatValue(f.before);
  const after = formatValue(f.after);
  return {
    kind: 'field',
    field: f.field,
    action: f.action,
    actionLabel: ACTION_LABELS[f.action],
    before,
    incoming: formatValue(f.incoming),
    after,
    change: before === after ? after : `${before} → ${after}`,
    rule: f.message,
  };
}

function segmentRow(s: PlanSegmentJson): PreviewSegmentRow {
  return {
    kind: 'segment',
    list: s.list,
    change: `${s.removed} removed · ${s.added} added · ${s.kept} kept`,
    rule: s.message,
  };
}

export function userRow(user: PlanUserJson, name?: string): PreviewUserRow {
  return {
    index: user.index,
    line: user.line,
    id: user.primaryId ?? user.matchValue ?? `user #${user.index + 1}`,
    name: name && name.trim() !== '' ? name.trim() : undefined,
    outcome: user.outcome,
    flags: userFlags(user),
    headline: userHeadline(user),
    reasons: user.reasons,
    fields: user.fields.map(fieldRow),
    segments: user.segments.map(segmentRow),
    notes: (user.notes ?? []).map((n) => ({ kind: 'note', ...(n.field !== undefined ? { field: n.field } : {}), text: n.message, rule: RULES[n.rule].summary })),
  };
}

export function summaryText(s: PlanSummary): string {
  return `${s.processed} processed · ${s.created} created · ${s.updated} updated · ${s.unchanged} unchanged · ${s.rejected} rejected`;
}

export function describeFilter(filter: PreviewFilter): string {
  const parts: string[] = [];
  if (filter.outcomes && filter.outcomes.length > 0) parts.push(`outcome: ${filter.outcomes.join(', ')}`);
  if (filter.flags && filter.flags.length > 0) parts.push(filter.flags.map((f) => FLAG_LABELS[f]).join(' or '));
  const q = filter.search?.trim();
  if (q) parts.push(`search "${q}"`);
  return parts.join(' · ');
}

export function isFiltered(filter: PreviewFilter): boolean {
  return describeFilter(filter) !== '';
}

/** True when the query (case-insensitive) occurs in the user's ids or name. */
export function matchesSearch(user: PlanUserJson, name: string | undefined, query: string | undefined): boolean {
  const q = query?.trim().toLowerCase();
  if (!q) return true;
  return [user.primaryId, user.matchValue, name].some((s) => typeof s === 'string' && s.toLowerCase().includes(q));
}

export function passesFilter(user: PlanUserJson, flags: readonly PreviewFlag[], name: string | undefined, filter: PreviewFilter): boolean {
  if (filter.outcomes && filter.outcomes.length > 0 && !filter.outcomes.includes(user.outcome)) return false;
  if (filter.flags && filter.flags.length > 0 && !filter.flags.some((f) => flags.includes(f))) return false;
  return matchesSearch(user, name, filter.search);
}

export function buildPreview(plan: PlanLike, options: PreviewOptions = {}): PreviewModel {
  const filter = options.filter ?? {};
  const byOutcome = new Map<Outcome, { users: PreviewUserRow[]; total: number }>();
  for (const o of GROUP_ORDER) byOutcome.set(o, { users: [], total: 0 });
  let shown = 0;
  for (const user of plan.users) {
    const bucket = byOutcome.get(user.outcome);
    if (!bucket) continue; // an outcome the contract does not know: not shown rather than guessed
    bucket.total++;
    const name = options.nameOf?.(user.index);
    const flags = userFlags(user);
    if (!passesFilter(user, flags, name, filter)) continue;
    bucket.users.push(userRow(user, name));
    shown++;
  }
  const groups: PreviewGroup[] = [];
  for (const o of GROUP_ORDER) {
    const b = byOutcome.get(o)!;
    if (b.users.length > 0) groups.push({ outcome: o, label: OUTCOME_LABELS[o], users: b.users, total: b.total });
  }
  return {
    summary: plan.summary,
    summaryText: summaryText(plan.summary),
    groups,
    total: plan.users.length,
    shown,
    filter,
    filterText: describeFilter(filter),
  };
}

/** What Run Sync counts before it asks (users the job rejects change nothing). */
export interface SyncRisk {
  readonly clearedFields: number;
  readonly clearedLists: number;
  readonly revertedOverrides: number;
  readonly protectedKept: number;
}

export function riskOf(plan: PlanLike): SyncRisk {
  let clearedFields = 0;
  let clearedLists = 0;
  let revertedOverrides = 0;
  let protectedKept = 0;
  for (const u of plan.users) {
    if (u.outcome === 'rejected') continue;
    for (const f of u.fields) {
      if (f.action === 'clear') clearedFields++;
      else if (f.action === 'revert-override') revertedOverrides++;
      else if (f.action === 'keep-protected') protectedKept++;
    }
    for (const s of u.segments) if (s.removed > 0 && s.added === 0) clearedLists++;
  }
  return { clearedFields, clearedLists, revertedOverrides, protectedKept };
}

export interface RunSyncThresholds {
  /** Warn more strongly above this many cleared fields and lists. */
  readonly clearedFields: number;
  /** Warn more strongly above this many reverted overrides. */
  readonly revertedOverrides: number;
}

export interface RunSyncQuestion {
  /** True when a threshold is exceeded: the dialog says so first. */
  readonly strong: boolean;
  readonly title: string;
  readonly detail: string;
}

/** The text of Run Sync's confirmation: the job report's counts, then what may surprise. */
export function runSyncQuestion(plan: PlanLike, thresholds: RunSyncThresholds, snapshotName: string): RunSyncQuestion {
  const risk = riskOf(plan);
  const cleared = risk.clearedFields + risk.clearedLists;
  const warnings: string[] = [];
  if (cleared > thresholds.clearedFields) {
    warnings.push(`It clears ${plural(risk.clearedFields, 'field')} and empties ${plural(risk.clearedLists, 'list')} (more than ${thresholds.clearedFields}).`);
  }
  if (risk.revertedOverrides > thresholds.revertedOverrides) {
    warnings.push(`It undoes ${plural(risk.revertedOverrides, 'manual change')} made in Alma (more than ${thresholds.revertedOverrides}).`);
  }
  const strong = warnings.length > 0;
  const lines = [
    summaryText(plan.summary) + '.',
    `Cleared: ${plural(risk.clearedFields, 'field')}, ${plural(risk.clearedLists, 'emptied list')}. Manual changes undone: ${risk.revertedOverrides}. Protected values kept: ${risk.protectedKept}.`,
    ...warnings,
    `The previous snapshot is kept as ${snapshotName}.bak; "Undo" restores it.`,
  ];
  return {
    strong,
    title: strong
      ? `Warning: this sync changes a lot. Write the next snapshot to ${snapshotName} anyway?`
      : `Write the next snapshot to ${snapshotName} as if Alma had run this file?`,
    detail: lines.join('\n'),
  };
}
