/** The built `alma-sis` binary, run as a child process: commands, formats, inputs and exit codes (docs/cli.md, docs/diagnostics.md). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../shared/src/diagnostics';
import { spawnSync } from 'node:child_process';
import { CLI, REPO, ensureBuilt, hasStackTrace, run } from './helpers';

const USER = (id: string, extra = '') => `  <user>
    <primary_id>${id}</primary_id>
    <first_name>Jane</first_name>
    <last_name>Doe</last_name>
    <user_group>STAFF</user_group>
    <expiry_date>2030-01-16Z</expiry_date>${extra}
    <contact_info>
      <emails>
        <email preferred="true">
          <email_address>${id}@example.edu</email_address>
          <email_types><email_type>work</email_type></email_types>
        </email>
      </emails>
    </contact_info>
  </user>
`;
const DOC = (...users: string[]) => `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n${users.join('')}</users>\n`;

const VALID = DOC(USER('jdoe'), USER('asmith'));
// The bad date is on line 9, column 17 (1-based) of the file.
const BAD_DATE = DOC(USER('jdoe', '\n    <birth_date>1990-13-01</birth_date>'));
// Accepted by Alma's loader, rejected by the XSD: an element newer than the schema.
const NEWER_ELEMENT = DOC(USER('jdoe', '\n    <pref_full_name>Jane Doe</pref_full_name>'));

let dir: string;
const f = (name: string) => path.join(dir, name);

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-cli-'));
  fs.writeFileSync(f('valid.xml'), VALID);
  fs.writeFileSync(f('bad-date.xml'), BAD_DATE);
  fs.writeFileSync(f('newer.xml'), NEWER_ELEMENT);
  fs.writeFileSync(f('bom.xml'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VALID)]));
  // "José" written by a Latin-1 program, on line 5
  fs.writeFileSync(f('latin1.xml'), Buffer.from(VALID.replace('Jane', 'Jos\u00e9'), 'latin1'));
  fs.writeFileSync(f('feed.zip'), zipSync({ 'students.xml': strToU8(VALID), 'staff/bad.xml': strToU8(BAD_DATE), 'notes.txt': strToU8('x') }));
  fs.writeFileSync(f('nothing.zip'), zipSync({ 'notes.txt': strToU8('x') }));
  // an empty field that is not protected: a hint (Alma treats it as absent)
  fs.writeFileSync(f('hint.xml'), VALID.replace('<last_name>Doe</last_name>', '<last_name>Doe</last_name><job_description/>'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the frame', () => {
  it('prints the version of package.json', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
    expect(run(['validate', '--version']).stdout.trim()).toBe(r.stdout.trim());
  });

  it('lists the commands in --help, and a command\'s options in its own --help', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+validate\s/m);
    expect(r.stdout).toMatch(/^\s+codes\s/m);
    const v = run(['validate', '--help']);
    expect(v.code).toBe(0);
    for (const flag of ['--format', '--match-by', '--mode', '--record-type', '--profile-code', '--empty-protected', '--strict', '--code-tables', '--today']) {
      expect(v.stdout).toContain(flag);
    }
    expect(run(['help', 'validate']).stdout).toBe(v.stdout);
  });

  it.each([
    [[], /Usage: alma-sis COMMAND/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['valdate', 'x.xml'], /did you mean 'validate'/],
    [['--strict', 'validate'], /put the command first/],
    [['validate'], /no file given/],
    [['validate', '--format', 'xml', 'x.xml'], /--format: expected text, json or sarif, got "xml"/],
    [['validate', '--formt', 'json', 'x.xml'], /unknown option --formt \(did you mean --format\?\)/],
    [['validate', '--mode', 'merge', 'x.xml'], /--mode: expected synchronize or import/],
    [['validate', '--today', '2026-02-30', 'x.xml'], /--today: expected a date as YYYY-MM-DD/],
    [['validate', '--strict', '--lenient', 'x.xml'], /--strict and --lenient exclude each other/],
    [['validate', '-', '-'], /standard input \(-\) can be read only once/],
    [['codes', 'extra'], /unexpected argument/],
  ])('bad usage %j → message on stderr, exit 2, no stack trace', (args, message) => {
    const r = run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stdout).toBe('');
  });
});

describe('alma-sis validate', () => {
  it('exits 0 on a valid file and says so', () => {
    const r = run(['validate', '--today', '2026-01-01', f('valid.xml')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1 file checked: no problems.\n');
    expect(r.code).toBe(0);
  });

  it('exits 1 on an error, printing file:line:col, severity, code, the source line and a marker', () => {
    const r = run(['validate', '--today', '2026-01-01', f('bad-date.xml')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => l.includes(' invalid-date: '));
    expect(lines[head]).toMatch(new RegExp(`^${f('bad-date.xml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:17: error invalid-date: `));
    expect(lines[head + 1]).toBe('  9 |     <birth_date>1990-13-01</birth_date>');
    expect(lines[head + 2]).toBe(`    | ${' '.repeat(16)}^^^^^^^^^^`);
    expect(lines.filter(Boolean).at(-1)).toMatch(/^1 file checked: 1 error\.$/);
  });

  it('never colours output that is not a terminal', () => {
    expect(run(['validate', f('bad-date.xml')]).stdout).not.toMatch(/\x1b\[/);
  });

  it('exits 0 on warnings only (a byte-order mark), 1 on a Latin-1 byte at its line', () => {
    const bom = run(['validate', '--today', '2026-01-01', f('bom.xml')]);
    expect(bom.code).toBe(0);
    expect(bom.stdout).toMatch(/bom\.xml:1:1: warning bom: /);
    const latin = run(['validate', '--today', '2026-01-01', f('latin1.xml')]);
    expect(latin.code).toBe(1);
    expect(latin.stdout).toMatch(/latin1\.xml:5:\d+: error invalid-utf8: /);
  });

  it('reports UTF-16 as one error and still checks the rest; CRLF files get the same positions', () => {
    fs.writeFileSync(f('utf16.xml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BAD_DATE.replace('UTF-8', 'UTF-16'), 'utf16le')]));
    const u = run(['validate', '--format', 'json', '--today', '2026-01-01', f('utf16.xml')]);
    expect(u.code).toBe(1);
    const codes = JSON.parse(u.stdout).files[0].diagnostics.map((d: { code: string }) => d.code);
    expect(codes.filter((c: string) => c === 'unsupported-encoding')).toHaveLength(1);
    expect(codes).toContain('invalid-date');
    fs.writeFileSync(f('crlf.xml'), BAD_DATE.replace(/\n/g, '\r\n'));
    const c = run(['validate', '--today', '2026-01-01', f('crlf.xml')]);
    expect(c.stdout).toMatch(/crlf\.xml:9:17: error invalid-date: /);
    expect(c.stdout).toContain('  9 |     <birth_date>1990-13-01</birth_date>\n');
  });

  it('stops quietly when the reader of its output goes away', () => {
    const many = DOC(...Array.from({ length: 3000 }, (_, i) => USER(`u${i}`, '\n    <birth_date>1990-13-01</birth_date>')));
    fs.writeFileSync(f('many.xml'), many);
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" validate "${f('many.xml')}" | head -n 1`], { encoding: 'utf8' });
    expect(r.stdout.split('\n')[0]).toMatch(/many\.xml:\d+:\d+: error invalid-date/);
    expect(r.stderr).toBe('');
  });

  it('lenient by default, strict with --strict', () => {
    const lenient = run(['validate', '--today', '2026-01-01', f('newer.xml')]);
    expect(lenient.code).toBe(0);
    const strict = run(['validate', '--strict', '--today', '2026-01-01', f('newer.xml')]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/error [a-z-]+: .*pref_full_name/);
  });

  it('reads every .xml inside a zip, naming them zip!/entry', () => {
    const r = run(['validate', '--format', 'json', '--today', '2026-01-01', f('feed.zip')]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.files.map((x: { path: string }) => x.path)).toEqual([`${f('feed.zip')}!/students.xml`, `${f('feed.zip')}!/staff/bad.xml`]);
    expect(json.files[0].diagnostics.filter((d: { severity: string }) => d.severity === 'error')).toEqual([]);
    expect(json.files[1].diagnostics.map((d: { code: string }) => d.code)).toContain('invalid-date');
  });

  it('reads standard input with -', () => {
    const r = run(['validate', '--format', 'json', '--today', '2026-01-01', '-'], { input: BAD_DATE });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.files[0].path).toBe('<stdin>');
    const d = json.files[0].diagnostics.find((x: { code: string }) => x.code === 'invalid-date');
    expect(d.range).toEqual({ start: { line: 8, character: 16 }, end: { line: 8, character: 26 } });
    const zipped = run(['validate', '--format', 'json', '-'], { input: zipSync({ 'in.xml': strToU8(VALID) }) });
    expect(JSON.parse(zipped.stdout).files[0].path).toBe('<stdin>!/in.xml');
  });

  it('shows the source lines for standard input and zip entries too (they are read twice)', () => {
    const stdin = run(['validate', '--today', '2026-01-01', '-'], { input: BAD_DATE });
    expect(stdin.stdout).toContain('<stdin>:9:17: error invalid-date: ');
    expect(stdin.stdout).toContain('  9 |     <birth_date>1990-13-01</birth_date>\n');
    const zip = run(['validate', '--today', '2026-01-01', f('feed.zip')]);
    expect(zip.stdout).toContain(`${f('feed.zip')}!/staff/bad.xml:9:17: error invalid-date: `);
    expect(zip.stdout).toContain('  9 |     <birth_date>1990-13-01</birth_date>\n');
  });

  it('exits 2 on an unreadable input, still reporting the others', () => {
    const r = run(['validate', '--format', 'json', '--today', '2026-01-01', f('missing.xml'), f('valid.xml'), f('nothing.zip')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*missing\.xml: no such file/);
    expect(r.stderr).toMatch(/nothing\.zip holds no \.xml file/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const json = JSON.parse(r.stdout);
    expect(json.files.map((x: { path: string }) => x.path)).toEqual([f('valid.xml')]);
    expect(json.unreadable.map((x: { path: string }) => x.path)).toEqual([f('missing.xml'), f('nothing.zip')]);
    // a directory and an unreadable --code-tables file are unreadable inputs too
    expect(run(['validate', dir]).code).toBe(2);
    const tables = run(['validate', '--code-tables', f('no-tables.json'), f('valid.xml')]);
    expect(tables.code).toBe(2);
    expect(tables.stderr).toMatch(/--code-tables: cannot read .*no-tables\.json: no such file/);
  });

  it('--format json follows docs/diagnostics.md', () => {
    const r = run(['validate', '--format', 'json', '--today', '2026-01-01', f('bad-date.xml'), f('valid.xml')]);
    const json = JSON.parse(r.stdout);
    expect(json.format).toBe('alma-sis-diagnostics');
    expect(json.version).toBe(1);
    expect(json.files).toHaveLength(2);
    for (const file of json.files) {
      expect(typeof file.path).toBe('string');
      for (const d of file.diagnostics) {
        expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
        expect(['error', 'warning', 'information', 'hint']).toContain(d.severity);
        expect(typeof d.message).toBe('string');
        for (const p of [d.range.start, d.range.end]) {
          expect(Number.isInteger(p.line) && p.line >= 0).toBe(true);
          expect(Number.isInteger(p.character) && p.character >= 0).toBe(true);
        }
      }
    }
  });

  it('--format sarif is SARIF 2.1.0 with rules and 1-based regions', () => {
    const r = run(['validate', '--format', 'sarif', '--today', '2026-01-01', f('bad-date.xml')]);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const run0 = sarif.runs[0];
    expect(run0.tool.driver.name).toBe('alma-sis');
    expect(run0.tool.driver.rules.length).toBe(Object.keys(DIAGNOSTIC_CODES).length);
    const result = run0.results.find((x: { ruleId: string }) => x.ruleId === 'invalid-date');
    expect(result.level).toBe('error');
    expect(result.locations[0].physicalLocation.region).toEqual({ startLine: 9, startColumn: 17, endLine: 9, endColumn: 27 });
    expect(run0.invocations[0].executionSuccessful).toBe(true);
  });

  it('leaves hints out of the text format unless --min-severity asks for them; JSON has everything', () => {
    const text = run(['validate', '--today', '2026-01-01', f('hint.xml')]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(/: hint /);
    expect(text.stdout).toMatch(/1 file checked: no problems \(1 hint not shown; --min-severity hint shows them\)\.\n$/);
    const all = run(['validate', '--today', '2026-01-01', '--min-severity', 'hint', f('hint.xml')]);
    expect(all.stdout).toMatch(/hint\.xml:6:\d+: hint empty-value: /);
    const json = JSON.parse(run(['validate', '--format', 'json', '--today', '2026-01-01', f('hint.xml')]).stdout);
    expect(json.files[0].diagnostics.map((d: { code: string; severity: string }) => `${d.severity} ${d.code}`)).toEqual(['hint empty-value']);
    // errors only: still exit 1 on an error, and only errors shown
    const errorsOnly = run(['validate', '--format', 'json', '--min-severity', 'error', '--today', '2026-01-01', f('bad-date.xml'), f('hint.xml')]);
    expect(errorsOnly.code).toBe(1);
    const sev = JSON.parse(errorsOnly.stdout).files.flatMap((x: { diagnostics: { severity: string }[] }) => x.diagnostics.map((d) => d.severity));
    expect(new Set(sev)).toEqual(new Set(['error']));
  });

  it('checks codes against --code-tables (ours or Alma\'s API JSON); an unusable tables file is exit 2', () => {
    fs.writeFileSync(f('groups.json'), JSON.stringify({ format: 'alma-sis-code-tables', version: 1, tables: { UserGroups: ['UG', 'GRAD'] } }));
    fs.writeFileSync(f('groups-case.json'), JSON.stringify({ name: 'UserGroups', row: [{ code: 'staff', description: 'Staff', enabled: true }] }));
    fs.writeFileSync(f('groups-ok.json'), JSON.stringify({ name: 'UserGroups', row: [{ code: 'STAFF', description: 'Staff' }] }));
    fs.writeFileSync(f('not-json.json'), '{ tables: ');
    fs.writeFileSync(f('not-tables.json'), '{"hello": 1}');
    const unknown = run(['validate', '--today', '2026-01-01', '--code-tables', f('groups.json'), f('valid.xml')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/error unknown-code: .*STAFF/);
    const wrongCase = run(['validate', '--today', '2026-01-01', '--code-tables', f('groups-case.json'), f('valid.xml')]);
    expect(wrongCase.code).toBe(0);
    expect(wrongCase.stdout).toMatch(/warning code-case: /);
    expect(run(['validate', '--today', '2026-01-01', '--code-tables', f('groups-ok.json'), f('valid.xml')]).stdout).toBe('1 file checked: no problems.\n');
    const notJson = run(['validate', '--code-tables', f('not-json.json'), f('valid.xml')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--code-tables: .*not-json\.json is not JSON/);
    const notTables = run(['validate', '--code-tables', f('not-tables.json'), f('valid.xml')]);
    expect(notTables.code).toBe(2);
    expect(notTables.stderr).toMatch(/--code-tables: .*not-tables\.json: not code tables/);
    expect(hasStackTrace(notJson.stderr + notTables.stderr)).toBe(false);
  });

  it('takes the settings flags', () => {
    const r = run(['validate', '--match-by', 'UNIV_ID', '--mode', 'import', '--record-type', 'STAFF', '--profile-code', 'X', '--empty-protected', 'keep', '--today', '2026-01-01', f('valid.xml')]);
    expect(r.stderr).toBe('');
    // Matching on an identifier type the users do not carry: Alma cannot match them.
    expect(r.stdout).toMatch(/missing-match-id/);
  });
});

describe('alma-sis validate --max-findings', () => {
  // Every user has a bad birth date: an error each, never grouped.
  const many = (n: number) => DOC(...Array.from({ length: n }, (_, i) => USER(`u${i}`, '\n    <birth_date>1990-13-01</birth_date>')));
  const countOf = (text: string, re: RegExp) => (text.match(re) ?? []).length;

  it('lists the first N findings of users, counts the rest, and still fails on errors it did not list', () => {
    fs.writeFileSync(f('many.xml'), many(5));
    const r = run(['validate', '--max-findings', '2', f('many.xml')]);
    expect(r.code).toBe(1);
    expect(countOf(r.stdout, /error invalid-date/g)).toBe(2);
    expect(r.stdout).toContain('many.xml: 3 more errors not listed: only the first 2 findings of users are (--max-findings 0 lists all)');
    expect(r.stdout).toMatch(/1 file checked: 5 errors\.\n$/);
    // The default is far above a small file, and 0 lifts the limit.
    expect(countOf(run(['validate', f('many.xml')]).stdout, /error invalid-date/g)).toBe(5);
    expect(countOf(run(['validate', '--max-findings', '0', f('many.xml')]).stdout, /error invalid-date/g)).toBe(5);
  });

  it('counts errors beyond the limit in the exit code: a file whose listed findings are warnings still fails', () => {
    // Users without primary_id (a warning each) first, then one with a bad date (an error).
    const noId = USER('x').replace('<primary_id>x</primary_id>', '');
    fs.writeFileSync(f('late-error.xml'), DOC(noId, noId, USER('z', '\n    <birth_date>1990-13-01</birth_date>')));
    const r = run(['validate', '--max-findings', '2', '--format', 'json', f('late-error.xml')]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.files[0].diagnostics.map((d: { code: string }) => d.code)).toEqual(['missing-match-id', 'missing-match-id']);
    expect(report.files[0].omitted).toEqual({ errors: 1, warnings: 0, information: 0, hints: 0 });
    expect(report.summary).toMatchObject({ errors: 1, warnings: 2 });
  });

  it('says it in SARIF as a notification, and refuses a value that is not a count', () => {
    fs.writeFileSync(f('many.xml'), many(4));
    const sarif = JSON.parse(run(['validate', '--max-findings', '1', '--format', 'sarif', f('many.xml')]).stdout);
    expect(sarif.runs[0].results).toHaveLength(1);
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toContain('3 errors');
    const bad = run(['validate', '--max-findings', 'lots', f('many.xml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-findings: expected a whole number');
  });
});

describe('alma-sis codes', () => {
  it('lists every diagnostic code with its meaning, as text and JSON', () => {
    const text = run(['codes']);
    expect(text.code).toBe(0);
    for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) expect(text.stdout).toMatch(new RegExp(`^${code}\\s+${info.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    const json = JSON.parse(run(['codes', '--format', 'json']).stdout);
    expect(json.format).toBe('alma-sis-codes');
    expect(json.codes.map((c: { code: string }) => c.code)).toEqual(Object.keys(DIAGNOSTIC_CODES));
    expect(json.codes.filter((c: { grouped: boolean }) => c.grouped).map((c: { code: string }) => c.code)).toContain('segment-type-ignored');
    expect(json.codes.find((c: { code: string }) => c.code === 'mandatory-value-missing').grouped).toBe(false);
  });
});
