import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { LineIndex } from '../../shared/src/text/lines';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { median, parseGnuTime, percentile, procCpuMs, procStatusKb, runMeasured } from '../../tools/bench/measure';
import { bundleModules, summariseProfile, type CpuProfile } from '../../tools/bench/profile';
import { budgets, cliTable, lspTable, parseBenchArgs, ratios, type CliRow } from '../../tools/bench/report';
import { benchLsp, lspTestHooks } from '../../tools/bench/lsp';
import { runGen } from '../../tools/genfiles';
import { measureStages, stagesTable } from '../../tools/bench/stages';

const tmp = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bench flags', () => {
  it('defaults to 1k, 20k and 100k users, the server up to 20k', () => {
    const a = parseBenchArgs([]);
    expect(a.sizes).toEqual([1000, 20000, 100000]);
    expect(a.lspSizes).toEqual([1000, 20000]);
    expect(a.runs).toBe(3);
  });
  it('--quick is 1k users, one run', () => {
    const a = parseBenchArgs(['--quick']);
    expect(a).toMatchObject({ sizes: [1000], lspSizes: [1000], runs: 1, quick: true, degenerate: false });
    expect(parseBenchArgs([]).degenerate).toBe(true);
    expect(parseBenchArgs(['--no-degenerate']).degenerate).toBe(false);
    expect(a.hovers).toBeLessThanOrEqual(50);
  });
  it('takes sizes and refuses nonsense', () => {
    expect(parseBenchArgs(['--sizes', '500,2000', '--runs=2', '--only', 'cli'])).toMatchObject({ sizes: [500, 2000], lspSizes: [500, 2000], runs: 2, only: 'cli' });
    expect(() => parseBenchArgs(['--sizes', '1k'])).toThrow(/comma-separated user counts/);
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow(/--runs needs a whole number ≥ 1/);
    expect(() => parseBenchArgs(['--only', 'gui'])).toThrow(/cli or lsp/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown argument "--fast"/);
  });
});

describe('measuring', () => {
  it('reads peak memory and wall time out of GNU time -v', () => {
    const out = [
      '\tCommand being timed: "node x"',
      '\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02.50',
      '\tUser time (seconds): 1.25',
      '\tSystem time (seconds): 0.50',
      '\tMaximum resident set size (kbytes): 123456',
    ].join('\n');
    expect(parseGnuTime(out)).toEqual({ peakRssKb: 123456, elapsedMs: 62500, cpuMs: 1750 });
    expect(parseGnuTime('\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:00:01\n').elapsedMs).toBe(3601000);
    expect(parseGnuTime('nothing')).toEqual({ peakRssKb: undefined, elapsedMs: undefined });
  });

  it('computes nearest-rank percentiles', () => {
    const xs = [5, 1, 4, 2, 3, 10, 6, 7, 9, 8];
    expect(median(xs)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile(xs, 10)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it.skipIf(!existsSync('/proc/self/status'))('reads VmRSS of a live process and nothing of a gone one', () => {
    expect(procStatusKb(process.pid, 'VmRSS')).toBeGreaterThan(0);
    expect(procStatusKb(2 ** 22 + 7, 'VmRSS')).toBeUndefined();
    // CPU time only grows, and a busy loop adds to it.
    const before = procCpuMs(process.pid)!;
    const until = process.cpuUsage().user + 300_000;
    while (process.cpuUsage().user < until) Math.sqrt(Math.random());
    expect(procCpuMs(process.pid)!).toBeGreaterThan(before);
    expect(procCpuMs(2 ** 22 + 7)).toBeUndefined();
  });

  it('runs a command and reports its exit code, output size and memory, with and without GNU time', async () => {
    const script = "process.stdout.write('x'.repeat(1000)); const a = Buffer.alloc(64 * 1024 * 1024, 1); setTimeout(() => process.exit(a[0]), 50)";
    for (const useGnuTime of existsSync('/usr/bin/time') ? [true, false] : [false]) {
      const m = await runMeasured(process.execPath, ['-e', script], { stdoutFile: join(tmp, `out-${useGnuTime}`), useGnuTime });
      expect(m.exitCode).toBe(1);
      expect(m.stdoutBytes).toBe(1000);
      expect(m.wallMs).toBeGreaterThan(0);
      expect(m.memSource).toBe(useGnuTime ? 'time -v' : '/proc VmHWM');
      // The 64 MB buffer is resident: the peak must show it.
      expect(m.peakRssKb).toBeGreaterThan(64 * 1024);
    }
  });

  it('reports a command that cannot start instead of throwing', async () => {
    const m = await runMeasured('/nonexistent/tool', [], { useGnuTime: false });
    expect(m.exitCode).not.toBe(0);
    expect(m.stderrHead).toMatch(/cannot start|ENOENT/);
  });
});

describe('report', () => {
  const row = (tool: string, users: number, wallMs: number, peakRssMb = 50): CliRow => ({ tool, users, bytes: users * 2000, runs: 1, wallMs, cpuMs: wallMs / 2, peakRssMb, mbPerS: 1, usersPerS: 1, exitCode: 0 });
  const rows = [
    row('alma-sis validate', 100000, 1500, 90),
    row('alma-sis plan', 100000, 2400),
    row('xmllint --schema', 100000, 5000),
    row('xmllint --stream --schema', 100000, 2000),
    row('alma-sis validate', 1000, 100),
  ];

  it('computes the ratios ours / xmllint and plan / validate', () => {
    const r = ratios(rows);
    expect(r).toContainEqual({ users: 100000, name: 'validate / xmllint --stream', value: 0.75, cpuValue: 0.75 });
    expect(r).toContainEqual({ users: 100000, name: 'validate / xmllint (DOM)', value: 0.3, cpuValue: 0.3 });
    expect(r).toContainEqual({ users: 100000, name: 'plan / validate', value: 1.6, cpuValue: 1.6 });
    expect(r).toContainEqual({ users: 100000, name: 'plan / xmllint --stream', value: 1.2, cpuValue: 1.2 });
    expect(r.filter((x) => x.users === 1000)).toEqual([]);
  });

  it('checks the budgets of issue 13 on the largest size, the degenerate file and the 20k server figures', () => {
    const b = budgets(
      [...rows, row('alma-sis validate (errors only)', 100000, 2500, 160)],
      [{ users: 20000, bytes: 40e6, debounceMs: 200, hovers: 10, openMs: 1200, editMs: 20, hoverP95Ms: 3, codeLensMs: 50, rssRatio: 4, heapStartKb: 100_000, heapEndKb: 125_000, sessionEdits: 500 }],
      [row('alma-sis validate', 1_700_000, 9000, 280), { ...row('alma-sis plan', 1_700_000, 0), failed: 'timed out' }],
    );
    const met = Object.fromEntries(b.map((x) => [x.what, x.met]));
    expect(met['validate 100000 users (text) vs xmllint --stream']).toBe(true);
    expect(met['validate 100000 users (errors only) vs xmllint --stream']).toBe(false);
    expect(met['validate 100000 users (text) peak RSS']).toBe(true);
    expect(met['validate 100000 users (errors only) peak RSS']).toBe(false);
    expect(met['plan 100000 users against 100000 vs xmllint --stream']).toBe(true);
    expect(met['plan 100000 users against 100000 peak RSS']).toBe(true);
    expect(met['alma-sis validate: 1700000 empty users peak RSS']).toBe(true);
    // A run that failed is not measured, never met.
    expect(met['alma-sis plan: 1700000 empty users peak RSS']).toBeNull();
    expect(met['server 20000: open → diagnostics']).toBe(false);
    expect(met['server 20000: edit → diagnostics after debounce']).toBe(true);
    expect(met['server 20000: heap after 500 edits']).toBe(false);
    expect(budgets([row('alma-sis validate', 10, 5)], []).find((x) => x.what.includes('xmllint'))?.met).toBeNull();
  });

  it('prints tables that say what was skipped or failed', () => {
    const t = cliTable([...rows, { tool: 'alma-sis plan', users: 1000, bytes: 2e6, runs: 0, skipped: 'not available yet' }, { tool: 'x', users: 1, bytes: 1, runs: 0, failed: 'exit 2: boom | bang' }]);
    expect(t).toContain('| alma-sis validate | 100000 | 200.0 | 1.50 s |');
    expect(t).toContain('skipped: not available yet');
    expect(t).toContain('FAILED: exit 2: boom / bang');
    const l = lspTable([{ users: 1000, bytes: 2e6, debounceMs: 200, hovers: 5, error: 'no answer within 120 s: hover' }]);
    expect(l).toContain('FAILED: no answer within 120 s: hover');
  });
});

describe('profile summary', () => {
  it('attributes bundle functions to their source module and sums self and total time', () => {
    const bundle = ['"use strict";', '// shared/src/sis/read.ts', 'function readSisDocument() {}', 'function scan() {}', '// server/src/cli/validate.ts', 'function run() {}'].join('\n');
    expect(bundleModules(bundle)).toEqual([
      { line: 1, path: 'shared/src/sis/read.ts' },
      { line: 4, path: 'server/src/cli/validate.ts' },
    ]);
    const frame = (functionName: string, lineNumber: number, url = 'file:///x/dist/cli.js') => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '1' });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1000,
      nodes: [
        { id: 1, callFrame: frame('(root)', -1, ''), children: [2, 5] },
        { id: 2, callFrame: frame('run', 5), children: [3] },
        { id: 3, callFrame: frame('readSisDocument', 2), children: [4] },
        { id: 4, callFrame: frame('scan', 3), children: [] },
        { id: 5, callFrame: frame('(garbage collector)', -1, ''), children: [] },
      ],
      // sample i lasts timeDeltas[i + 1]
      samples: [4, 4, 4, 3, 2, 5],
      timeDeltas: [0, 100, 100, 100, 100, 100],
    };
    const s = summariseProfile(profile, { 'dist/cli.js': bundle });
    const fn = (name: string) => s.functions.find((f) => f.name === name)!;
    expect(s.totalMs).toBeCloseTo(0.5);
    expect(fn('scan')).toMatchObject({ file: 'shared/src/sis/read.ts', selfPct: 60 });
    expect(fn('readSisDocument')).toMatchObject({ selfPct: 20, totalPct: 80 });
    expect(fn('run')).toMatchObject({ file: 'server/src/cli/validate.ts', selfPct: 20, totalPct: 100 });
    expect(s.files[0]).toMatchObject({ file: 'shared/src/sis/read.ts', selfPct: 80 });
  });
});

describe('language-server helpers', () => {
  it('turns offsets into LSP positions and finds the users', () => {
    const text = '<users>\n  <user>\n    <a/>\n  </user>\n  <user>\n  </user>\n</users>';
    const lines = new LineIndex(text);
    expect(lines.positionAt(0)).toEqual({ line: 0, character: 0 });
    expect(lines.positionAt(text.indexOf('<a/>'))).toEqual({ line: 2, character: 4 });
    expect(lspTestHooks.userStarts(text).map((o) => lines.positionAt(o).line)).toEqual([1, 4]);
  });
});

describe.skipIf(!existsSync(join(__dirname, '../../dist/server.js')))('language-server harness against the built server', () => {
  it('opens, edits, hovers and asks for code lenses over stdio without an error', async () => {
    const dir = join(tmp, 'lsp');
    runGen({ opts: { users: 30, seed: 4 }, out: dir, snapshot: true, name: 'users' });
    const r = await benchLsp({ file: join(dir, 'users.xml'), users: 30, serverJs: join(__dirname, '../../dist/server.js'), debounceMs: 200, hovers: 10, edits: 2, sessionEdits: 12, timeoutMs: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.openDiagnostics).toBeGreaterThanOrEqual(0);
    expect(r.editRawMs).toHaveLength(2);
    // Every hover lands on a field: the server has something to say about each.
    expect(r.hoverEmpty).toBe(0);
    expect(r.codeLenses).toBeGreaterThanOrEqual(30);
    expect(r.rssKb).toBeGreaterThan(0);
    // The long session: every edit made, the heap measured (after GC) before and after.
    expect(r.sessionEdits).toBe(12);
    expect(r.heapStartKb).toBeGreaterThan(0);
    expect(r.heapEndKb).toBeGreaterThan(0);
  });
});

describe('validate stages', () => {
  it('times decode, the reader and the rules over the same file, each seeing every user', () => {
    const dir = join(tmp, 'stages');
    runGen({ opts: { users: 50, seed: 3, errors: 3 }, out: dir, snapshot: false, name: 'users' });
    const path = join(dir, 'users.xml');
    const text = readFileSync(path, 'utf8');
    const rows = measureStages(path, Buffer.byteLength(text), '2026-01-01');
    expect(rows.map((r) => r.stage)).toHaveLength(4);
    expect(rows[0].count).toBe(text.length);
    expect(rows[1].count).toBe(text.split('<').length - 1);
    expect(rows[2].count).toBe(50);
    // The deliberate errors are found by the rules.
    expect(rows[3].count).toBeGreaterThanOrEqual(3);
    expect(stagesTable(rows, 50)).toContain('| + SisStreamReader (users as element trees) |');
  });
});
