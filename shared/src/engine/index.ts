/**
 * The merge engine's public surface (for the command line, the language server and the preview).
 *
 * Whole file (command line):      planFile(incomingUsers(doc), snapshot, settings) → Plan
 *                                 applyPlan(snapshot, plan, incoming, settings)   → next Snapshot
 *                                 planToJson(plan, lineOf)                        → the plan JSON (docs/plan.md)
 * One user at a time (editor):    index = indexSnapshot(snapshot, settings)   once per snapshot/settings
 *                                 feed  = prepareFeed(incoming users)         once per edit (cheap: keys only)
 *                                 planUser(incomingUser(chunk), index, feed)  per user, cache by chunk.key
 * Every decision (`UserPlan.rule`, `FieldDecision.rule`, `SegmentDecision.rule`, `Rejection.rule`)
 * names an entry of `RULES` and carries a `message` sentence; offsets are relative to the user
 * chunk (`UserRecord.fields[f].span`, `SegmentItem.span`, `Rejection.identifier.span`).
 */
export { indexSnapshot, SnapshotKeysIndex, prepareFeed, FeedBuilder, dependsOnWholeFeed, planUser, planFile, summarize, generatedIdBase, feedEntryOf } from './plan';
export { applyPlan, appliedUser, createdUserJson } from './apply';
export { planToJson, userPlanToJson, PLAN_FORMAT, PLAN_VERSION } from './json';
export { planArtifact, readPlanArtifact, sameUser, type PlanArtifact, type PlanInputs, type PlanInputFile } from './artifact';
export type { PlanJson, PlanUserJson, PlanFieldJson, PlanSegmentJson, PlanValue, PlanNoteJson } from './json';
export { RULES, MESSAGES, FIELD_DEFAULTS, SOURCES, PREFERRED_NAME_FIELDS } from './rules';
export type { RuleId, RuleInfo } from './rules';
export * from './types';
export { incomingUser, incomingUsers, recordOf, userErrors, userErrorsOf, loaderContext } from './incoming';
