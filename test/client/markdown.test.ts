import { describe, expect, it } from 'vitest';
import { mdCell, planToMarkdown, type PlanLike } from '../../shared/src/preview';

const plan: PlanLike = {
  summary: { processed: 3, created: 1, updated: 1, unchanged: 0, rejected: 1 },
  users: [
    {
      index: 0, line: 3, matchValue: 'jdoe', primaryId: 'jdoe', outcome: 'updated', reasons: [],
      fields: [
        { field: 'user_group', before: 'STAFF', incoming: 'GRAD', after: 'STAFF', action: 'keep-protected', rule: 'protected-keep', message: 'kept' },
        { field: 'last_name', before: 'Doe', incoming: 'Doe|Smith', after: 'Doe|Smith', action: 'set', rule: 'field-set', message: 'set' },
      ],
      segments: [{ list: 'emails', removed: 1, added: 2, kept: 1, rule: 'segments-replace', message: 'replaced' }],
      rule: 'outcome-updated', message: 'Updated.',
    },
    { index: 1, line: 20, matchValue: 'new', primaryId: 'new', outcome: 'created', reasons: [], fields: [], segments: [], rule: 'create-new-user', message: 'Created.' },
    { index: 2, line: 30, matchValue: 'x', primaryId: 'x', outcome: 'rejected', reasons: ['User is not external'], fields: [], segments: [], rule: 'reject-not-external', message: 'Rejected.' },
  ],
};

describe('plan as Markdown', () => {
  it('has the counts table, then sections per outcome with the changes', () => {
    const md = planToMarkdown(plan, { title: 'Sync plan', subtitle: 'users.xml against users.alma-snapshot.json' });
    expect(md).toContain('| 3 | 1 | 1 | 0 | 1 |');
    expect(md.indexOf('## Rejected (1)')).toBeLessThan(md.indexOf('## Updated (1)'));
    expect(md).toContain('#### x (line 30): rejected: User is not external');
    expect(md).toContain('| user\\_group | STAFF | STAFF | manual value kept |');
    // a pipe in a value cannot break the table
    expect(md).toContain('| last\\_name | Doe | Doe\\|Smith | set |');
    expect(md).toContain('- emails: 1 removed · 2 added · 1 kept');
    expect(md).toContain('- new (line 20): new user');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('escapes Markdown in cells', () => {
    expect(mdCell('a|b\nc*d')).toBe('a\\|b c\\*d');
  });
});
