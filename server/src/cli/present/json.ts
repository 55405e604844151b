/**
 * `alma-sis validate --format json`, as docs/cli.md documents it (`format`, `version`,
 * `files[].path`, `files[].diagnostics[]` with 0-based LSP ranges), with these additions: a
 * `summary` of the counts, the `unreadable` inputs, and on a diagnostic the
 * `relatedInformation` (LSP's, with a `path`) of a duplicate's first holder or of a grouped
 * finding's next occurrences, a grouped finding's `count` and `userCount`, and on a file the
 * `omitted` counts of findings beyond `--max-findings` (counted in the summary, not listed).
 *
 * Written file by file as the files are checked (a large file can have hundreds of thousands
 * of diagnostics: the report is never built whole in memory). The text is the same as
 * `JSON.stringify(report, null, 2)`.
 */
import type { Severity } from '../../../../shared/src/diagnostics';
import type { Diagnostic, FileFailure, FileResult } from './model';

/** `JSON.stringify(value, null, 2)` placed at `depth` levels of indentation. */
function indented(value: unknown, depth: number): string {
  const pad = '  '.repeat(depth);
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
}

const rangeJson = (r: Diagnostic['range']) => ({
  start: { line: r.start.line, character: r.start.character },
  end: { line: r.end.line, character: r.end.character },
});

function diagnosticJson(d: Diagnostic) {
  const json: Record<string, unknown> = { code: d.code, severity: d.severity, message: d.message, range: rangeJson(d.range) };
  // As LSP's relatedInformation, with the file's path as `files[].path` spells it.
  if (d.related?.length) json.relatedInformation = d.related.map((r) => ({ path: r.path, range: rangeJson(r.range), message: r.message }));
  // A grouped finding (docs/diagnostics.md): the occurrences it stands for, the users carrying them.
  if (d.group) {
    json.count = d.group.count;
    json.userCount = d.group.users;
  }
  return json;
}

export class JsonReportWriter {
  private files = 0;
  private readonly counts: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };

  constructor(private readonly write: (text: string) => void) {
    write('{\n  "format": "alma-sis-diagnostics",\n  "version": 1,\n  "files": [');
  }

  file(f: FileResult): void {
    this.fileStart(f.path);
    this.diagnostics(f.diagnostics);
    this.fileEnd();
  }

  private inFile = 0;

  /** A file's entry, in three steps so that a caller can wait for its output between batches. */
  fileStart(path: string): void {
    this.write(`${this.files++ === 0 ? '' : ','}\n    {\n      "path": ${JSON.stringify(path)},\n      "diagnostics": [`);
    this.inFile = 0;
  }

  diagnostics(ds: readonly Diagnostic[]): void {
    if (ds.length === 0) return;
    const parts: string[] = [];
    for (const d of ds) {
      this.counts[d.severity]++;
      parts.push(`${this.inFile++ === 0 ? '' : ','}\n        ${indented(diagnosticJson(d), 4)}`);
    }
    this.write(parts.join(''));
  }

  /** `omitted`: what the file had beyond --max-findings, counted only (and in the summary). */
  fileEnd(omitted?: Readonly<Record<Severity, number>>): void {
    let tail = '';
    if (omitted) {
      for (const s of Object.keys(this.counts) as Severity[]) this.counts[s] += omitted[s];
      tail = `,\n      "omitted": ${indented({ errors: omitted.error, warnings: omitted.warning, information: omitted.information, hints: omitted.hint }, 3)}`;
    }
    this.write(`${this.inFile ? '\n      ' : ''}]${tail}\n    }`);
  }

  end(failures: readonly FileFailure[]): void {
    const c = this.counts;
    const summary = { files: this.files, errors: c.error, warnings: c.warning, information: c.information, hints: c.hint };
    const unreadable = failures.map((f) => ({ path: f.path, message: f.error }));
    this.write(`${this.files ? '\n  ' : ''}],\n  "summary": ${indented(summary, 1)},\n  "unreadable": ${indented(unreadable, 1)}\n}\n`);
  }
}

export function formatJson(files: readonly FileResult[], failures: readonly FileFailure[]): string {
  const parts: string[] = [];
  const w = new JsonReportWriter((t) => parts.push(t));
  for (const f of files) w.file(f);
  w.end(failures);
  return parts.join('');
}
