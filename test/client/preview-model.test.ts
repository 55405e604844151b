import { describe, expect, it } from 'vitest';
import {
  buildPreview,
  describeFilter,
  formatValue,
  riskOf,
  runSyncQuestion,
  userFlags,
  userHeadline,
  type PlanFieldJson,
  type PlanLike,
  type PlanSegmentJson,
  type PlanUserJson,
} from '../../shared/src/preview';

function user(partial: Partial<PlanUserJson> & Pick<PlanUserJson, 'index' | 'outcome'>): PlanUserJson {
  return {
    line: 3 + partial.index * 10,
    matchValue: partial.primaryId ?? null,
    primaryId: null,
    reasons: [],
    fields: [],
    segments: [],
    rule: partial.outcome === 'created' ? 'create-new-user' : partial.outcome === 'rejected' ? 'reject-not-external' : partial.outcome === 'updated' ? 'outcome-updated' : 'outcome-unchanged',
    message: `The sentence about user ${partial.index}.`,
    ...partial,
  };
}

/** A field entry as the engine writes it: the rule id and its sentence about this user. */
function field(f: Omit<PlanFieldJson, 'rule' | 'message'>, rule: PlanFieldJson['rule'], message: string): PlanFieldJson {
  return { ...f, rule, message };
}

function list(s: Omit<PlanSegmentJson, 'rule' | 'message'>): PlanSegmentJson {
  return { ...s, rule: 'segments-replace', message: `${s.list}: the file's list replaces the external items.` };
}

// The example of docs/plan.md, plus one user of each remaining kind.
const plan: PlanLike = {
  summary: { processed: 5, created: 1, updated: 2, unchanged: 1, rejected: 1 },
  users: [
    user({
      index: 0,
      primaryId: 'jdoe',
      outcome: 'updated',
      fields: [
        field({ field: 'user_group', before: 'STAFF', incoming: 'GRAD', after: 'STAFF', action: 'keep-protected' }, 'protected-keep', 'user_group was changed by hand in Alma; the manual value "STAFF" stays.'),
        field({ field: 'last_name', before: 'Doe', incoming: 'Doe-Smith', after: 'Doe-Smith', action: 'set' }, 'field-set', 'Swap all: last_name "Doe" → "Doe-Smith".'),
      ],
      segments: [list({ list: 'emails', removed: 1, added: 2, kept: 1 })],
    }),
    user({ index: 1, primaryId: 'NEW01', outcome: 'created' }),
    user({ index: 2, primaryId: 'staff9', outcome: 'rejected', reasons: ['User is not external'] }),
    user({
      index: 3,
      primaryId: 'asmith',
      outcome: 'updated',
      fields: [
        field({ field: 'campus_code', before: 'NORTH', incoming: 'MAIN', after: 'MAIN', action: 'revert-override' }, 'protected-revert', 'engine sentence about campus_code'),
        field({ field: 'job_description', before: 'Clerk', incoming: null, after: null, action: 'clear' }, 'field-clear', 'The file has no job_description: swap all removes "Clerk" from Alma.'),
      ],
      segments: [list({ list: 'phones', removed: 2, added: 0, kept: 0 })],
    }),
    user({
      index: 4,
      primaryId: 'bkeep',
      outcome: 'unchanged',
      fields: [field({ field: 'user_group', before: 'FAC', incoming: 'UG', after: 'FAC', action: 'keep-protected' }, 'protected-keep', 'user_group was changed by hand in Alma; the manual value "FAC" stays.')],
    }),
  ],
};

const names: Record<number, string> = { 0: 'Jane Doe', 1: 'Nia Ewing', 2: 'Sam Staff', 3: 'Ann Smith', 4: 'Bo Keep' };
const nameOf = (i: number) => names[i];

describe('preview model', () => {
  it('shows the job report counts and groups users by outcome, most attention first', () => {
    const m = buildPreview(plan, { nameOf });
    expect(m.summaryText).toBe('5 processed · 1 created · 2 updated · 1 unchanged · 1 rejected');
    expect(m.groups.map((g) => [g.outcome, g.users.map((u) => u.id)])).toEqual([
      ['rejected', ['staff9']],
      ['updated', ['jdoe', 'asmith']],
      ['created', ['NEW01']],
      ['unchanged', ['bkeep']],
    ]);
    expect(m.shown).toBe(5);
    expect(m.filterText).toBe('');
  });

  it('derives the effects a reviewer filters on from the actions the engine chose', () => {
    expect(userFlags(plan.users[0])).toEqual(['protected-kept']);
    expect(userFlags(plan.users[3])).toEqual(['reverts-override', 'clears-data']);
    expect(userFlags(plan.users[1])).toEqual([]);
    // a replaced list (removed and added) is not "clearing"
    expect(userFlags(user({ index: 9, outcome: 'updated', segments: [list({ list: 'emails', removed: 1, added: 1, kept: 0 })] }))).toEqual([]);
  });

  it('filters by outcome, by effect and by search, and says what is filtered', () => {
    const rejected = buildPreview(plan, { filter: { outcomes: ['rejected', 'created'] }, nameOf });
    expect(rejected.groups.flatMap((g) => g.users.map((u) => u.id))).toEqual(['staff9', 'NEW01']);
    expect(rejected.groups[0].total).toBe(1);

    const kept = buildPreview(plan, { filter: { flags: ['protected-kept'] }, nameOf });
    expect(kept.groups.flatMap((g) => g.users.map((u) => u.id))).toEqual(['jdoe', 'bkeep']);

    const anyOf = buildPreview(plan, { filter: { flags: ['reverts-override', 'clears-data'] }, nameOf });
    expect(anyOf.groups.flatMap((g) => g.users.map((u) => u.id))).toEqual(['asmith']);

    const byName = buildPreview(plan, { filter: { search: '  SMITH ' }, nameOf });
    expect(byName.groups.flatMap((g) => g.users.map((u) => u.id))).toEqual(['asmith']);
    const byId = buildPreview(plan, { filter: { search: 'new0' }, nameOf });
    expect(byId.groups.flatMap((g) => g.users.map((u) => u.id))).toEqual(['NEW01']);

    const both = buildPreview(plan, { filter: { outcomes: ['updated'], search: 'doe' }, nameOf });
    expect(both.shown).toBe(1);
    expect(both.filterText).toBe('outcome: updated · search "doe"');
    expect(describeFilter({ flags: ['clears-data', 'reverts-override'] })).toBe('clears data or reverts a manual override');

    const none = buildPreview(plan, { filter: { search: 'nobody' }, nameOf });
    expect(none.groups).toEqual([]);
    expect(none.shown).toBe(0);
    expect(none.total).toBe(5);
  });

  it('expands a user into field and segment rows with before → after, action and rule', () => {
    const m = buildPreview(plan, { nameOf });
    const jdoe = m.groups[1].users[0];
    expect(jdoe.name).toBe('Jane Doe');
    expect(jdoe.fields.map((f) => [f.field, f.change, f.actionLabel])).toEqual([
      ['user_group', 'STAFF', 'manual value kept'],
      ['last_name', 'Doe → Doe-Smith', 'set'],
    ]);
    expect(jdoe.fields[0].incoming).toBe('GRAD');
    expect(jdoe.fields[0].rule).toMatch(/changed by hand/);
    expect(jdoe.segments).toEqual([
      expect.objectContaining({ list: 'emails', change: '1 removed · 2 added · 1 kept' }),
    ]);
    const asmith = m.groups[1].users[1];
    // the row's rule is the engine's sentence about this very user and field
    expect(asmith.fields[0].rule).toBe('engine sentence about campus_code');
    expect(asmith.fields[1].change).toBe('Clerk → (empty)');
    expect(asmith.fields[1].rule).toBe('The file has no job_description: swap all removes "Clerk" from Alma.');
    expect(asmith.segments[0].rule).toMatch(/^phones: the file's list replaces/);
  });

  it('sums a user up in a few words', () => {
    expect(userHeadline(plan.users[0])).toBe('2 changes, 1 protected kept');
    expect(userHeadline(plan.users[1])).toBe('new user');
    expect(userHeadline(plan.users[2])).toBe('rejected: User is not external');
    expect(userHeadline(plan.users[3])).toBe('3 changes, 1 manual change undone');
    expect(userHeadline(plan.users[4])).toBe('no change, 1 protected kept');
    expect(userHeadline(user({ index: 7, outcome: 'unchanged', reasons: ['import mode: user exists'] }))).toBe(
      'no change: import mode: user exists',
    );
  });

  it('formats plan values as codes, lists and (empty)', () => {
    expect(formatValue(null)).toBe('(empty)');
    expect(formatValue('')).toBe('(empty)');
    expect(formatValue([])).toBe('(empty)');
    expect(formatValue(['MAIN', 'LAW'])).toBe('MAIN, LAW');
    expect(formatValue([{ code: 'FulLetter', value: true }])).toBe('FulLetter=true');
    expect(formatValue('x'.repeat(200))).toHaveLength(80);
  });
});

describe('Run Sync question', () => {
  it('counts what the sync clears and reverts, ignoring rejected users', () => {
    const withRejectedClear: PlanLike = {
      ...plan,
      users: [...plan.users, user({ index: 5, outcome: 'rejected', fields: [field({ field: 'x', before: 'a', incoming: null, after: null, action: 'clear' }, 'field-clear', 'x is cleared.')] })],
    };
    expect(riskOf(withRejectedClear)).toEqual({ clearedFields: 1, clearedLists: 1, revertedOverrides: 1, protectedKept: 2 });
  });

  it('warns more strongly above the thresholds', () => {
    const calm = runSyncQuestion(plan, { clearedFields: 10, revertedOverrides: 5 }, 'users.alma-snapshot.json');
    expect(calm.strong).toBe(false);
    expect(calm.detail).toContain('5 processed · 1 created');
    expect(calm.detail).toContain('users.alma-snapshot.json.bak');
    const reverts = runSyncQuestion(plan, { clearedFields: 10, revertedOverrides: 0 }, 's.json');
    expect(reverts.strong).toBe(true);
    expect(reverts.detail).toMatch(/undoes 1 manual change/);
    const clears = runSyncQuestion(plan, { clearedFields: 1, revertedOverrides: 5 }, 's.json');
    expect(clears.strong).toBe(true);
    expect(clears.detail).toMatch(/clears 1 field and empties 1 list/);
  });
});
