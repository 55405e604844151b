/**
 * A user's plan as hovers, code lenses, inlay hints and diagnostics show it: the plan JSON's
 * entry (`engine/json.ts`) plus what only the snapshot tells (the last value the SIS sent for a
 * protected field, how many kept items are internal) and where a rejection points in the file.
 */
import type { Problem, Severity } from '../diagnostics';
import { userPlanToJson, type PlanFieldJson, type PlanSegmentJson, type PlanUserJson, type PlanValue } from '../engine/json';
import type { RuleId } from '../engine/rules';
import type { UserPlan } from '../engine/types';
import { SEGMENT_LISTS } from '../schema/user';
import { coreField, valueToJson } from '../sis/record';
import type { UserKeys } from '../sis/keys';
import type { XmlElement } from '../xml/types';
import type { AnalysisInputs } from './inputs';

export interface FieldView extends PlanFieldJson {
  /** The value the SIS last sent, for a field the snapshot marks protected. */
  readonly lastSisValue?: PlanValue;
}

export interface SegmentView extends PlanSegmentJson {
  /** How many of the kept items are Internal (added by staff); they always stay. */
  readonly internalKept?: number;
}

export interface RejectionView {
  readonly rule: RuleId;
  readonly message: string;
  /** The identifier that caused it, relative to the user chunk. */
  readonly start?: number;
  readonly end?: number;
}

export interface UserPlanView extends Omit<PlanUserJson, 'index' | 'line' | 'fields' | 'segments'> {
  readonly fields: readonly FieldView[];
  readonly segments: readonly SegmentView[];
  /** The snapshot entry the user matched. */
  readonly snapshotIndex?: number;
  readonly rejections: readonly RejectionView[];
}

export function planView(inputs: AnalysisInputs, plan: UserPlan): UserPlanView {
  const { index: _index, line: _line, ...json } = userPlanToJson(plan, 0);
  const snapshotIndex = plan.match?.snapshotIndex;
  const entry = snapshotIndex !== undefined ? inputs.index?.entry(snapshotIndex) : undefined;
  const record = snapshotIndex !== undefined ? inputs.index?.record(snapshotIndex) : undefined;
  return {
    ...json,
    snapshotIndex,
    fields: json.fields.map((f) => {
      const protection = entry?.protected.get(f.field);
      return protection ? { ...f, lastSisValue: valueToJson(protection.lastSisValue) } : f;
    }),
    segments: json.segments.map((s) => {
      const items = record?.segments[s.list];
      return items ? { ...s, internalKept: items.filter((i) => i.segmentType === 'Internal').length } : s;
    }),
    rejections: plan.rejections.map((r) => ({ rule: r.rule, message: r.message, start: r.identifier?.span?.start, end: r.identifier?.span?.end })),
  };
}

/**
 * What only the snapshot can tell, as problems relative to the user chunk: an identifier held
 * by another Alma user, a matched user that is internal, and values that undo a manual change.
 */
export function snapshotProblems(element: XmlElement, plan: UserPlanView, keys: UserKeys, revertSeverity: Severity): Problem[] {
  const out: Problem[] = [];
  for (const r of plan.rejections) {
    if (r.rule === 'reject-not-external') {
      out.push({
        code: 'user-not-external',
        severity: 'error',
        message: `${r.message}: the matching Alma user is Internal, and the job never updates internal users (Ex Libris knowledge article "'User is not external' error in User Loader (SIS) - how to resolve it?").`,
        start: keys.matchStart,
        end: keys.matchEnd,
      });
    } else if (r.rule === 'reject-identifier-taken') {
      out.push({ code: 'identifier-taken', severity: 'error', message: `${r.message}: another Alma user holds this identifier, so the user is rejected.`, start: r.start ?? element.start + 1, end: r.end ?? element.nameEnd });
    }
  }
  for (const f of plan.fields) {
    if (f.action !== 'revert-override') continue;
    const fieldEl = element.children.find((c) => c.name === f.field);
    const hasText = fieldEl !== undefined && fieldEl.endTagStart > fieldEl.startTagEnd;
    out.push({
      code: 'reverts-override',
      severity: revertSeverity,
      message: f.message,
      start: fieldEl ? (hasText ? fieldEl.startTagEnd : fieldEl.start) : element.start + 1,
      end: fieldEl ? (hasText ? fieldEl.endTagStart : fieldEl.end) : element.nameEnd,
      data: { field: f.field },
    });
  }
  return out;
}

/** The plan's list (`emails`, …) for an element path under `user`, when it is a segment list. */
export function listOf(names: readonly string[]): string | undefined {
  for (const l of SEGMENT_LISTS) {
    if (l.path.every((p, i) => names[i + 1] === p)) return l.list;
  }
  return undefined;
}

/** True when the merge engine compares this child of `<user>` (a core field it reads, or a segment list). */
export function isCompared(field: string): boolean {
  return coreField(field) !== undefined || SEGMENT_LISTS.some((l) => l.path[0] === field);
}

/** The wrapper element of a plan list (`emails` → `contact_info/emails`) inside a user. */
export function listElement(user: XmlElement, list: string): XmlElement | undefined {
  const l = SEGMENT_LISTS.find((x) => x.list === list);
  if (!l) return undefined;
  let el: XmlElement | undefined = user;
  for (const name of l.path) el = el?.children.find((c) => c.name === name);
  return el;
}
