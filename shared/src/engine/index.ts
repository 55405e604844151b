/** The merge engine's public surface (for the command line, the language server and the preview). */
export { indexSnapshot, prepareFeed, planUser, planFile, summarize } from './plan';
export { applyPlan, createdUserJson } from './apply';
export { planToJson, userPlanToJson, PLAN_FORMAT, PLAN_VERSION } from './json';
export type { PlanJson, PlanUserJson, PlanFieldJson } from './json';
export { RULES, MESSAGES, FIELD_DEFAULTS } from './rules';
export type { RuleId, RuleInfo } from './rules';
export * from './types';
export { incomingUser, incomingUsers, recordOf } from './incoming';
