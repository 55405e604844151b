/**
 * The plan as the preview reads it: the plan JSON the engine writes (`alma-sis plan --format
 * json`, declared once in `engine/json.ts`), whole or as the few fields a summary needs.
 */
import type { PlanFieldJson, PlanJson, PlanSegmentJson, PlanUserJson } from '../engine/json';
import type { Outcome } from '../engine/types';

export type { FieldAction, Outcome, PlanSummary } from '../engine/types';
export type { PlanFieldJson, PlanSegmentJson, PlanUserJson, PlanValue } from '../engine/json';

export const OUTCOMES: readonly Outcome[] = ['created', 'updated', 'unchanged', 'rejected'];

/** A plan: its counts and its users, in file order. */
export type PlanLike = Pick<PlanJson, 'summary' | 'users'>;

/** What a user's one-line summary and its effects depend on (a plan entry, or the language server's view of one). */
export interface PlanUserSummary {
  readonly outcome: PlanUserJson['outcome'];
  readonly reasons: readonly string[];
  readonly fields: readonly Pick<PlanFieldJson, 'action'>[];
  readonly segments: readonly Pick<PlanSegmentJson, 'removed' | 'added'>[];
  readonly notes?: PlanUserJson['notes'];
}
