/**
 * Checks one input document held whole: bytes → text (encoding problems) → `readSisDocument` →
 * `validateDocument` → diagnostics with LSP positions. `alma-sis validate` runs the streaming
 * twin (`streamCheck.ts`), which tests hold equal to this; callers that have the bytes in hand
 * (the extension's upload check, the fuzzer, the corpus tests) use this one.
 */
import { groupDocumentProblems } from '../../../shared/src/analysis';
import type { Problem } from '../../../shared/src/diagnostics';
import type { Settings } from '../../../shared/src/settings';
import { readSisDocument } from '../../../shared/src/sis/read';
import { validateDocument, type CodeTables } from '../../../shared/src/validate';
import { decodeAll } from '../io/decode';
import type { InputDocument } from '../io/input';
import type { FileResult } from './present/model';
import { toFileResult } from './present/positions';

export interface CheckOptions {
  readonly settings: Settings;
  /** `YYYY-MM-DD`: the core has no clock; the command line passes today's date (or `--today`). */
  readonly today: string;
  readonly codeTables?: CodeTables;
  /** Every occurrence of a grouped finding on its own (`--all-findings`); by default they are grouped. */
  readonly allFindings?: boolean;
  /**
   * Per file, the findings kept beyond which the others are only counted (`--max-findings`;
   * undefined or 0: no limit). Bounds memory on a degenerate file where every one of millions of
   * users carries a finding; file-wide findings and grouped ones are always kept.
   */
  readonly maxFindings?: number;
}

/** The diagnostics of a text whose encoding problems are already known. */
export function checkText(path: string, text: string, encodingProblems: readonly Problem[], options: CheckOptions, undecodable = false): FileResult {
  const problems: Problem[] = [...encodingProblems];
  if (!undecodable) {
    const doc = readSisDocument(text);
    let found = validateDocument(doc, { settings: options.settings, today: options.today, codeTables: options.codeTables });
    if (!options.allFindings) found = groupDocumentProblems(found, doc.users);
    // A UTF-16 file is reported once from its bytes; its declaration would say it a second time.
    const encodingReported = encodingProblems.some((p) => p.code === 'unsupported-encoding');
    for (const p of found) if (!(encodingReported && p.code === 'unsupported-encoding')) problems.push(p);
  }
  return toFileResult(path, text, problems);
}

/** Reads and checks one document. I/O failures surface as `InputError` from the byte iterator. */
export async function checkDocument(doc: InputDocument, options: CheckOptions): Promise<FileResult> {
  const { text, problems, undecodable } = await decodeAll(doc.bytes());
  return checkText(doc.path, text, problems, options, undecodable);
}

/** Bytes in memory → diagnostics (for tests and callers that already hold the bytes). */
export async function checkBytes(path: string, bytes: Uint8Array, options: CheckOptions): Promise<FileResult> {
  return checkDocument(
    {
      path,
      bytes: async function* () {
        yield bytes;
      },
    },
    options,
  );
}
