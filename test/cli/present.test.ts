import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../shared/src/diagnostics';
import { toFileResult } from '../../server/src/cli/present/positions';
import { formatJson } from '../../server/src/cli/present/json';
import { formatSarif, sarifUri } from '../../server/src/cli/present/sarif';
import { excerpt, formatDiagnostic, formatText, printable, summaryLine, wantColor } from '../../server/src/cli/present/text';
import type { Problem } from '../../shared/src/diagnostics';

const TEXT = ['<users>', '  <user>', '    <primary_id>jdoe</primary_id>', '\t<birth_date>2020-13-01</birth_date>', '  </user>', '</users>'].join('\n');

function at(needle: string, length = needle.length): { start: number; end: number } {
  const start = TEXT.indexOf(needle);
  if (start < 0) throw new Error(`no ${needle}`);
  return { start, end: start + length };
}

const PROBLEMS: Problem[] = [
  { code: 'invalid-date', severity: 'error', message: 'Not an xs:date: "2020-13-01".', ...at('2020-13-01') },
  { code: 'padded-value', severity: 'warning', message: 'Padded.', ...at('jdoe') },
];

const file = toFileResult('users.xml', TEXT, PROBLEMS);

describe('positions', () => {
  it('turns offsets into sorted 0-based LSP ranges', () => {
    expect(file.diagnostics.map((d) => [d.code, d.range])).toEqual([
      ['padded-value', { start: { line: 2, character: 16 }, end: { line: 2, character: 20 } }],
      ['invalid-date', { start: { line: 3, character: 13 }, end: { line: 3, character: 23 } }],
    ]);
  });

  it('counts characters in UTF-16 code units and clamps ranges into the text', () => {
    const t = '<a>🙂x</a>';
    const r = toFileResult('f.xml', t, [
      { code: 'too-long', severity: 'error', message: 'm', start: 5, end: 6 },
      { code: 'no-users', severity: 'error', message: 'm', start: 50, end: 99 },
    ]);
    expect(r.diagnostics[0].range.start).toEqual({ line: 0, character: 5 });
    expect(r.diagnostics[1].range).toEqual({ start: { line: 0, character: 10 }, end: { line: 0, character: 10 } });
  });

  it('drops exact duplicates', () => {
    expect(toFileResult('f', TEXT, [PROBLEMS[0], { ...PROBLEMS[0] }]).diagnostics).toHaveLength(1);
  });
});

describe('text format', () => {
  it('prints file:line:col, severity, code, message, the source line and a marker under the range', () => {
    const out = formatDiagnostic(file, file.diagnostics[1], { color: false });
    expect(out).toBe(
      [
        'users.xml:4:14: error invalid-date: Not an xs:date: "2020-13-01".',
        '  4 |  <birth_date>2020-13-01</birth_date>',
        `    | ${' '.repeat(13)}${'^'.repeat(10)}`,
        '',
      ].join('\n'),
    );
  });

  it('ends with a summary line', () => {
    expect(summaryLine([file], [], { color: false })).toBe('1 file checked: 1 error, 1 warning.\n');
    expect(summaryLine([toFileResult('a', '', []), toFileResult('b', '', [])], [{ path: 'c', error: 'x' }], { color: false })).toBe(
      '2 files checked, 1 file could not be read: no problems.\n',
    );
    const report = formatText([file], [], { color: false });
    expect(report.trimEnd().split('\n').at(-1)).toBe('1 file checked: 1 error, 1 warning.');
  });

  it('uses colour only when asked to', () => {
    expect(formatText([file], [], { color: false })).not.toMatch(/\x1b\[/);
    expect(formatText([file], [], { color: true })).toMatch(/\x1b\[31m/);
  });

  it('wants colour on a terminal unless NO_COLOR is set (and not empty)', () => {
    expect(wantColor(true, {})).toBe(true);
    expect(wantColor(false, {})).toBe(false);
    expect(wantColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantColor(true, { NO_COLOR: '' })).toBe(true);
  });

  it('cuts a long line around the range and keeps the marker under it', () => {
    const line = `${'x'.repeat(5000)}<bad>${'y'.repeat(5000)}`;
    const { text, marker } = excerpt(line, 5000, 5005, 80);
    expect(text.length).toBeLessThanOrEqual(82);
    expect(text.startsWith('…') && text.endsWith('…')).toBe(true);
    const col = marker.indexOf('^');
    expect(text.slice(col, col + 5)).toBe('<bad>');
    expect(marker.trim()).toBe('^^^^^');
  });

  it('marks a zero-width range with one caret and counts an emoji as one column', () => {
    expect(excerpt('<a>', 3, 3)).toEqual({ text: '<a>', marker: '   ^' });
    expect(excerpt('🙂<b>', 2, 5)).toEqual({ text: '🙂<b>', marker: ' ^^^' });
  });

  it('never writes control characters from the file to the terminal', () => {
    const evil = toFileResult('f.xml', '<a>\x1b[2J\x07</a>', [{ code: 'unexpected-text', severity: 'error', message: 'text \x1b[31m', start: 3, end: 8 }]);
    const out = formatText([evil], [], { color: false });
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(printable('a\tb\u0085c')).toBe('a b\ufffdc');
  });

  it('underlines only the first line of a range that spans lines', () => {
    const r = toFileResult('f.xml', '<a>\n  <b>\n</a>', [{ code: 'not-well-formed', severity: 'error', message: 'm', start: 6, end: 14 }]);
    const lines = formatDiagnostic(r, r.diagnostics[0], { color: false }).split('\n');
    expect(lines[1]).toBe('  2 |   <b>');
    expect(lines[2]).toBe('    |   ^^^');
  });
});

describe('JSON format (docs/diagnostics.md)', () => {
  it('has exactly the contract fields, with 0-based ranges', () => {
    const json = JSON.parse(formatJson([file], []));
    expect(json.format).toBe('alma-sis-diagnostics');
    expect(json.version).toBe(1);
    expect(json.files).toHaveLength(1);
    expect(json.files[0].path).toBe('users.xml');
    expect(json.files[0].diagnostics[1]).toEqual({
      code: 'invalid-date',
      severity: 'error',
      message: 'Not an xs:date: "2020-13-01".',
      range: { start: { line: 3, character: 13 }, end: { line: 3, character: 23 } },
    });
    expect(json.summary).toEqual({ files: 1, errors: 1, warnings: 1, information: 0, hints: 0 });
    expect(json.unreadable).toEqual([]);
  });

  it('is written piece by piece yet reads as JSON.stringify(report, null, 2)', () => {
    const empty = toFileResult('empty.xml', '', []);
    for (const [files, failures] of [
      [[file, empty, file], []],
      [[], []],
      [[empty], [{ path: 'x', error: 'y' }]],
    ] as const) {
      const out = formatJson(files, failures);
      expect(out).toBe(`${JSON.stringify(JSON.parse(out), null, 2)}\n`);
    }
  });

  it('lists unreadable inputs', () => {
    expect(JSON.parse(formatJson([], [{ path: 'x.xml', error: 'cannot read x.xml: no such file' }])).unreadable).toEqual([
      { path: 'x.xml', message: 'cannot read x.xml: no such file' },
    ]);
  });
});

describe('SARIF format', () => {
  const sarif = JSON.parse(formatSarif([file], [{ path: 'gone.xml', error: 'cannot read gone.xml: no such file' }], '1.2.3'));
  const run = sarif.runs[0];

  it('has the required SARIF 2.1.0 properties', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    expect(run.tool.driver.name).toBe('alma-sis');
    expect(run.tool.driver.version).toBe('1.2.3');
    for (const r of run.results) {
      expect(typeof r.message.text).toBe('string');
      expect(['error', 'warning', 'note', 'none']).toContain(r.level);
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe('users.xml');
    }
  });

  it('declares every diagnostic code as a rule, and results point at their rule', () => {
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual(Object.keys(DIAGNOSTIC_CODES));
    for (const rule of run.tool.driver.rules) expect(rule.shortDescription.text.length).toBeGreaterThan(0);
    for (const r of run.results) expect(ids[r.ruleIndex]).toBe(r.ruleId);
  });

  it('uses 1-based regions with the end column just after the range', () => {
    const r = run.results.find((x: { ruleId: string }) => x.ruleId === 'invalid-date');
    expect(r.level).toBe('error');
    expect(r.locations[0].physicalLocation.region).toEqual({ startLine: 4, startColumn: 14, endLine: 4, endColumn: 24 });
    expect(run.columnKind).toBe('utf16CodeUnits');
  });

  it('reports unreadable inputs as failed execution', () => {
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).toMatch(/gone\.xml/);
  });

  it('is written piece by piece yet reads as JSON.stringify(log, null, 2), results pointing at their artifact', () => {
    const other = toFileResult('other.xml', 'x', [{ code: 'no-users', severity: 'warning', message: 'm', start: 0, end: 1 }]);
    for (const [files, failures] of [
      [[file, other], []],
      [[], [{ path: 'x', error: 'y' }]],
    ] as const) {
      const out = formatSarif(files, failures, '1.0.0');
      expect(out).toBe(`${JSON.stringify(JSON.parse(out), null, 2)}\n`);
      const log = JSON.parse(out);
      for (const r of log.runs[0].results) {
        const loc = r.locations[0].physicalLocation.artifactLocation;
        expect(log.runs[0].artifacts[loc.index].location.uri).toBe(loc.uri);
      }
    }
  });

  it('makes URIs of paths', () => {
    expect(sarifUri('dir\\my file#1.xml')).toBe('dir/my%20file%231.xml');
    expect(sarifUri('feed.zip!/in/users.xml')).toBe('feed.zip!/in/users.xml');
    expect(sarifUri('/tmp/a b.xml')).toBe('file:///tmp/a%20b.xml');
    expect(sarifUri('/tmp/f.zip!/u.xml')).toBe('file:///tmp/f.zip!/u.xml');
  });
});
