/**
 * What the presenters of `alma-sis validate` print: per file, its diagnostics with 0-based
 * LSP positions (UTF-16 characters) already worked out from the core's offsets.
 */
import type { DiagnosticCode, Severity } from '../../../../shared/src/diagnostics';
import type { Position } from '../../../../shared/src/text/lines';

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly range: Range;
  /** Other places it is about (the first holder of a duplicate value, maybe in another file of the feed). */
  readonly related?: readonly RelatedDiagnosticLocation[];
  /** A grouped finding: how many occurrences it stands for, and in how many users (`related` lists the next ones, capped). */
  readonly group?: { readonly count: number; readonly users: number };
}

export interface RelatedDiagnosticLocation {
  /** As `FileResult.path`. */
  readonly path: string;
  readonly range: Range;
  readonly message: string;
}

export interface FileResult {
  /** As given (or `zip!/entry`, `<stdin>`). */
  readonly path: string;
  /** Sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The text of a 0-based line (for the source excerpt); '' when unknown. */
  readonly lineText: (line: number) => string;
  /**
   * The source shown under one diagnostic when only part of its (very long) line is known:
   * `text` starts at column `cut` of the line. Falls back to `lineText` when absent.
   */
  readonly lineFor?: (d: Diagnostic) => { readonly text: string; readonly cut: number };
}

/** A file that could not be read at all (exit 2). */
export interface FileFailure {
  readonly path: string;
  readonly error: string;
}

export interface Counts {
  error: number;
  warning: number;
  information: number;
  hint: number;
}

export function countSeverities(files: readonly FileResult[]): Counts {
  const counts: Counts = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const f of files) for (const d of f.diagnostics) counts[d.severity]++;
  return counts;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}
