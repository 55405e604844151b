/**
 * `alma-sis validate --format sarif`: SARIF 2.1.0 (OASIS), the format CI code-scanning views
 * read. One run; the rules are the whole `DIAGNOSTIC_CODES` catalogue (so `ruleIndex` is stable
 * between runs); regions are 1-based with `endColumn` just after the range, columns in UTF-16
 * code units (`columnKind`). Unreadable inputs become tool execution notifications.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIAGNOSTIC_CODES, type DiagnosticCode, type Severity } from '../../../../shared/src/diagnostics';
import type { FileFailure, FileResult } from './model';

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

export function formatSarif(files: readonly FileResult[], failures: readonly FileFailure[], version: string): string {
  const artifacts = files.map((f) => ({ location: { uri: sarifUri(f.path) } }));
  const results = files.flatMap((f, fileIndex) =>
    f.diagnostics.map((d) => ({
      ruleId: d.code,
      ruleIndex: RULE_INDEX.get(d.code) ?? -1,
      level: LEVEL[d.severity],
      message: { text: d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: sarifUri(f.path), index: fileIndex },
            region: {
              startLine: d.range.start.line + 1,
              startColumn: d.range.start.character + 1,
              endLine: d.range.end.line + 1,
              endColumn: d.range.end.character + 1,
            },
          },
        },
      ],
    })),
  );
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'alma-sis',
            semanticVersion: version,
            version,
            rules: CODES.map((code) => ({
              id: code,
              name: ruleName(code),
              shortDescription: { text: DIAGNOSTIC_CODES[code].summary },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        artifacts,
        invocations: [
          {
            executionSuccessful: failures.length === 0,
            toolExecutionNotifications: failures.map((f) => ({
              level: 'error',
              message: { text: f.error },
              locations: [{ physicalLocation: { artifactLocation: { uri: sarifUri(f.path) } } }],
            })),
          },
        ],
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
