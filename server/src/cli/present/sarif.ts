/**
 * `alma-sis validate --format sarif`: SARIF 2.1.0 (OASIS), the format CI code-scanning views
 * read. One run; the rules are the whole `DIAGNOSTIC_CODES` catalogue (so `ruleIndex` is stable
 * between runs); regions are 1-based with `endColumn` just after the range, columns in UTF-16
 * code units (`columnKind`). Unreadable inputs become tool execution notifications.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIAGNOSTIC_CODES, type DiagnosticCode, type Severity } from '../../../../shared/src/diagnostics';
import type { Diagnostic, FileFailure, FileResult } from './model';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** A SARIF `uri`: relative paths stay relative (with `/`), each segment percent-encoded; absolute ones become `file:` URLs. */
export function sarifUri(p: string): string {
  if (path.isAbsolute(p)) {
    const bang = p.indexOf('!/');
    if (bang < 0) return pathToFileURL(p).href;
    return `${pathToFileURL(p.slice(0, bang)).href}!/${encodeSegments(p.slice(bang + 2))}`;
  }
  return encodeSegments(p.replace(/\\/g, '/'));
}

function encodeSegments(p: string): string {
  return p
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

const CODES = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];
const RULE_INDEX = new Map(CODES.map((c, i) => [c, i]));

function ruleName(code: string): string {
  return code.replace(/(^|-)([a-z0-9])/g, (_m, _d, ch: string) => ch.toUpperCase());
}

/** `JSON.stringify(value, null, 2)` placed at `depth` levels of indentation. */
function indented(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/**
 * Writes the SARIF log file by file as the files are checked (results first, then the
 * artifacts they point at by index), never holding the whole log. The text is the same as
 * `JSON.stringify(log, null, 2)` of the finished log.
 */
export class SarifReportWriter {
  private readonly paths: string[] = [];
  private results = 0;

  constructor(
    private readonly write: (text: string) => void,
    version: string,
  ) {
    const head = {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
    };
    const tool = {
      driver: {
        name: 'alma-sis',
        semanticVersion: version,
        version,
        rules: CODES.map((code) => ({ id: code, name: ruleName(code), shortDescription: { text: DIAGNOSTIC_CODES[code].summary } })),
      },
    };
    const open = JSON.stringify(head, null, 2).replace(/\n}$/, '');
    write(`${open},\n  "runs": [\n    {\n      "tool": ${indented(tool, 3)},\n      "columnKind": "utf16CodeUnits",\n      "results": [`);
  }

  file(f: FileResult): void {
    this.fileStart(f.path);
    this.diagnostics(f.diagnostics);
  }

  private uri = '';

  /** A file's results, in steps so that a caller can wait for its output between batches. */
  fileStart(path: string): void {
    this.paths.push(path);
    this.uri = sarifUri(path);
  }

  diagnostics(ds: readonly Diagnostic[]): void {
    if (ds.length === 0) return;
    const fileIndex = this.paths.length - 1;
    const parts: string[] = [];
    for (const d of ds) {
      const region = (r: Diagnostic['range']) => ({ startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 });
      const relatedLocations = d.related?.map((r, id) => ({ id, message: { text: r.message }, physicalLocation: { artifactLocation: { uri: sarifUri(r.path) }, region: region(r.range) } }));
      const result = {
        ruleId: d.code,
        ruleIndex: RULE_INDEX.get(d.code) ?? -1,
        level: LEVEL[d.severity],
        message: { text: d.message },
        // A grouped finding: SARIF's own count of the times a result was observed.
        ...(d.group ? { occurrenceCount: d.group.count, properties: { userCount: d.group.users } } : {}),
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: this.uri, index: fileIndex },
              region: region(d.range),
            },
          },
        ],
        ...(relatedLocations?.length ? { relatedLocations } : {}),
      };
      parts.push(`${this.results++ === 0 ? '' : ','}\n        ${indented(result, 4)}`);
    }
    this.write(parts.join(''));
  }

  private readonly omitted: { path: string; counts: Readonly<Record<Severity, number>> }[] = [];

  /** `omitted`: what the file had beyond --max-findings (a notification says so). */
  fileEnd(omitted?: Readonly<Record<Severity, number>>): void {
    // Nothing to close: results of all files share one list.
    if (omitted) this.omitted.push({ path: this.paths[this.paths.length - 1], counts: omitted });
  }

  end(failures: readonly FileFailure[]): void {
    const artifacts = this.paths.map((p) => ({ location: { uri: sarifUri(p) } }));
    const invocations = [
      {
        executionSuccessful: failures.length === 0,
        toolExecutionNotifications: [
          ...failures.map((f) => ({
            level: 'error',
            message: { text: f.error },
            locations: [{ physicalLocation: { artifactLocation: { uri: sarifUri(f.path) } } }],
          })),
          ...this.omitted.map(({ path: file, counts }) => ({
            level: 'warning',
            message: { text: `More findings than --max-findings: ${counts.error} errors, ${counts.warning} warnings, ${counts.information} notes and ${counts.hint} hints counted, not reported.` },
            locations: [{ physicalLocation: { artifactLocation: { uri: sarifUri(file) } } }],
          })),
        ],
      },
    ];
    this.write(`${this.results ? '\n      ' : ''}],\n      "artifacts": ${indented(artifacts, 3)},\n      "invocations": ${indented(invocations, 3)}\n    }\n  ]\n}\n`);
  }
}

export function formatSarif(files: readonly FileResult[], failures: readonly FileFailure[], version: string): string {
  const parts: string[] = [];
  const w = new SarifReportWriter((t) => parts.push(t), version);
  for (const f of files) w.file(f);
  w.end(failures);
  return parts.join('');
}
