/**
 * `alma-sis validate --format json`: contract §4 to the letter (`format`, `version`,
 * `files[].path`, `files[].diagnostics[]` with 0-based LSP ranges), plus two additions the
 * contract allows: a `summary` of the counts and the `unreadable` inputs.
 */
import { countSeverities, type FileFailure, type FileResult } from './model';

export function formatJson(files: readonly FileResult[], failures: readonly FileFailure[]): string {
  const counts = countSeverities(files);
  const report = {
    format: 'alma-sis-diagnostics',
    version: 1,
    files: files.map((f) => ({
      path: f.path,
      diagnostics: f.diagnostics.map((d) => ({
        code: d.code,
        severity: d.severity,
        message: d.message,
        range: {
          start: { line: d.range.start.line, character: d.range.start.character },
          end: { line: d.range.end.line, character: d.range.end.character },
        },
      })),
    })),
    summary: { files: files.length, errors: counts.error, warnings: counts.warning, information: counts.information, hints: counts.hint },
    unreadable: failures.map((f) => ({ path: f.path, message: f.error })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
