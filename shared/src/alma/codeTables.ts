/**
 * Fetching the institution's code tables from Alma's Configuration API, the pure part: which
 * tables the SIS fields use, and turning the answers into the code-tables file that
 * `--code-tables` and `almaSis.codeTablesPath` read (`alma-sis-code-tables`, version 1).
 *
 * The answers ("Working with the code tables API": `{name, row: [{code, description,
 * enabled}]}`) are read with the validator's own reader, so disabled rows are left out exactly
 * as when such an answer is given directly. An existing file of ours keeps what Alma's code
 * tables cannot give (`allowed`, from the mapping tables, written by hand), its other keys, and
 * the tables not fetched this time.
 */
import { USER_ELEMENT } from '../schema/user';
import type { ElementDef } from '../schema/types';
import { parseCodeTables, type CodeTableProblem } from '../validate/codeTables';

export const CODE_TABLES_FORMAT = 'alma-sis-code-tables';

function collect(def: ElementDef, out: Set<string>): void {
  // Esploro's researcher profile is not part of the SIS load of most institutions.
  if (!def.sis || def.name === 'researcher') return;
  if (def.codeTable) out.add(def.codeTable);
  for (const child of def.content?.children ?? []) collect(child, out);
}

/** The Alma code tables behind the fields the SIS load reads, in schema order. */
export function sisCodeTableNames(): string[] {
  const out = new Set<string>();
  for (const child of USER_ELEMENT.content?.children ?? []) collect(child, out);
  return [...out];
}

export interface FetchedTable {
  readonly name: string;
  /** The answer of "Retrieve code table", parsed. */
  readonly json: unknown;
}

export interface CodeTablesDocument {
  /** The file's JSON. */
  readonly json: Record<string, unknown>;
  /** Rows per table written. */
  readonly rows: ReadonlyMap<string, number>;
  readonly problems: readonly CodeTableProblem[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The code-tables file with the fetched tables, over `existing` (a previous file of ours) if given. */
export function codeTablesDocument(fetched: readonly FetchedTable[], existing?: unknown): CodeTablesDocument {
  const problems: CodeTableProblem[] = [];
  const rows = new Map<string, number>();
  const keep = isObject(existing) && existing.format === CODE_TABLES_FORMAT ? existing : undefined;
  const tables: Record<string, unknown> = { ...(keep && isObject(keep.tables) ? keep.tables : {}) };
  for (const t of fetched) {
    const parsed = parseCodeTables(isObject(t.json) ? { ...t.json, name: t.name } : t.json);
    for (const p of parsed.problems) problems.push({ path: `${t.name}${p.path ? `.${p.path}` : ''}`, message: p.message });
    const table = parsed.tables.tables.get(t.name);
    if (!table) continue;
    tables[t.name] = table.entries.map((e) => (e.label !== undefined ? { code: e.code, label: e.label } : { code: e.code }));
    rows.set(t.name, table.entries.length);
  }
  const json: Record<string, unknown> = { format: CODE_TABLES_FORMAT, version: 1, ...(keep ?? {}), tables };
  json.format = CODE_TABLES_FORMAT;
  json.version = 1;
  return { json, rows, problems };
}
