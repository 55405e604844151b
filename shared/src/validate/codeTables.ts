/**
 * Institution code tables (Alma's Configuration API, `/almaws/v1/conf/code-tables/{name}`;
 * docs/diagnostics.md, "Code tables"): optional, given as JSON. Two shapes are accepted:
 *
 * 1. Ours:
 *    `{ "format": "alma-sis-code-tables", "version": 1,
 *       "tables": { "UserGroups": [{ "code": "UG", "label": "Undergraduate" }, "GRAD"] } }`
 *    (a row may be a bare code string; `label` may also be spelled `description`).
 * 2. Alma's code-table API JSON (`GET /almaws/v1/conf/code-tables/{name}`):
 *    `{ "name": "UserGroups", "row": [{ "code": "UG", "description": "Undergraduate", "enabled": true }] }`,
 *    or a list of such objects. Rows with `"enabled": false` are left out.
 *
 * Our format may also say which codes each record type allows (Alma's mapping tables
 * `UserRecordTypeUserGroup` and `MT_UserRecordType2*Type`):
 *    `"allowed": { "UserGroups": { "PUBLIC": ["UG", "GRAD"], "STAFF": ["STAFF"] } }`.
 *
 * Tables are keyed by Alma's code-table name (`UserGroups`, `UserIdentifierTypes`, ...). Fields
 * with no Alma table of their own (`campus_code`, `cataloger_level`, `rs_library/code`) look up a
 * table named after the element instead.
 */

export interface CodeEntry {
  readonly code: string;
  readonly label?: string;
}

export interface CodeTable {
  readonly name: string;
  /** Rows in the order given. */
  readonly entries: readonly CodeEntry[];
  /** Exact code → entry. */
  readonly byCode: ReadonlyMap<string, CodeEntry>;
  /** Lower-cased code → entry (for the case-mismatch warning). */
  readonly byLowerCode: ReadonlyMap<string, CodeEntry>;
}

export interface CodeTables {
  readonly tables: ReadonlyMap<string, CodeTable>;
  /** Table name → record type (upper case) → the codes allowed for it. Absent: no restriction. */
  readonly allowed?: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

/** A problem with the code-table JSON; `path` says where (e.g. `tables.UserGroups[3]`). */
export interface CodeTableProblem {
  readonly path: string;
  readonly message: string;
}

export const EMPTY_CODE_TABLES: CodeTables = { tables: new Map() };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function makeCodeTable(name: string, entries: readonly CodeEntry[]): CodeTable {
  const byCode = new Map<string, CodeEntry>();
  const byLowerCode = new Map<string, CodeEntry>();
  for (const e of entries) {
    if (!byCode.has(e.code)) byCode.set(e.code, e);
    const l = e.code.toLowerCase();
    if (!byLowerCode.has(l)) byLowerCode.set(l, e);
  }
  return { name, entries, byCode, byLowerCode };
}

function readRows(rows: unknown, path: string, problems: CodeTableProblem[], almaShape: boolean): CodeEntry[] {
  const out: CodeEntry[] = [];
  if (!Array.isArray(rows)) {
    // Alma's API returns a single row as an object in some serialisations.
    if (isObject(rows)) rows = [rows];
    else {
      problems.push({ path, message: 'expected a list of rows' });
      return out;
    }
  }
  (rows as unknown[]).forEach((row, i) => {
    const p = `${path}[${i}]`;
    if (typeof row === 'string') {
      if (row.trim() === '') problems.push({ path: p, message: 'empty code' });
      else out.push({ code: row.trim() });
      return;
    }
    if (!isObject(row)) {
      problems.push({ path: p, message: 'expected a code string or an object with "code"' });
      return;
    }
    if (almaShape && (row.enabled === false || row.enabled === 'false')) return;
    const code = row.code;
    if (typeof code !== 'string' && typeof code !== 'number') {
      problems.push({ path: p, message: 'row without a "code"' });
      return;
    }
    const c = String(code).trim();
    if (c === '') {
      problems.push({ path: p, message: 'empty code' });
      return;
    }
    const label = row.label ?? row.description;
    out.push(typeof label === 'string' && label !== '' ? { code: c, label } : { code: c });
  });
  return out;
}

function readAllowed(raw: unknown, problems: CodeTableProblem[]): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  if (!isObject(raw)) {
    problems.push({ path: 'allowed', message: 'expected an object: table name → record type → list of codes' });
    return out;
  }
  for (const [table, byType] of Object.entries(raw)) {
    if (!isObject(byType)) {
      problems.push({ path: `allowed.${table}`, message: 'expected an object: record type → list of codes' });
      continue;
    }
    const m = new Map<string, Set<string>>();
    for (const [recordType, codes] of Object.entries(byType)) {
      if (!Array.isArray(codes) || !codes.every((c) => typeof c === 'string')) {
        problems.push({ path: `allowed.${table}.${recordType}`, message: 'expected a list of codes' });
        continue;
      }
      m.set(recordType.trim().toUpperCase(), new Set(codes.map((c) => c.trim())));
    }
    if (m.size > 0) out.set(table, m);
  }
  return out;
}

/** Parse code tables from already-decoded JSON. Never throws; bad parts are reported and skipped. */
export function parseCodeTables(json: unknown): { tables: CodeTables; problems: CodeTableProblem[] } {
  const problems: CodeTableProblem[] = [];
  const tables = new Map<string, CodeTable>();
  const add = (name: string, entries: CodeEntry[]) => {
    const prev = tables.get(name);
    tables.set(name, makeCodeTable(name, prev ? [...prev.entries, ...entries] : entries));
  };
  const readAlma = (obj: Record<string, unknown>, path: string) => {
    if (typeof obj.name !== 'string' || obj.name.trim() === '') {
      problems.push({ path, message: 'code table without a "name"' });
      return;
    }
    add(obj.name.trim(), readRows(obj.row ?? [], `${path}.row`, problems, true));
  };

  if (Array.isArray(json)) {
    json.forEach((t, i) => {
      if (isObject(t)) readAlma(t, `[${i}]`);
      else problems.push({ path: `[${i}]`, message: 'expected a code table object with "name" and "row"' });
    });
  } else if (isObject(json) && json.format === 'alma-sis-code-tables') {
    if (json.version !== undefined && json.version !== 1) {
      problems.push({ path: 'version', message: `unsupported version ${JSON.stringify(json.version)} (this tool reads version 1)` });
    }
    if (!isObject(json.tables)) problems.push({ path: 'tables', message: 'expected an object of tables' });
    else for (const [name, rows] of Object.entries(json.tables)) add(name, readRows(rows, `tables.${name}`, problems, false));
    if (json.allowed !== undefined) {
      const allowed = readAllowed(json.allowed, problems);
      if (allowed.size > 0) return { tables: { tables, allowed }, problems };
    }
  } else if (isObject(json) && 'row' in json) {
    readAlma(json, '');
  } else if (isObject(json) && Array.isArray(json.code_table)) {
    // A list wrapped the way some API clients save it: { "code_table": [ {name,row}, ... ] }.
    json.code_table.forEach((t, i) => {
      if (isObject(t)) readAlma(t, `code_table[${i}]`);
      else problems.push({ path: `code_table[${i}]`, message: 'expected a code table object' });
    });
  } else {
    problems.push({
      path: '',
      message: 'not code tables: expected {"format": "alma-sis-code-tables", "tables": {...}} or Alma\'s code-table JSON ({"name", "row"} or a list of them)',
    });
  }
  return { tables: { tables }, problems };
}
