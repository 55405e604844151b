/**
 * The sync computation behind the preview, Compare, Run Sync and Export Plan, as the worker
 * thread runs it: the core's analysis pipeline (`shared/src/analysis`) plans the document
 * against the snapshot; this adds what the views need (notices in words, names, offsets, the
 * snapshot's records before and after). Pure: the extension runs it in a worker thread
 * through `syncService.ts`, tests in plain Node.
 */
import { applyPlan, incomingUsers, planToJson, recordOf, type Plan, type PlanJson } from '../engine';
import { settingsFrom, type Settings } from '../settings';
import { fieldValue, type UserRecord } from '../sis/record';
import { readSisDocument } from '../sis/read';
import type { SisDocument } from '../sis/types';
import { newSnapshot, serializeSnapshot, snapshotProfile, type Snapshot } from '../snapshot/snapshot';
import { LineIndex } from '../text/lines';
import { analysisCaches, DocumentAnalysis, type AnalysisCaches } from './document';
import { analysisInputs, type AnalysisInputs } from './inputs';
import { readCodeTablesText, readSnapshotText, snapshotProblemText, type SnapshotRead } from './sources';

export interface SyncNotice {
  readonly severity: 'error' | 'warning' | 'information';
  readonly text: string;
  readonly detail?: string;
}

export interface SyncInput {
  readonly text: string;
  /** The text already read (e.g. incrementally after an edit); read here when absent. */
  readonly sis?: SisDocument;
  /** The snapshot's text; undefined when there is none (every user is then planned as new). */
  readonly snapshotText: string | undefined;
  /** The editor's profile settings (only keys the user set); the snapshot's `profile` is below them. */
  readonly settingsLayer: unknown;
  /** `YYYY-MM-DD` for the date checks of validation: today on the caller's machine (`localDay`). */
  readonly today: string;
  /** The institution's code tables (`almaSis.codeTablesPath`): a user with an unknown code is rejected, as in Alma. */
  readonly codeTablesText?: string;
}

export interface SyncResult {
  readonly settings: Settings;
  readonly sis: SisDocument;
  /** The engine's plan, with the rule behind every decision. */
  readonly enginePlan: Plan;
  /** The same plan as its JSON document (what the preview shows and Export Plan writes). */
  readonly plan: PlanJson;
  readonly snapshot: Snapshot;
  /** Problems that make the whole file unreadable for Alma (not well-formed). */
  readonly fatalProblems: number;
  readonly notices: readonly SyncNotice[];
  nameOf(index: number): string | undefined;
  /** Absolute offset of the user's `<user`, and of one of its fields' elements. */
  userOffset(index: number): number | undefined;
  fieldOffset(index: number, field: string): number | undefined;
  /**
   * The snapshot's entry of the Alma user this file's user matched: `{ user, sync }`, the user
   * in the Users API JSON shape and its protection state, as the file holds them.
   */
  matchedUser(index: number): Readonly<Record<string, unknown>> | undefined;
  /** The same entry as the sync would leave it (undefined for a rejected user). */
  userAfter(index: number): Readonly<Record<string, unknown>> | undefined;
  /** The whole next snapshot, as `alma-sis apply` writes it (rejected users change nothing). */
  nextSnapshotText(): string;
}

/** Thrown when the snapshot cannot be read as a snapshot at all. */
export class SnapshotUnreadable extends Error {}

function displayName(record: UserRecord): string | undefined {
  const part = (f: string) => {
    const v = fieldValue(record, f);
    return typeof v === 'string' ? v : undefined;
  };
  const first = part('pref_first_name') ?? part('first_name');
  const last = part('pref_last_name') ?? part('last_name');
  const name = [first, last].filter(Boolean).join(' ');
  return name === '' ? undefined : name;
}

/**
 * What stays valid between computations of one document: the parsed snapshot (as long as its
 * text is the same), the analysis inputs (as long as the snapshot and the settings are), the
 * core's per-user caches, and the previous analysis (whose file-wide facts an edit may keep).
 * With the reader's incremental update, an edit then costs only the users it touched, not the
 * whole file (20,000 users: seconds → well under one).
 */
export class SyncCache {
  private snapshot: { readonly text: string; readonly read: SnapshotRead } | undefined;
  private inputs: { readonly key: string; readonly snapshot: Snapshot; readonly value: AnalysisInputs; readonly caches: AnalysisCaches } | undefined;
  private validated: { readonly key: string; readonly cache: AnalysisCaches['validated'] } | undefined;
  private last: DocumentAnalysis | undefined;

  readSnapshot(text: string): SnapshotRead {
    if (this.snapshot?.text !== text) this.snapshot = { text, read: readSnapshotText(text) };
    return this.snapshot.read;
  }

  analyse(sis: SisDocument, snapshot: Snapshot, settings: Settings, today: string, codeTablesText?: string): DocumentAnalysis {
    // Validation depends on the settings, the date and the code tables, not on the snapshot.
    const key = JSON.stringify([settings, today, codeTablesText ?? null]);
    if (this.validated?.key !== key) this.validated = { key, cache: new WeakMap() };
    if (!this.inputs || this.inputs.snapshot !== snapshot || this.inputs.key !== key) {
      const codeTables = codeTablesText === undefined ? undefined : readCodeTablesText(codeTablesText).tables;
      this.inputs = { key, snapshot, value: analysisInputs(settings, { snapshot, today, codeTables }), caches: analysisCaches(this.validated.cache) };
    }
    this.last = new DocumentAnalysis(sis, this.inputs.value, this.inputs.caches, this.last);
    return this.last;
  }
}

export function computeSync(input: SyncInput, cache: SyncCache = new SyncCache()): SyncResult {
  const notices: SyncNotice[] = [];
  let snapshot: Snapshot;
  if (input.snapshotText === undefined) {
    snapshot = newSnapshot([]);
    notices.push({ severity: 'warning', text: 'No snapshot: every user is planned as new.', detail: 'Choose one with "Alma SIS: Select Snapshot…" or make one with "Import Snapshot from Alma Export…".' });
  } else {
    const read = cache.readSnapshot(input.snapshotText);
    if (!read.snapshot) throw new SnapshotUnreadable(read.error);
    snapshot = read.snapshot;
    const errors = read.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      notices.push({
        severity: 'warning',
        text: `The snapshot has ${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}.`,
        detail: errors.slice(0, 10).map((p) => `${p.path}: ${snapshotProblemText(p)}`).join('\n'),
      });
    }
  }
  const { settings, problems: settingProblems } = settingsFrom(snapshotProfile(snapshot), input.settingsLayer);
  for (const p of settingProblems) notices.push({ severity: 'warning', text: `Setting ignored: ${p.message}` });

  const sis = input.sis ?? readSisDocument(input.text);
  const fatal = [...sis.problems, ...sis.users.flatMap((u) => u.problems)].filter((p) => p.code === 'not-well-formed' && p.severity === 'error');
  if (fatal.length > 0) {
    notices.push({
      severity: 'error',
      text: `The file is not well-formed XML (${fatal.length} ${fatal.length === 1 ? 'place' : 'places'}): Alma would fail the whole file.`,
      detail: fatal[0].message,
    });
  }
  if (!sis.root) notices.push({ severity: 'error', text: 'The file has no root element.' });

  const analysis = cache.analyse(sis, snapshot, settings, input.today, input.codeTablesText);
  // A snapshot is always there (empty when none was found), so every user is planned.
  const enginePlan: Plan = analysis.wholePlan()!;
  const incoming = incomingUsers(sis);
  const records: UserRecord[] = sis.users.map((u) => recordOf(u.element));
  const lines = new LineIndex(input.text);
  const plan = planToJson(enginePlan, (offset) => lines.positionAt(offset).line + 1);
  return {
    settings,
    sis,
    enginePlan,
    plan,
    snapshot,
    fatalProblems: fatal.length,
    notices,
    nameOf: (i) => (records[i] ? displayName(records[i]) : undefined),
    userOffset: (i) => sis.users[i]?.start,
    fieldOffset: (i, field) => {
      const r = records[i];
      const u = sis.users[i];
      if (!r || !u) return undefined;
      const span = r.fields[field]?.span ?? (r.segmentSpans as Record<string, { start: number } | undefined>)[field];
      return span ? u.start + span.start : undefined;
    },
    matchedUser: (i) => {
      const m = enginePlan.users[i]?.match;
      return m ? snapshot.users[m.snapshotIndex]?.entry : undefined;
    },
    userAfter: (i) => {
      const p = enginePlan.users[i];
      const inc = incoming[i];
      if (!p || !inc || p.outcome === 'rejected') return undefined;
      if (p.outcome === 'unchanged') return p.match ? snapshot.users[p.match.snapshotIndex]?.entry : undefined;
      // Apply this one user's plan: the engine decides, exactly as Run Sync would.
      const next = applyPlan(snapshot, { summary: enginePlan.summary, users: [p] }, [inc], settings);
      return p.outcome === 'created' ? next.users[next.users.length - 1]?.entry : p.match ? next.users[p.match.snapshotIndex]?.entry : undefined;
    },
    nextSnapshotText: () => serializeSnapshot(applyPlan(snapshot, enginePlan, incoming, settings)),
  };
}
