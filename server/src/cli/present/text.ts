/**
 * The people's format of `alma-sis validate`:
 *
 *   users.xml:42:7: error duplicate-identifier: The identifier ...
 *     42 |       <value>123</value>
 *        |       ^^^^^^^^^^^^^^^^^^
 *
 * then one summary line. Colour only when asked for (a terminal without NO_COLOR). Text from
 * the file is shown with control characters replaced, so a hostile file cannot drive the terminal.
 */
import { thousands } from '../../../../shared/src/analysis';
import type { Severity } from '../../../../shared/src/diagnostics';
import { countSeverities, type Counts, type Diagnostic, type FileFailure, type FileResult } from './model';

export interface TextOptions {
  readonly color: boolean;
  /** Longest source excerpt shown, in characters (long lines are cut around the range). */
  readonly width?: number;
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', blue: '\x1b[34m', cyan: '\x1b[36m' };

const SEVERITY_COLOR: Record<Severity, string> = { error: ANSI.red, warning: ANSI.yellow, information: ANSI.blue, hint: ANSI.cyan };

/** True when colour should be used: a terminal, and NO_COLOR unset or empty (https://no-color.org). */
export function wantColor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

/** Replaces control characters (C0 but tab, DEL, C1) by U+FFFD; tabs by one space to keep the caret aligned. */
export function printable(s: string): string {
  return s.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\ufffd');
}

/**
 * The excerpt of one source line with the marker under `[from, to)` (UTF-16 characters of the
 * line). Columns are counted in code points, so characters outside the BMP take one column.
 */
export function excerpt(line: string, from: number, to: number, width = 120, cutBefore = false): { text: string; marker: string } {
  // Display column of every UTF-16 index (surrogate pairs share one column).
  const cols: number[] = new Array(line.length + 1);
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    cols[i] = col;
    const c = line.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < line.length) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cols[i + 1] = col;
        i++;
      }
    }
    col++;
  }
  cols[line.length] = col;
  const f = Math.max(0, Math.min(from, line.length));
  const t = Math.max(f, Math.min(to, line.length));
  const codePoints = Array.from(printable(line));
  let startCol = cols[f];
  let endCol = Math.max(cols[t], startCol + 1);
  let first = 0;
  let last = codePoints.length;
  if (codePoints.length > width) {
    // Cut the line around the start of the range, keeping some context before it.
    first = Math.max(0, Math.min(startCol - Math.floor(width / 3), codePoints.length - width));
    last = Math.min(codePoints.length, first + width);
  }
  let text = codePoints.slice(first, last).join('');
  let shift = first;
  if (first > 0 || cutBefore) {
    text = `…${text}`;
    shift -= 1;
  }
  if (last < codePoints.length) text = `${text}…`;
  startCol -= shift;
  endCol = Math.min(endCol - shift, text.length + 1);
  const marker = ' '.repeat(Math.max(0, startCol)) + '^'.repeat(Math.max(1, endCol - startCol));
  return { text, marker };
}

function paint(on: boolean, code: string, s: string): string {
  return on ? `${code}${s}${ANSI.reset}` : s;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One diagnostic: the heading line, then the source excerpt. */
export function formatDiagnostic(file: FileResult, d: Diagnostic, options: TextOptions): string {
  const c = options.color;
  const where = `${file.path}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
  // Related places (the first holder of a duplicate) as `= see path:line:col: message` lines; a
  // grouped finding's next occurrences on one `= also at line:col, ...` line (same file, same code).
  const related = d.group
    ? relatedOfGroup(file, d, c)
    : (d.related ?? []).map((r) => `\n  ${paint(c, ANSI.dim, '=')} see ${printable(`${r.path}:${r.range.start.line + 1}:${r.range.start.character + 1}`)}: ${printable(r.message)}`).join('');
  const head = `${paint(c, ANSI.bold, printable(where))}: ${paint(c, SEVERITY_COLOR[d.severity] + ANSI.bold, d.severity)} ${paint(c, ANSI.dim, d.code)}: ${printable(d.message)}${related}`;
  // Only part of a very long line may be known: columns count from where that part starts.
  const { text: line, cut } = file.lineFor ? file.lineFor(d) : { text: file.lineText(d.range.start.line), cut: 0 };
  if (line === '' && d.range.start.character === 0) return `${head}\n`;
  const to = d.range.end.line > d.range.start.line ? cut + line.length : d.range.end.character;
  const { text, marker } = excerpt(line, d.range.start.character - cut, to - cut, options.width, cut > 0);
  const num = String(d.range.start.line + 1);
  const gutter = ' '.repeat(num.length);
  return `${head}\n  ${paint(c, ANSI.dim, `${num} |`)} ${text}\n  ${paint(c, ANSI.dim, `${gutter} |`)} ${paint(c, SEVERITY_COLOR[d.severity], marker)}\n`;
}

/** `= also at 45:12, 60:12, … (--all-findings shows each)`: where a grouped finding occurs next. */
function relatedOfGroup(file: FileResult, d: Diagnostic, c: boolean): string {
  const places = (d.related ?? []).map((r) => (r.path === file.path ? '' : `${r.path}:`) + `${r.range.start.line + 1}:${r.range.start.character + 1}`);
  const more = (d.group?.count ?? 1) - 1 - places.length;
  const tail = more > 0 ? `, … ${thousands(more)} more` : '';
  return `\n  ${paint(c, ANSI.dim, '=')} also at ${printable(places.join(', '))}${tail} (--all-findings shows each)`;
}

/** The summary line: `3 files checked: 2 errors, 1 warning.` */
export function summaryLine(files: readonly FileResult[], failures: readonly FileFailure[], options: TextOptions): string {
  return summaryFromCounts(files.length, countSeverities(files), failures.length, options);
}

/** The summary line from counts alone (the command line does not keep every file's diagnostics). */
export function summaryFromCounts(fileCount: number, counts: Counts, failureCount: number, options: TextOptions): string {
  const parts: string[] = [];
  if (counts.error) parts.push(paint(options.color, ANSI.red + ANSI.bold, plural(counts.error, 'error')));
  if (counts.warning) parts.push(paint(options.color, ANSI.yellow, plural(counts.warning, 'warning')));
  if (counts.information) parts.push(plural(counts.information, 'note'));
  if (counts.hint) parts.push(plural(counts.hint, 'hint'));
  const checked = `${plural(fileCount, 'file')} checked`;
  const unreadable = failureCount ? `, ${plural(failureCount, 'file')} could not be read` : '';
  return `${checked}${unreadable}: ${parts.length ? parts.join(', ') : 'no problems'}.\n`;
}

/** The whole text report. */
export function formatText(files: readonly FileResult[], failures: readonly FileFailure[], options: TextOptions): string {
  const out: string[] = [];
  for (const f of files) for (const d of f.diagnostics) out.push(formatDiagnostic(f, d, options));
  if (out.length) out.push('');
  out.push(summaryLine(files, failures, options));
  return out.join('\n');
}
