/**
 * The plan as the public JSON document (`alma-sis plan --format json`, docs/plan.md), with the
 * rule id and sentence of every decision added, and the notes on users and fields. Plain data
 * conversion, no formatting. These are the plan's types for everyone who reads a plan: the
 * preview, Export Plan, the command line and the language server's view (which adds what only
 * the snapshot tells).
 */
import { valueToJson, type SegmentListName } from '../sis/record';
import type { RuleId } from './rules';
import type { FieldAction, Outcome, Plan, PlanSummary, UserPlan } from './types';

export const PLAN_FORMAT = 'alma-sis-plan';
export const PLAN_VERSION = 1;

/** A value in the plan: codes and text as strings, lists as arrays, absent or empty as null. */
export type PlanValue = ReturnType<typeof valueToJson>;

export interface PlanFieldJson {
  field: string;
  before: PlanValue;
  incoming: PlanValue;
  after: PlanValue;
  action: FieldAction;
  rule: RuleId;
  /** One plain sentence about this field and this user. */
  message: string;
}

export interface PlanSegmentJson {
  list: SegmentListName;
  removed: number;
  added: number;
  kept: number;
  rule: RuleId;
  message: string;
}

export interface PlanUserJson {
  /** 0-based position of the `<user>` in the file (in the feed, for several files). */
  index: number;
  /** 1-based line of the `<user>` start tag. */
  line: number;
  matchValue: string | null;
  primaryId: string | null;
  outcome: Outcome;
  reasons: string[];
  fields: PlanFieldJson[];
  segments: PlanSegmentJson[];
  rule: RuleId;
  message: string;
  /** Notes on the user or one of its fields or lists (only when there are some). */
  notes?: PlanNoteJson[];
}

export interface PlanNoteJson {
  rule: RuleId;
  message: string;
  /** The core field or list the note is about; absent for the whole user. */
  field?: string;
}

export interface PlanJson {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  summary: PlanSummary;
  users: PlanUserJson[];
}

export function userPlanToJson(u: UserPlan, line: number): PlanUserJson {
  return {
    index: u.index,
    line,
    matchValue: u.matchValue,
    primaryId: u.primaryId,
    outcome: u.outcome,
    reasons: [...u.reasons],
    fields: u.fields.map((f) => ({
      field: f.field,
      before: valueToJson(f.before),
      incoming: valueToJson(f.incoming),
      after: valueToJson(f.after),
      action: f.action,
      rule: f.rule,
      message: f.message,
    })),
    segments: u.segments.map((s) => ({ list: s.list, removed: s.removed, added: s.added, kept: s.kept, rule: s.rule, message: s.message })),
    rule: u.rule,
    message: u.message,
    ...(u.notes.length > 0 ? { notes: u.notes.map((n) => ({ rule: n.rule, message: n.message, ...(n.field !== undefined ? { field: n.field } : {}) })) } : {}),
  };
}

/** `lineOf` turns a user's start offset into its 1-based line. */
export function planToJson(plan: Plan, lineOf: (offset: number) => number): PlanJson {
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    summary: { ...plan.summary },
    users: plan.users.map((u) => userPlanToJson(u, lineOf(u.start))),
  };
}
