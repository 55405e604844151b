/**
 * Checks one input as a stream: bytes → text pieces → the core's `SisFeedReader` → each user
 * validated as soon as it is complete, then forgotten. Memory is bounded by the largest user plus what is
 * kept per user (its keys for the duplicate checks, one number per line for positions), not by
 * the file. The result is the same as `checkDocument` on the whole text (a test holds them equal).
 *
 * Positions come from the line starts recorded as the pieces pass. The source lines that the
 * text format shows are fetched afterwards by a second read of the input (files, zip entries
 * and standard input can all be read again), only for the lines that have a diagnostic.
 */
import type { Problem, Severity } from '../../../shared/src/diagnostics';
import { analysisInputs } from '../../../shared/src/analysis';
import { SisFeedReader } from '../../../shared/src/analysis/stream';
import type { LineStarts } from '../../../shared/src/text/lines';
import { shiftProblem } from '../../../shared/src/validate';
import { decodeBytes } from '../io/decode';
import type { InputDocument } from '../io/input';
import type { CheckOptions } from './check';
import type { Diagnostic, FileResult } from './present/model';
import { toDiagnostics } from './present/positions';

/** Longest line kept whole for the text format; beyond it, a window around the diagnostics. */
const MAX_KEPT_LINE = 10_000;
const WINDOW_MARGIN = 200;

export interface StreamCheckResult extends FileResult {
  /** How many problems of each severity were left out (below the minimum asked for). */
  readonly hidden: Readonly<Record<Severity, number>>;
  /** Fetches the source lines of these diagnostics (a second read); `lineText` answers after it. */
  loadLines(shown: readonly Diagnostic[]): Promise<void>;
}


const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

/**
 * Checks `doc` as a stream. Problems less severe than `minSeverity` are only counted (in
 * `hidden`), not kept: a large file can have hundreds of thousands of them.
 */
export async function checkDocumentStreaming(doc: InputDocument, options: CheckOptions, minSeverity: Severity = 'hint'): Promise<StreamCheckResult> {
  const problems: Problem[] = [];
  const hidden: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  const worst = RANK[minSeverity];
  const keep = (p: Problem) => {
    if (RANK[p.severity] <= worst) problems.push(p);
    else hidden[p.severity]++;
  };
  const userProblems: Problem[] = [];
  // One inputs object for the whole run: the validator prepares itself once per object.
  const reader = new SisFeedReader(analysisInputs(options.settings, options), ({ user, analysis }) => {
    for (const p of analysis.problems) if (RANK[p.severity] <= worst) userProblems.push(shiftProblem(p, user.start));
    else hidden[p.severity]++;
  });
  const decoded = decodeBytes(doc.bytes());
  for await (const piece of decoded.pieces) reader.push(piece);
  for (const p of decoded.problems) keep(p);
  if (!decoded.undecodable) {
    const file = reader.end();
    // A UTF-16 file is reported once from its bytes; its declaration would say it a second time.
    const encodingReported = decoded.problems.some((p) => p.code === 'unsupported-encoding');
    for (const p of file.frameProblems) if (!(encodingReported && p.code === 'unsupported-encoding')) keep(p);
    problems.push(...userProblems);
    for (const p of file.fileWideProblems) keep(p);
  }
  return toStreamResult(doc, problems, reader.lines, hidden);
}

function toStreamResult(doc: InputDocument, problems: Problem[], lines: LineStarts, hidden: Record<Severity, number>): StreamCheckResult {
  const length = lines.length;
  const diagnostics = toDiagnostics(problems, length, (o) => lines.positionAt(o));

  // Source text for the excerpts: a whole line when it is short, else a window per diagnostic.
  const kept = new Map<string, { text: string; cut: number }>();
  const keyOf = new Map<Diagnostic, string>();
  const result: StreamCheckResult = {
    path: doc.path,
    diagnostics,
    hidden,
    lineText: (line) => kept.get(`L${line}`)?.text ?? '',
    lineFor: (d) => kept.get(keyOf.get(d) ?? `L${d.range.start.line}`) ?? { text: '', cut: 0 },
    loadLines: async (shown) => {
      if (shown.length === 0) return;
      // Absolute ranges to copy, in text order.
      const wanted = new Map<string, { start: number; end: number; cut: number }>();
      shown.forEach((d, i) => {
        const line = d.range.start.line;
        const start = lines.lineStart(line);
        const end = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : length;
        if (end - start <= MAX_KEPT_LINE) {
          wanted.set(`L${line}`, { start, end, cut: 0 });
          return;
        }
        const to = d.range.end.line > line ? d.range.start.character + 1 : d.range.end.character;
        const from = Math.max(start, start + d.range.start.character - WINDOW_MARGIN);
        const key = `D${i}`;
        keyOf.set(d, key);
        wanted.set(key, { start: from, end: Math.min(end, start + Math.min(to, d.range.start.character + MAX_KEPT_LINE) + WINDOW_MARGIN), cut: from - start });
      });
      const ranges = [...wanted.entries()].sort((a, b) => a[1].start - b[1].start);
      const parts = new Map<string, string[]>();
      let at = 0;
      let first = 0;
      const again = decodeBytes(doc.bytes());
      for await (const piece of again.pieces) {
        const pieceEnd = at + piece.length;
        // Ranges may straddle pieces: take what lies in this one, the rest comes with the next.
        while (first < ranges.length && ranges[first][1].end <= at) first++;
        for (let k = first; k < ranges.length && ranges[k][1].start < pieceEnd; k++) {
          const [key, r] = ranges[k];
          if (r.end <= at) continue;
          const list = parts.get(key) ?? [];
          list.push(piece.slice(Math.max(0, r.start - at), Math.min(piece.length, r.end - at)));
          parts.set(key, list);
        }
        at = pieceEnd;
      }
      // The input changed between the two reads: better no excerpt than a wrong one.
      if (at !== length) return;
      for (const [key, r] of ranges) kept.set(key, { text: (parts.get(key) ?? []).join('').replace(/[\r\n]+$/, ''), cut: r.cut });
    },
  };
  return result;
}

