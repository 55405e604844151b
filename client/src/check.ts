/**
 * The check before "Package for Upload": the file's bytes as Alma will receive them (encoding,
 * byte-order mark) and the validator of the shared core. Pure apart from TextDecoder, so it is
 * tested in plain Node.
 */
import type { Problem } from '../../shared/src/diagnostics';
import type { Settings } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { findInvalidUtf8, inspectBytes, invalidUtf8Problem } from '../../shared/src/text/encoding';
import { LineIndex } from '../../shared/src/text/lines';
import { validateDocument, type CodeTables } from '../../shared/src/validate';

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

export function checkForUpload(bytes: Uint8Array, settings: Settings, today: string | undefined, codeTables?: CodeTables): UploadCheck {
  const inspection = inspectBytes(bytes);
  const problems: Problem[] = [...inspection.problems];
  let text = '';
  if (inspection.encoding === 'utf-8') {
    text = new TextDecoder('utf-8').decode(bytes); // a BOM is dropped here and reported by the validator
    if (bytes.length > inspection.bomLength) {
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        valid = false;
      }
      if (!valid) for (const f of findInvalidUtf8(bytes)) problems.push(invalidUtf8Problem(f, f.unitOffset));
    }
    if (inspection.bomLength > 0) {
      problems.push({ code: 'bom', severity: 'warning', message: 'The file starts with a UTF-8 byte-order mark.', start: 0, end: 0 });
    }
    problems.push(...validateDocument(readSisDocument(text), { settings, today, codeTables }));
  }
  const lines = new LineIndex(text);
  const errors: UploadFinding[] = [];
  let warnings = 0;
  for (const p of problems) {
    if (p.severity === 'error') {
      const pos = lines.positionAt(p.start);
      errors.push({ line: pos.line + 1, column: pos.character + 1, code: p.code, message: p.message });
    } else if (p.severity === 'warning') warnings++;
  }
  return { errors, warnings };
}
