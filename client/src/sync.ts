/**
 * The in-process sync computation behind the preview, Compare, Run Sync and Export Plan: the
 * shared core reads the file and the snapshot and the engine plans; this only wires them
 * together and keeps what the views need (names, offsets, the snapshot's records). No `vscode`
 * here, so it is tested in plain Node against the example files.
 */
import type { PlanLike } from '../../shared/src/preview';
import { applyPlan, indexSnapshot, planToJson, planUser, prepareFeed, summarize, type FeedContext, type IncomingUser, type Plan, type PlanJson, type SnapshotIndex, type UserPlan } from '../../shared/src/engine';
import { incomingUsers } from '../../shared/src/engine/incoming';
import { settingsFrom, type Settings } from '../../shared/src/settings';
import { fieldValue, type UserRecord } from '../../shared/src/sis/record';
import { readSisDocument } from '../../shared/src/sis/read';
import type { SisDocument } from '../../shared/src/sis/types';
import { newSnapshot, parseSnapshot, serializeSnapshot, snapshotProfile, type Snapshot, type SnapshotProblem } from '../../shared/src/snapshot/snapshot';
import { LineIndex } from '../../shared/src/text/lines';
import type { XmlElement } from '../../shared/src/xml/types';

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
 * What stays valid between computations of one document: the parsed and indexed snapshot (as
 * long as its text and the settings are the same) and each user's plan (as long as its element
 * object, its position among the users, the snapshot index and the "first in the feed" facts
 * about its identifiers are the same). With the reader's incremental update, an edit then costs
 * only the users it touched, not the whole file (20,000 users: seconds → well under one).
 */
export class SyncCache {
  private snapshotText: string | undefined;
  private snapshotRead: { snapshot: Snapshot | undefined; problems: readonly SnapshotProblem[] } | undefined;
  private indexKey: string | undefined;
  private index: SnapshotIndex | undefined;
  private readonly plans = new WeakMap<XmlElement, { index: SnapshotIndex; sig: string; plan: UserPlan }>();

  readSnapshot(text: string): { snapshot: Snapshot | undefined; problems: readonly SnapshotProblem[] } {
    if (this.snapshotRead === undefined || this.snapshotText !== text) {
      this.snapshotRead = parseSnapshot(text);
      this.snapshotText = text;
      this.index = undefined;
    }
    return this.snapshotRead;
  }

  indexFor(snapshot: Snapshot, settings: Settings): SnapshotIndex {
    const key = JSON.stringify(settings);
    if (!this.index || this.index.snapshot !== snapshot || this.indexKey !== key) {
      this.index = indexSnapshot(snapshot, settings);
      this.indexKey = key;
    }
    return this.index;
  }

  planUser(element: XmlElement, user: IncomingUser, index: SnapshotIndex, feed: FeedContext): UserPlan {
    // The plan of a user depends on the feed only through who first carries its identifiers.
    let sig = String(user.index);
    for (const id of user.record.identifiers) sig += '|' + String(feed.firstHolder.get(id.value.toLowerCase()));
    const hit = this.plans.get(element);
    if (hit && hit.index === index && hit.sig === sig) return hit.plan.start === user.start ? hit.plan : { ...hit.plan, start: user.start };
    const plan = planUser(user, index, feed);
    this.plans.set(element, { index, sig, plan });
    return plan;
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

  const incoming: IncomingUser[] = incomingUsers(sis);
  const records = incoming.map((u) => u.record);
  const index = cache.indexFor(snapshot, settings);
  const feed = prepareFeed(incoming);
  const planned = incoming.map((u, i) => cache.planUser(sis.users[i].element, u, index, feed));
  const enginePlan: Plan = { summary: summarize(planned), users: planned };
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
