/**
 * The two files an analysis reads besides the SIS file — the snapshot and the code tables —
 * from their text, with the one sentence that says why a file cannot be used. The adapters
 * read the bytes and add the file's name; the words are the same everywhere.
 */
import { parseSnapshot, type Snapshot, type SnapshotProblem } from '../snapshot/snapshot';
import { parseCodeTables, type CodeTableProblem, type CodeTables } from '../validate/codeTables';

/** One snapshot problem for people: the message and, when known, its line. Quotes no values. */
export function snapshotProblemText(p: SnapshotProblem): string {
  return `${p.message}${p.line ? ` (line ${p.line})` : ''}`;
}

export interface SnapshotRead {
  /** Undefined when the text cannot be used as a snapshot at all; `error` then says why. */
  readonly snapshot?: Snapshot;
  readonly error?: string;
  /** Everything the reader noticed (also on a usable snapshot: entries it ignored, ...). */
  readonly problems: readonly SnapshotProblem[];
}

export function readSnapshotText(text: string): SnapshotRead {
  const { snapshot, problems } = parseSnapshot(text);
  if (snapshot) return { snapshot, problems };
  const first = problems.find((p) => p.severity === 'error') ?? problems[0];
  return { error: first ? snapshotProblemText(first) : 'not a snapshot', problems };
}

/** Where a code-table problem is and what it is, as it follows the file's name (` at tables.X: …`). */
export function codeTableProblemText(p: CodeTableProblem): string {
  return `${p.path ? ` at ${p.path}` : ''}: ${p.message}`;
}

export interface CodeTablesRead {
  /** Undefined when the file gives no table at all; `unusable` then says why. */
  readonly tables?: CodeTables;
  /** Why no table can be used, as it follows the file's name: ` is not JSON (…)`, `: not code tables …`. */
  readonly unusable?: string;
  /** Rows and tables that were skipped (the rest is used). */
  readonly problems: readonly CodeTableProblem[];
}

/** Our code-tables JSON or Alma's code-table API JSON (a byte-order mark is allowed). */
export function readCodeTablesText(text: string): CodeTablesRead {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { unusable: ` is not JSON (${e instanceof Error ? e.message : String(e)})`, problems: [] };
  }
  const { tables, problems } = parseCodeTables(json);
  if (tables.tables.size === 0) return { unusable: problems.length > 0 ? codeTableProblemText(problems[0]) : ' holds no code table', problems };
  return { tables, problems };
}
