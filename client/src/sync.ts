/**
 * The in-process sync computation behind the preview, Compare, Run Sync and Export Plan: the
 * shared core reads the file and the snapshot and the engine plans; this only wires them
 * together and keeps what the views need (names, offsets, the snapshot's records). No `vscode`
 * here, so it is tested in plain Node against the example files.
 */
import type { PlanLike } from '../../shared/src/preview';
import { applyPlan, planFile, planToJson, type IncomingUser, type Plan, type PlanJson } from '../../shared/src/engine';
import { settingsFrom, type Settings } from '../../shared/src/settings';
import { fieldValue, recordFromXml, type UserRecord } from '../../shared/src/sis/record';
import { readSisDocument } from '../../shared/src/sis/read';
import type { SisDocument } from '../../shared/src/sis/types';
import { newSnapshot, parseSnapshot, serializeSnapshot, snapshotProfile, type Snapshot } from '../../shared/src/snapshot/snapshot';
import { LineIndex } from '../../shared/src/text/lines';

export interface SyncNotice {
  readonly severity: 'error' | 'warning' | 'information';
  readonly text: string;
  readonly detail?: string;
}

export interface SyncInput {
  readonly text: string;
  /** The snapshot's text; undefined when there is none (every user is then planned as new). */
  readonly snapshotText: string | undefined;
  /** The editor's profile settings (only keys the user set); the snapshot's `profile` is below them. */
  readonly settingsLayer: unknown;
}

export interface SyncResult {
  readonly settings: Settings;
  readonly sis: SisDocument;
  /** The engine's plan, with the rule behind every decision. */
  readonly enginePlan: Plan;
  /** The same plan in the contract §3 shape (what the preview shows and Export Plan writes). */
  readonly plan: PlanJson & PlanLike;
  readonly snapshot: Snapshot;
  /** Problems that make the whole file unreadable for Alma (not well-formed). */
  readonly fatalProblems: number;
  readonly notices: readonly SyncNotice[];
  nameOf(index: number): string | undefined;
  /** Absolute offset of the user's `<user`, and of one of its fields' elements. */
  userOffset(index: number): number | undefined;
  fieldOffset(index: number, field: string): number | undefined;
  /** The snapshot's record of the Alma user this file's user matched (Users API JSON). */
  matchedUser(index: number): Readonly<Record<string, unknown>> | undefined;
  /** The user's Users API JSON as the sync would leave it (undefined for a rejected user). */
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

export function computeSync(input: SyncInput): SyncResult {
  const notices: SyncNotice[] = [];
  let snapshot: Snapshot;
  if (input.snapshotText === undefined) {
    snapshot = newSnapshot([]);
    notices.push({ severity: 'warning', text: 'No snapshot: every user is planned as new.', detail: 'Choose one with "Alma SIS: Select Snapshot…" or make one with "Import Snapshot from Alma Export…".' });
  } else {
    const read = parseSnapshot(input.snapshotText);
    if (!read.snapshot) {
      const first = read.problems[0];
      throw new SnapshotUnreadable(first ? `${first.message}${first.line ? ` (line ${first.line})` : ''}` : 'not a snapshot');
    }
    snapshot = read.snapshot;
    const errors = read.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      notices.push({
        severity: 'warning',
        text: `The snapshot has ${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}.`,
        detail: errors.slice(0, 10).map((p) => `${p.path}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n'),
      });
    }
  }
  const { settings, problems: settingProblems } = settingsFrom(snapshotProfile(snapshot), input.settingsLayer);
  for (const p of settingProblems) notices.push({ severity: 'warning', text: `Setting ignored: ${p.message}` });

  const sis = readSisDocument(input.text);
  const fatal = [...sis.problems, ...sis.users.flatMap((u) => u.problems)].filter((p) => p.code === 'not-well-formed' && p.severity === 'error');
  if (fatal.length > 0) {
    notices.push({
      severity: 'error',
      text: `The file is not well-formed XML (${fatal.length} ${fatal.length === 1 ? 'place' : 'places'}): Alma would fail the whole file.`,
      detail: fatal[0].message,
    });
  }
  if (!sis.root) notices.push({ severity: 'error', text: 'The file has no root element.' });

  const records = sis.users.map((u) => recordFromXml(u.element));
  const incoming: IncomingUser[] = sis.users.map((u, i) => ({ index: u.index, start: u.start, record: records[i] }));
  const enginePlan = planFile(incoming, snapshot, settings);
  const lines = new LineIndex(input.text);
  const plan = planToJson(enginePlan, (offset) => lines.positionAt(offset).line + 1) as PlanJson & PlanLike;
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
      return m ? snapshot.users[m.snapshotIndex]?.user : undefined;
    },
    userAfter: (i) => {
      const p = enginePlan.users[i];
      const inc = incoming[i];
      if (!p || !inc || p.outcome === 'rejected') return undefined;
      if (p.outcome === 'unchanged') return p.match ? snapshot.users[p.match.snapshotIndex]?.user : undefined;
      // Apply this one user's plan: the engine decides, exactly as Run Sync would.
      const next = applyPlan(snapshot, { summary: enginePlan.summary, users: [p] }, [inc], settings);
      return p.outcome === 'created' ? next.users[next.users.length - 1]?.user : p.match ? next.users[p.match.snapshotIndex]?.user : undefined;
    },
    nextSnapshotText: () => serializeSnapshot(applyPlan(snapshot, enginePlan, incoming, settings)),
  };
}
