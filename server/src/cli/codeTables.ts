/**
 * `--code-tables FILE`: the institution's code tables (our JSON or Alma's code-table API JSON,
 * docs/diagnostics.md). Read here, understood by the core. A file that gives no table at all is
 * an unusable input (exit 2); bad rows in a usable file are warnings.
 */
import * as fs from 'node:fs';
import { codeTableProblemText, readCodeTablesText } from '../../../shared/src/analysis';
import type { CodeTables } from '../../../shared/src/validate';
import { InputError, fsErrorMessage } from '../io/input';

export async function loadCodeTables(file: string): Promise<{ tables: CodeTables; warnings: string[] }> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`--code-tables: ${fsErrorMessage(file, e)}`);
  }
  const read = readCodeTablesText(text);
  if (!read.tables) throw new InputError(`--code-tables: ${file}${read.unusable}`);
  return { tables: read.tables, warnings: read.problems.map((p) => `--code-tables: ${file}${codeTableProblemText(p)}`) };
}
