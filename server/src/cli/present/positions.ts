/** The core's offsets → the 0-based LSP positions every format prints (via the lead's `LineIndex`). */
import type { Problem, Severity } from '../../../../shared/src/diagnostics';
import { LineIndex, type Position } from '../../../../shared/src/text/lines';
import type { Diagnostic, FileResult } from './model';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

/** Document order: start, end, severity, code (the order of `compareDiagnostics`, on offsets). */
function compareProblems(a: Problem, b: Problem): number {
  return a.start - b.start || a.end - b.end || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * Problems (absolute offsets into a text of `length`) → diagnostics with 0-based
 * line/character, in document order, exact duplicates dropped. Files can have hundreds of
 * thousands of problems: sorted first, so duplicates are neighbours and no key strings are built.
 */
export function toDiagnostics(
  problems: readonly Problem[],
  length: number,
  positionAt: (offset: number) => Position,
  /** The feed's file at this position: its path and line counter (for related locations). */
  feedFile?: (file: number) => { readonly path: string; positionAt(offset: number): Position },
): Diagnostic[] {
  const clamp = (o: number) => Math.max(0, Math.min(o, length));
  const sorted = problems.map((p) => ({ ...p, start: clamp(p.start), end: Math.max(clamp(p.start), clamp(p.end)) })).sort(compareProblems);
  const diagnostics: Diagnostic[] = [];
  let runStart = 0;
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i];
    const first = sorted[runStart];
    if (i > 0 && !(first.start === p.start && first.end === p.end && first.severity === p.severity && first.code === p.code)) runStart = i;
    let duplicate = false;
    for (let k = runStart; k < i && !duplicate; k++) duplicate = sorted[k].message === p.message;
    if (duplicate) continue;
    const d: Diagnostic = { code: p.code, severity: p.severity, message: p.message, range: { start: positionAt(p.start), end: positionAt(p.end) } };
    const related = feedFile && p.related?.map((r) => {
      const f = feedFile(r.file);
      return { path: f.path, range: { start: f.positionAt(r.start), end: f.positionAt(r.end) }, message: r.message };
    });
    diagnostics.push(related || p.group ? { ...d, ...(related ? { related } : {}), ...(p.group ? { group: p.group } : {}) } : d);
  }
  return diagnostics;
}

/** The diagnostics of a whole text. */
export function toFileResult(path: string, text: string, problems: readonly Problem[]): FileResult {
  const lines = new LineIndex(text);
  const positionAt = (o: number) => lines.positionAt(o);
  return { path, diagnostics: toDiagnostics(problems, text.length, positionAt, () => ({ path, positionAt })), lineText: (line) => lines.lineText(line) };
}
