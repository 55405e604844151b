import { describe, expect, it } from 'vitest';
import { parseCodeTables } from '../../shared/src/validate/codeTables';

describe('parseCodeTables', () => {
  it('reads our format, with labels and bare codes', () => {
    const { tables, problems } = parseCodeTables({
      format: 'alma-sis-code-tables',
      version: 1,
      tables: { UserGroups: [{ code: 'UG', label: 'Undergraduate' }, 'GRAD', { code: 'STAFF', description: 'Staff' }] },
    });
    expect(problems).toEqual([]);
    const t = tables.tables.get('UserGroups')!;
    expect(t.entries).toEqual([{ code: 'UG', label: 'Undergraduate' }, { code: 'GRAD' }, { code: 'STAFF', label: 'Staff' }]);
    expect(t.byCode.get('GRAD')).toEqual({ code: 'GRAD' });
    expect(t.byLowerCode.get('ug')?.code).toBe('UG');
  });

  it("reads Alma's code-table API JSON, one table or a list, leaving disabled rows out", () => {
    const one = parseCodeTables({ name: 'UserGroups', row: [{ code: 'UG', description: 'Undergraduate', enabled: true }, { code: 'OLD', enabled: false }] });
    expect(one.problems).toEqual([]);
    expect([...one.tables.tables.get('UserGroups')!.byCode.keys()]).toEqual(['UG']);
    const list = parseCodeTables([
      { name: 'UserGroups', row: [{ code: 'UG' }] },
      { name: 'NoteTypes', row: { code: 'OTHER', description: 'Other' } },
    ]);
    expect(list.problems).toEqual([]);
    expect([...list.tables.tables.keys()]).toEqual(['UserGroups', 'NoteTypes']);
    expect(list.tables.tables.get('NoteTypes')!.entries).toEqual([{ code: 'OTHER', label: 'Other' }]);
  });

  it('reports bad input with a path, never throws', () => {
    for (const bad of [null, 42, 'x', {}, { format: 'other' }]) {
      const r = parseCodeTables(bad);
      expect(r.problems.length).toBe(1);
      expect(r.tables.tables.size).toBe(0);
    }
    const r = parseCodeTables({ format: 'alma-sis-code-tables', version: 2, tables: { A: [{ label: 'no code' }, '', 7, 'OK'], B: 'nope' } });
    expect(r.problems.map((p) => p.path)).toEqual(['version', 'tables.A[0]', 'tables.A[1]', 'tables.A[2]', 'tables.B']);
    expect([...r.tables.tables.get('A')!.byCode.keys()]).toEqual(['OK']);
    const noName = parseCodeTables([{ row: [] }, 3]);
    expect(noName.problems.map((p) => p.path)).toEqual(['[0]', '[1]']);
  });

  it('reads which codes each record type allows, reporting bad entries', () => {
    const r = parseCodeTables({
      format: 'alma-sis-code-tables',
      tables: { UserGroups: ['UG', 'STAFF'] },
      allowed: { UserGroups: { public: ['UG'], STAFF: ['STAFF', 'UG'], CONTACT: 'UG' }, UserEmailTypes: 3 },
    });
    expect(r.problems.map((p) => p.path)).toEqual(['allowed.UserGroups.CONTACT', 'allowed.UserEmailTypes']);
    const g = r.tables.allowed!.get('UserGroups')!;
    expect([...g.keys()]).toEqual(['PUBLIC', 'STAFF']);
    expect([...g.get('PUBLIC')!]).toEqual(['UG']);
    expect(parseCodeTables({ format: 'alma-sis-code-tables', tables: {} }).tables.allowed).toBeUndefined();
  });
});
