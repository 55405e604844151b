/**
 * `--code-tables FILE`: the institution's code tables (our JSON or Alma's code-table API JSON,
 * see `shared/src/validate/codeTables.ts`). Read here, parsed by the core. A file that gives no
 * table at all is an unusable input (exit 2); bad rows in a usable file are warnings.
 */
import * as fs from 'node:fs';
import { parseCodeTables, type CodeTables } from '../../../shared/src/validate';
import { InputError, fsErrorMessage } from '../io/input';

export async function loadCodeTables(file: string): Promise<{ tables: CodeTables; warnings: string[] }> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`--code-tables: ${fsErrorMessage(file, e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new InputError(`--code-tables: ${file} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const { tables, problems } = parseCodeTables(json);
  const describe = (p: { path: string; message: string }) => `--code-tables: ${file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`;
  if (tables.tables.size === 0) {
    throw new InputError(problems.length > 0 ? describe(problems[0]) : `--code-tables: ${file} holds no code table`);
  }
  return { tables, warnings: problems.map(describe) };
}
