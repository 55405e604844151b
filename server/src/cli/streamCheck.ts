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
import { analysisInputs, asFinding, FindingGrouper, groupedProblem } from '../../../shared/src/analysis';
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
  /** How many problems of each severity were only counted: the file had more than `maxFindings`. */
  readonly omitted: Readonly<Record<Severity, number>>;
  /** Fetches the source lines of these diagnostics (a second read); `lineText` answers after it. */
  loadLines(shown: readonly Diagnostic[]): Promise<void>;
}


const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

/** One file of a feed as read: its problems, its line starts, and what was not kept. */
interface ReadFile {
  readonly doc: InputDocument;
  readonly problems: Problem[];
  /** The file's grouped findings so far (each group: the first, the counts, the related list capped). */
  readonly groups?: FindingGrouper<Problem>;
  readonly lines: LineStarts;
  readonly hidden: Record<Severity, number>;
  readonly omitted: Record<Severity, number>;
  failed?: boolean;
}

/**
 * Checks the documents of one feed as a stream, one after the other (a single file, or the XML
 * files of a zip that Alma reads as one run): duplicates are found across the files, each with
 * its first holder as related information, and a first holder in an earlier file gets a note.
 * Problems less severe than `minSeverity` are only counted (in `hidden`), not kept: a large file
 * can have hundreds of thousands of them. A harmless finding repeated across users is kept
 * once per file and code (the core's `FindingGrouper`: the first, two counts and the related
 * list capped) unless `options.allFindings`. A file that fails to read is reported through
 * `onFailure` and left out; the others go on.
 */
export async function checkFeedStreaming(
  docs: readonly InputDocument[],
  options: CheckOptions,
  minSeverity: Severity = 'hint',
  onFailure: (doc: InputDocument, e: unknown) => void = (_d, e) => {
    throw e;
  },
): Promise<StreamCheckResult[]> {
  const worst = RANK[minSeverity];
  const max = options.maxFindings || Infinity;
  const keep = (f: ReadFile, p: Problem) => {
    if (RANK[p.severity] <= worst) f.problems.push(p);
    else f.hidden[p.severity]++;
  };
  // A user's findings beyond the limit are counted only; those of the whole file are always kept.
  const keepOfUser = (f: ReadFile, p: Problem) => {
    if (RANK[p.severity] <= worst && f.problems.length >= max) f.omitted[p.severity]++;
    else keep(f, p);
  };
  const files: ReadFile[] = [];
  let current: ReadFile | undefined;
  // One inputs object for the whole run: the validator prepares itself once per object.
  const reader = new SisFeedReader(analysisInputs(options.settings, options), ({ user, analysis }) => {
    const file = current!;
    const start = user.start;
    // Absolute offsets only for what is kept: a grouped finding is mostly just counted.
    const absolute = (p: Problem) => shiftProblem(p, start);
    for (const p of analysis.problems) {
      if (!file.groups?.offer(p, user.index, absolute)) keepOfUser(file, absolute(p));
    }
  }, docs[0]?.path);
  for (const [i, doc] of docs.entries()) {
    if (i > 0) reader.nextFile(doc.path);
    const groups = options.allFindings ? undefined : new FindingGrouper<Problem>(asFinding);
    const file: ReadFile = { doc, problems: [], groups, lines: reader.lines, hidden: { error: 0, warning: 0, information: 0, hint: 0 }, omitted: { error: 0, warning: 0, information: 0, hint: 0 } };
    current = file;
    files.push(file);
    let ended = false;
    try {
      const decoded = decodeBytes(doc.bytes());
      for await (const piece of decoded.pieces) reader.push(piece);
      const read = reader.end();
      ended = true;
      for (const g of groups?.result() ?? []) keep(file, groupedProblem(g, i));
      for (const p of decoded.problems) keep(file, p);
      if (decoded.undecodable) continue;
      // A UTF-16 file is reported once from its bytes; its declaration would say it a second time.
      const encodingReported = decoded.problems.some((p) => p.code === 'unsupported-encoding');
      for (const p of read.frameProblems) if (!(encodingReported && p.code === 'unsupported-encoding')) keep(file, p);
      for (const p of read.fileWideProblems) keep(file, p);
    } catch (e) {
      if (!ended) reader.end();
      file.failed = true;
      onFailure(doc, e);
    }
  }
  for (const { file, problem } of reader.earlierFileProblems()) if (!files[file].failed) keep(files[file], problem);
  const paths = files.map((f) => f.doc.path);
  const lines = files.map((f) => f.lines);
  return files.filter((f) => !f.failed).map((f) => toStreamResult(f, paths, lines));
}

/** Checks one document as a stream (a feed of one file). */
export async function checkDocumentStreaming(doc: InputDocument, options: CheckOptions, minSeverity: Severity = 'hint'): Promise<StreamCheckResult> {
  return (await checkFeedStreaming([doc], options, minSeverity))[0];
}

function toStreamResult({ doc, problems, lines, hidden, omitted }: ReadFile, feedPaths: readonly string[], feedLines: readonly LineStarts[]): StreamCheckResult {
  const length = lines.length;
  const diagnostics = toDiagnostics(problems, length, (o) => lines.positionAt(o), (file) => ({ path: feedPaths[file], positionAt: (o) => feedLines[file].positionAt(o) }));

  // Source text for the excerpts: a whole line when it is short, else a window per diagnostic.
  const kept = new Map<string, { text: string; cut: number }>();
  const keyOf = new Map<Diagnostic, string>();
  const result: StreamCheckResult = {
    path: doc.path,
    diagnostics,
    hidden,
    omitted,
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
      // Past the last line shown, the text is not needed: the read stops there (the shown
      // lines of a large file are mostly near its start: groups show their first occurrence).
      const needed = Math.max(...ranges.map(([, r]) => r.end));
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
        if (at >= needed) break;
      }
      // The input changed between the two reads: better no excerpt than a wrong one. Read to
      // its end, its length tells; stopped before, the file's size and time do (an input held
      // in memory cannot change).
      const unchanged = at >= length ? at === length : at >= needed && (doc.sameAsOpened ? await doc.sameAsOpened() : true);
      if (!unchanged) return;
      for (const [key, r] of ranges) kept.set(key, { text: (parts.get(key) ?? []).join('').replace(/[\r\n]+$/, ''), cut: r.cut });
    },
  };
  return result;
}

