/**
 * Everything an analysis depends on besides the SIS text: the profile settings, the snapshot
 * (indexed once), the code tables and today's date. Built once per distinct inputs by each
 * host; every per-user result is valid for the inputs object it was computed with.
 */
import { indexSnapshot } from '../engine/plan';
import type { SnapshotIndex } from '../engine/types';
import type { Settings } from '../settings';
import type { Snapshot } from '../snapshot/snapshot';
import type { CodeTables } from '../validate/codeTables';
import type { ValidationContext } from '../validate/context';

export interface AnalysisInputs {
  readonly settings: Settings;
  /** One object per inputs: the validator prepares (and caches) its context per object. */
  readonly validation: ValidationContext;
  /** The snapshot indexed for matching, read through it; absent without a snapshot (then nothing is planned). */
  readonly index?: SnapshotIndex;
  readonly codeTables?: CodeTables;
}

export interface InputSources {
  readonly snapshot?: Snapshot;
  /**
   * The snapshot indexed by the host instead (`snapshot` is then not given): the language server
   * keeps a snapshot file as its bytes and reads an entry when a plan or a hover needs it.
   */
  readonly index?: SnapshotIndex;
  readonly codeTables?: CodeTables;
  /** `YYYY-MM-DD`: the core has no clock (the expiry checks compare with it). */
  readonly today?: string;
  /**
   * Keep the snapshot's users as records once read (an editor plans the same users again and
   * again); a single pass over a whole file reads each matched user once and need not keep them.
   */
  readonly keepRecords?: boolean;
}

/** A date on the clock of whoever passes it in, as `YYYY-MM-DD` (what `today` is). */
export function localDay(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

export function analysisInputs(settings: Settings, sources: InputSources = {}): AnalysisInputs {
  const { snapshot, codeTables, today } = sources;
  return {
    settings,
    validation: { settings, codeTables, today },
    index: sources.index ?? (snapshot ? indexSnapshot(snapshot, settings, { keepRecords: sources.keepRecords !== false }) : undefined),
    codeTables,
  };
}
