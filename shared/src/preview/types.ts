/**
 * The plan as the preview reads it: the public plan JSON of contract §3, as the engine
 * produces it. Declared here structurally so that the preview depends on the contract, not on
 * the engine's internal types; extra fields the engine adds (e.g. `rule`) pass through.
 */
export type Outcome = 'created' | 'updated' | 'unchanged' | 'rejected';
export const OUTCOMES: readonly Outcome[] = ['created', 'updated', 'unchanged', 'rejected'];

export type FieldAction = 'set' | 'clear' | 'default' | 'keep-protected' | 'revert-override';

/** A plan value: codes as strings, lists as arrays, absent/empty as null. */
export type PlanValue = string | null | readonly unknown[] | Readonly<Record<string, unknown>> | number | boolean;

export interface PlanFieldChange {
  readonly field: string;
  readonly before: PlanValue;
  readonly incoming: PlanValue;
  readonly after: PlanValue;
  readonly action: FieldAction | string;
  /** The engine's rule id (or a sentence) behind the decision. */
  readonly rule?: string;
  /** The engine's sentence about this field and this user; shown before the rule's. */
  readonly message?: string;
}

export interface PlanSegmentChange {
  readonly list: string;
  readonly removed: number;
  readonly added: number;
  readonly kept: number;
  readonly rule?: string;
  readonly message?: string;
}

export interface PlanUser {
  readonly index: number;
  readonly line: number;
  readonly matchValue: string | null;
  readonly primaryId: string | null;
  readonly outcome: Outcome;
  readonly reasons: readonly string[];
  readonly fields: readonly PlanFieldChange[];
  readonly segments: readonly PlanSegmentChange[];
}

export interface PlanSummary {
  readonly processed: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
}

export interface PlanLike {
  readonly summary: PlanSummary;
  readonly users: readonly PlanUser[];
}
