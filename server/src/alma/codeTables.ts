/**
 * Fetching code tables from Alma's Configuration API ("Retrieve code table") into the
 * code-tables file, for `alma-sis code-tables fetch` and the editor's "Fetch Code Tables from
 * Alma". The calls go through the same runner (throttle, retries, daily threshold) as the
 * refresh; the file is written beside the target and renamed over it, and a file already there
 * is replaced only when it is code tables.
 */
import * as fs from 'node:fs';
import { codeTablePath } from '../../../shared/src/alma/api';
import { codeTablesDocument, type FetchedTable } from '../../../shared/src/alma/codeTables';
import { parseCodeTables } from '../../../shared/src/validate/codeTables';
import { writeFileAtomic, type TargetKind } from '../io/snapshotFile';
import { AlmaStop, runCalls, type RunnerOptions, type RunnerStats } from './runner';

const CODE_TABLES_TARGET: TargetKind = {
  name: 'a code-tables file',
  accepts(text) {
    try {
      return parseCodeTables(JSON.parse(text.replace(/^\uFEFF/, ''))).tables.tables.size > 0;
    } catch {
      return false;
    }
  },
};

export interface CodeTablesFetch {
  /** Rows written per table. */
  readonly rows: ReadonlyMap<string, number>;
  /** Tables Alma did not give, in its words. */
  readonly missing: readonly { readonly name: string; readonly message: string }[];
  /** Rows of the answers that could not be read. */
  readonly problems: readonly string[];
  readonly stats: RunnerStats;
}

async function readExisting(file: string): Promise<unknown> {
  try {
    return JSON.parse((await fs.promises.readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

/** Fetches `names` and writes `out` (unless every table failed: then nothing is written). */
export async function fetchCodeTables(names: readonly string[], out: string, options: RunnerOptions): Promise<CodeTablesFetch> {
  const stats: RunnerStats = { requests: 0, retries: 0, throttled: 0, finalRate: 0 };
  const outcomes = await runCalls(names.map(codeTablePath), options, stats);
  const fetched: FetchedTable[] = [];
  const missing: { name: string; message: string }[] = [];
  outcomes.forEach((o, k) => {
    if (o.kind === 'ok') fetched.push({ name: names[k], json: o.json });
    else if (o.kind === 'not-found') missing.push({ name: names[k], message: o.error.message || o.error.code });
    else missing.push({ name: names[k], message: o.message });
  });
  const doc = codeTablesDocument(fetched, await readExisting(out));
  for (const t of fetched) if (!doc.rows.has(t.name)) missing.push({ name: t.name, message: 'the answer holds no code table' });
  if (options.signal?.aborted) throw new AlmaStop('cancelled', 'Cancelled: nothing was written.');
  if (doc.rows.size > 0) await writeFileAtomic(out, `${JSON.stringify(doc.json, null, 2)}\n`, { backup: true, kind: CODE_TABLES_TARGET });
  return { rows: doc.rows, missing, problems: doc.problems.map((p) => `${p.path}: ${p.message}`), stats };
}
