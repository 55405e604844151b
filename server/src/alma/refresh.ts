/**
 * Refreshing a snapshot file from the Users API, end to end, for the command line
 * (`alma-sis snapshot fetch`) and the editor ("Alma SIS: Refresh Snapshot from Alma"): ask for
 * the users the SIS file names (core: `planLookups`), ask again for snapshot users that moved
 * (`followUpLookups`), merge and measure the drift (`mergeRefresh`), and write the snapshot with
 * the project's writer: beside the target and renamed over it, never half-written. A refresh
 * that stops (refused key, daily threshold, cancelled) writes nothing.
 */
import * as fs from 'node:fs';
import { userPath } from '../../../shared/src/alma/api';
import {
  followUpLookups,
  mergeRefresh,
  planLookups,
  type FileUser,
  type LookupResult,
  type PlannedLookup,
  type RefreshOutcome,
} from '../../../shared/src/alma/refresh';
import type { Settings } from '../../../shared/src/settings';
import type { Snapshot } from '../../../shared/src/snapshot/snapshot';
import { InputError } from '../io/input';
import { saveSnapshot } from '../io/snapshotFile';
import { AlmaStop, runCalls, type RunnerOptions, type RunnerStats } from './runner';

export interface LookupFailure {
  readonly id: string;
  readonly idType?: string;
  readonly fileUsers: readonly number[];
  /** Alma's words. */
  readonly message: string;
}

export interface RefreshRun extends RefreshOutcome {
  /** Lookups Alma refused one by one (their snapshot users are kept as they were). */
  readonly failures: readonly LookupFailure[];
  readonly stats: RunnerStats;
}

export type RefreshOptions = Omit<RunnerOptions, 'onProgress'> & {
  /** Calls done and in all; `round` 2 is the follow-up of snapshot users that moved. */
  readonly onProgress?: (done: number, total: number, round: 1 | 2) => void;
  /** Settings layer recorded as the `profile` of a new snapshot. */
  readonly profile?: Readonly<Record<string, unknown>>;
};

async function lookUp(lookups: readonly PlannedLookup[], options: RefreshOptions, round: 1 | 2, stats: RunnerStats, failures: LookupFailure[]): Promise<LookupResult[]> {
  const outcomes = await runCalls(
    lookups.map((l) => userPath(l)),
    { ...options, onProgress: options.onProgress && ((d, t) => options.onProgress?.(d, t, round)) },
    stats,
  );
  const results: LookupResult[] = [];
  outcomes.forEach((o, k) => {
    const lookup = lookups[k];
    if (o.kind === 'ok' && o.json !== null && typeof o.json === 'object' && !Array.isArray(o.json)) results.push({ lookup, user: o.json as Record<string, unknown> });
    else if (o.kind === 'not-found') results.push({ lookup, missing: o.error });
    else {
      const message = o.kind === 'failed' ? o.message : 'the answer is not a user object';
      failures.push({ id: lookup.id, ...(lookup.idType ? { idType: lookup.idType } : {}), fileUsers: lookup.fileUsers, message });
    }
  });
  return results;
}

/** Fetches the users the file names and merges them into `snapshot` (or a new one). Writes nothing. */
export async function refreshFromAlma(users: readonly FileUser[], snapshot: Snapshot | undefined, settings: Settings, options: RefreshOptions): Promise<RefreshRun> {
  const stats: RunnerStats = { requests: 0, retries: 0, throttled: 0, finalRate: 0 };
  const failures: LookupFailure[] = [];
  const plan = planLookups(users, snapshot, settings);
  const first = await lookUp(plan.lookups, options, 1, stats, failures);
  const again = followUpLookups(first, snapshot);
  const second = again.length > 0 ? await lookUp(again, options, 2, stats, failures) : [];
  const outcome = mergeRefresh(snapshot, [...first, ...second], settings, { profile: options.profile, withoutMatchId: plan.withoutMatchId.length });
  return { ...outcome, failures, stats };
}

/** True when the merge replaced, added or removed no entry. */
export function snapshotUnchanged(before: Snapshot | undefined, after: Snapshot): boolean {
  return before !== undefined && before.users.length === after.users.length && after.users.every((e, k) => e === before.users[k]);
}

/**
 * Writes the refreshed snapshot to `target` unless nothing changed, and unless the snapshot it
 * was read from changed on disk meanwhile (someone ran Run Sync or apply): then nothing is
 * written and an `InputError` says so. Returns whether it wrote.
 */
export async function writeRefreshedSnapshot(target: string, source: { path: string; text: string | undefined } | undefined, before: Snapshot | undefined, run: RefreshRun, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) throw new AlmaStop('cancelled', 'Cancelled: nothing was written.');
  if (snapshotUnchanged(before, run.snapshot) && source?.path === target) return false;
  if (source) {
    let now: string | undefined;
    try {
      // Decoded as the snapshot reader decodes (a byte-order mark dropped).
      now = new TextDecoder('utf-8').decode(await fs.promises.readFile(source.path));
    } catch {
      now = undefined;
    }
    if (now !== source.text) throw new InputError(`${source.path} changed on disk during the refresh: nothing was written. Refresh again.`);
  }
  await saveSnapshot(target, run.snapshot);
  return true;
}
