/**
 * The plan as the public JSON document of contract §3 (`alma-sis plan --format json`), with
 * the rule id and sentence of every decision added. Plain data conversion, no formatting.
 */
import { valueToJson } from '../sis/record';
import type { Plan, PlanSummary, UserPlan } from './types';

export const PLAN_FORMAT = 'alma-sis-plan';
export const PLAN_VERSION = 1;

type JsonValue = ReturnType<typeof valueToJson>;

export interface PlanFieldJson {
  field: string;
  before: JsonValue;
  incoming: JsonValue;
  after: JsonValue;
  action: string;
  rule: string;
  message: string;
}

export interface PlanUserJson {
  index: number;
  line: number;
  matchValue: string | null;
  primaryId: string | null;
  outcome: string;
  reasons: string[];
  fields: PlanFieldJson[];
  segments: { list: string; removed: number; added: number; kept: number; rule: string; message: string }[];
  rule: string;
  message: string;
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
