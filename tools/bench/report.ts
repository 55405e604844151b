/**
 * The benchmark's flags, result rows and report (tables, ratios, issue 13's budgets): pure, so
 * the tests can check them without running anything.
 */
import type { LspResult } from './lsp';

export const BENCH_USAGE = `usage: npm run bench -- [--sizes 1000,20000,100000] [--lsp-sizes 1000,20000] [--quick] [--runs R]
                       [--seed S] [--hovers N] [--edits N] [--session-edits N] [--only cli|lsp] [--profile] [--stages] [--no-degenerate] [--out DIR]
  --quick      1k users only, one run (what CI runs so the benchmark code cannot rot)
  --no-degenerate  skip the 1.7 million empty users file (validate and plan: peak memory < 1 GB)
  --profile    also run validate and plan on the largest size under node --cpu-prof and summarise
  --stages     time validate's stages (decode, reader, rules) in this process on the largest size
  --session-edits N  edits of the server's long session, heap measured after GC before and after (500; 0: none)`;

export interface BenchArgs {
  sizes: number[];
  lspSizes: number[];
  runs: number;
  seed: number;
  hovers: number;
  edits: number;
  /** Edits of the language server's long session (heap before and after); 0: none. */
  sessionEdits: number;
  only?: 'cli' | 'lsp';
  profile: boolean;
  /** Time the stages of validate (decode, reader, rules) in this process on the largest size. */
  stages: boolean;
  out: string;
  quick: boolean;
  /** Also run validate and plan on a file of 1.7 million empty users (the memory worst case). */
  degenerate: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = { sizes: [1000, 20000, 100000], lspSizes: [], runs: 3, seed: 1, hovers: 200, edits: 5, sessionEdits: 500, profile: false, stages: false, out: '.bench', quick: false, degenerate: true };
  let lspGiven = false;
  let runsGiven = false;
  const list = (flag: string, v: string | undefined): number[] => {
    if (!v || !/^\d+(,\d+)*$/.test(v)) throw new Error(`${flag} needs comma-separated user counts, e.g. 1000,20000`);
    return v.split(',').map(Number);
  };
  const int = (flag: string, v: string | undefined, min: number): number => {
    if (!v || !/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag} needs a whole number ≥ ${min}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--sizes': a.sizes = list(flag, value()); break;
      case '--lsp-sizes': a.lspSizes = list(flag, value()); lspGiven = true; break;
      case '--runs': a.runs = int(flag, value(), 1); runsGiven = true; break;
      case '--seed': a.seed = int(flag, value(), 0); break;
      case '--hovers': a.hovers = int(flag, value(), 1); break;
      case '--edits': a.edits = int(flag, value(), 1); break;
      case '--session-edits': a.sessionEdits = int(flag, value(), 0); break;
      case '--out': { const v = value(); if (!v) throw new Error('--out needs a folder'); a.out = v; break; }
      case '--only': { const v = value(); if (v !== 'cli' && v !== 'lsp') throw new Error('--only takes cli or lsp'); a.only = v; break; }
      case '--profile': a.profile = true; break;
      case '--stages': a.stages = true; break;
      case '--quick': a.quick = true; break;
      case '--no-degenerate': a.degenerate = false; break;
      case '-h': case '--help': throw new Error(BENCH_USAGE);
      default: throw new Error(`unknown argument ${JSON.stringify(arg)}\n${BENCH_USAGE}`);
    }
  }
  if (a.quick) {
    a.sizes = [1000];
    a.degenerate = false;
    if (!lspGiven) a.lspSizes = [1000];
    if (!runsGiven) a.runs = 1;
    a.hovers = Math.min(a.hovers, 50);
    a.edits = Math.min(a.edits, 3);
    a.sessionEdits = Math.min(a.sessionEdits, 20);
  }
  // The editor's practical top is 20k users (performance guide): the server is measured up to it.
  if (!lspGiven && !a.quick) a.lspSizes = a.sizes.filter((n) => n <= 20000);
  return a;
}

export interface CliRow {
  tool: string;
  users: number;
  bytes: number;
  runs: number;
  wallMs?: number;
  wallAllMs?: number[];
  /** Median user + system CPU time (GNU time). */
  cpuMs?: number;
  mbPerS?: number;
  usersPerS?: number;
  peakRssMb?: number;
  memSource?: string;
  exitCode?: number | null;
  /** What the command reported (counts only: no personal data). */
  output?: string;
  skipped?: string;
  failed?: string;
}

export const fmt = (x: number | undefined, digits = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
export const fmtMs = (x: number | undefined) => (x === undefined ? '—' : x >= 10000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

export function cliTable(rows: readonly CliRow[]): string {
  const out = ['| tool | users | MB | wall | CPU | MB/s | users/s | peak RSS | result |', '|---|---:|---:|---:|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    const what = r.skipped ? `skipped: ${r.skipped}` : r.failed ? `FAILED: ${r.failed}` : (r.output ?? `exit ${r.exitCode}`);
    out.push(`| ${r.tool} | ${r.users} | ${fmt(r.bytes / 1e6, 1)} | ${fmtMs(r.wallMs)} | ${fmtMs(r.cpuMs)} | ${fmt(r.mbPerS, 1)} | ${fmt(r.usersPerS)} | ${r.peakRssMb === undefined ? '—' : `${fmt(r.peakRssMb)} MB`} | ${what.replace(/\|/g, '/')} |`);
  }
  return out.join('\n');
}

export function lspTable(rows: readonly LspResult[]): string {
  const out = [
    '| users | MB | open → diagnostics | edit → diagnostics (after the debounce) | hover p50 / p95 | code lenses | server RSS (× doc) | heap after GC: open → after the edit session |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.error) {
      out.push(`| ${r.users} | ${fmt(r.bytes / 1e6, 1)} | FAILED: ${r.error.replace(/\|/g, '/')} | | | | | |`);
      continue;
    }
    const complete = r.completeMs === undefined ? '' : `, complete ${fmtMs(r.completeMs)}`;
    const heap = r.heapStartKb === undefined || r.heapEndKb === undefined ? '—' : `${fmt(r.heapStartKb / 1024)} MB → ${fmt(r.heapEndKb / 1024)} MB (${r.sessionEdits} edits in ${fmtMs(r.sessionMs)})`;
    out.push(
      `| ${r.users} | ${fmt(r.bytes / 1e6, 1)} | ${fmtMs(r.openMs)} (CPU ${fmtMs(r.openCpuMs)}; ${r.openDiagnostics} diag.${complete}) | ${fmtMs(r.editMs)} (CPU ${fmtMs(r.editCpuMs)}) | ${fmtMs(r.hoverP50Ms)} / ${fmtMs(r.hoverP95Ms)} (${r.hovers}${r.hoverEmpty ? `, ${r.hoverEmpty} empty` : ''}) | ${fmtMs(r.codeLensMs)} (${r.codeLenses}) | ${r.rssKb ? `${fmt(r.rssKb / 1024)} MB (${fmt(r.rssRatio, 1)}×)` : '—'} | ${heap} |`,
    );
  }
  return out.join('\n');
}

export interface Ratio {
  users: number;
  name: string;
  /** Of wall times. */
  value: number;
  /** Of CPU times (user + system), when measured: steadier on a busy machine. */
  cpuValue?: number;
}

export function ratios(rows: readonly CliRow[]): Ratio[] {
  const out: Ratio[] = [];
  const sizes = [...new Set(rows.map((r) => r.users))];
  const get = (users: number, tool: string) => rows.find((r) => r.users === users && r.tool === tool && r.wallMs !== undefined);
  const pair = (users: number, name: string, a: CliRow | undefined, b: CliRow | undefined) => {
    if (!a?.wallMs || !b?.wallMs) return;
    const r: Ratio = { users, name, value: a.wallMs / b.wallMs };
    if (a.cpuMs && b.cpuMs) r.cpuValue = a.cpuMs / b.cpuMs;
    out.push(r);
  };
  for (const n of sizes) {
    const v = get(n, 'alma-sis validate');
    const stream = get(n, 'xmllint --stream --schema');
    pair(n, 'validate / xmllint --stream', v, stream);
    pair(n, 'validate (errors only) / xmllint --stream', get(n, 'alma-sis validate (errors only)'), stream);
    pair(n, 'validate / xmllint (DOM)', v, get(n, 'xmllint --schema'));
    pair(n, 'plan / xmllint --stream', get(n, 'alma-sis plan'), stream);
    pair(n, 'plan / validate', get(n, 'alma-sis plan'), v);
  }
  return out;
}

export interface Budget {
  what: string;
  limit: string;
  measured: string;
  met: boolean | null;
}

/** Users in the degenerate file: 24 MB of empty `<user></user>` tags took 4.5 GB once. */
export const DEGENERATE_USERS = 1_700_000;

/**
 * Issue 13's budgets against the figures (reported; never asserted): the command line on the
 * largest size, the degenerate file's memory, the server on 20k users (or its largest size).
 */
export function budgets(rows: readonly CliRow[], lsp: readonly LspResult[], degenerate: readonly CliRow[] = []): Budget[] {
  const out: Budget[] = [];
  const big = Math.max(0, ...rows.map((r) => r.users));
  const row = (tool: string) => rows.find((r) => r.users === big && r.tool === tool);
  const rs = ratios(rows).filter((r) => r.users === big);
  const ratio = (name: string) => rs.find((r) => r.name === name)?.value;
  const cpu = (name: string) => {
    const c = rs.find((r) => r.name === name)?.cpuValue;
    return c === undefined ? '' : ` (CPU ${c.toFixed(2)})`;
  };
  const add = (what: string, limit: string, value: number | undefined, max: number, show: (v: number) => string) =>
    out.push({ what, limit, measured: value === undefined ? 'not measured' : show(value), met: value === undefined ? null : value < max });
  const mb = (v: number) => `${v.toFixed(0)} MB`;
  add(`validate ${big} users (errors only) vs xmllint --stream`, 'ratio < 1', ratio('validate (errors only) / xmllint --stream'), 1, (v) => v.toFixed(2) + cpu('validate (errors only) / xmllint --stream'));
  add(`validate ${big} users (text) vs xmllint --stream`, 'ratio < 1', ratio('validate / xmllint --stream'), 1, (v) => v.toFixed(2) + cpu('validate / xmllint --stream'));
  add(`validate ${big} users (errors only) peak RSS`, '< 150 MB', row('alma-sis validate (errors only)')?.peakRssMb, 150, mb);
  add(`validate ${big} users (text) peak RSS`, '< 150 MB', row('alma-sis validate')?.peakRssMb, 150, mb);
  add(`plan ${big} users against ${big} vs xmllint --stream`, '< 2×', ratio('plan / xmllint --stream'), 2, (v) => `${v.toFixed(2)}×${cpu('plan / xmllint --stream')}`);
  add(`plan ${big} users against ${big} peak RSS`, '< 300 MB', row('alma-sis plan')?.peakRssMb, 300, mb);
  for (const d of degenerate) add(`${d.tool}: ${d.users} empty users peak RSS`, '< 1 GB', d.failed ? undefined : d.peakRssMb, 1024, mb);
  const l = lsp.find((r) => r.users === 20000 && !r.error) ?? lsp.filter((r) => !r.error).sort((a, b) => b.users - a.users)[0];
  if (l) {
    const n = l.users;
    add(`server ${n}: open → diagnostics`, '< 1 s', l.openMs, 1000, (v) => `${fmtMs(v)}${l.openCpuMs === undefined ? '' : ` (CPU ${fmtMs(l.openCpuMs)})`}`);
    add(`server ${n}: edit → diagnostics after debounce`, '< 50 ms', l.editMs, 50, (v) => `${fmtMs(v)}${l.editCpuMs === undefined ? '' : ` (CPU ${fmtMs(l.editCpuMs)})`}`);
    add(`server ${n}: hover p95`, '< 10 ms', l.hoverP95Ms, 10, fmtMs);
    add(`server ${n}: code lenses`, '< 100 ms', l.codeLensMs, 100, fmtMs);
    add(`server ${n}: RSS / document size`, '< 10×', l.rssRatio, 10, (v) => `${v.toFixed(1)}×`);
    // Flat: what a long session leaves on the heap after GC, beyond the opened document's, within 10 %.
    const growth = l.heapStartKb && l.heapEndKb !== undefined ? l.heapEndKb / l.heapStartKb - 1 : undefined;
    add(`server ${n}: heap after ${l.sessionEdits ?? 0} edits`, 'flat (< +10 %)', growth, 0.1, (v) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} % (${fmt(l.heapStartKb! / 1024)} → ${fmt(l.heapEndKb! / 1024)} MB)`);
  }
  return out;
}

