/**
 * The check before "Package for Upload": the file's bytes as Alma will receive them, checked
 * as `alma-sis validate` checks a file (`checkBytes`: encoding, byte-order mark, the core's
 * validator), and its errors at 1-based lines and columns for the message.
 */
import type { Settings } from '../../shared/src/settings';
import type { CodeTables } from '../../shared/src/validate';
import { checkBytes } from '../../server/src/cli/check';

export interface UploadFinding {
  /** 1-based line and column, as people count. */
  readonly line: number;
  readonly column: number;
  readonly code: string;
  readonly message: string;
}

export interface UploadCheck {
  readonly errors: readonly UploadFinding[];
  readonly warnings: number;
}

export async function checkForUpload(bytes: Uint8Array, settings: Settings, today: string | undefined, codeTables?: CodeTables): Promise<UploadCheck> {
  const { diagnostics } = await checkBytes('upload.xml', bytes, { settings, today: today ?? '', codeTables });
  const errors: UploadFinding[] = [];
  let warnings = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors.push({ line: d.range.start.line + 1, column: d.range.start.character + 1, code: d.code, message: d.message });
    else if (d.severity === 'warning') warnings++;
  }
  return { errors, warnings };
}
