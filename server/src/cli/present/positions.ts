/** The core's offsets → the 0-based LSP positions every format prints (via the lead's `LineIndex`). */
import type { Problem } from '../../../../shared/src/diagnostics';
import { LineIndex } from '../../../../shared/src/text/lines';
import { compareDiagnostics, type Diagnostic, type FileResult } from './model';

/** Problems (absolute offsets) → sorted diagnostics with 0-based line/character. */
export function toFileResult(path: string, text: string, problems: readonly Problem[]): FileResult {
  const lines = new LineIndex(text);
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const p of problems) {
    const key = `${p.code}\u0000${p.start}\u0000${p.end}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const start = Math.max(0, Math.min(p.start, text.length));
    const end = Math.max(start, Math.min(p.end, text.length));
    diagnostics.push({ code: p.code, severity: p.severity, message: p.message, range: { start: lines.positionAt(start), end: lines.positionAt(end) } });
  }
  diagnostics.sort(compareDiagnostics);
  return { path, diagnostics, lineText: (line) => lines.lineText(line) };
}
