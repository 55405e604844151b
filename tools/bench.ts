/**
 * `npm run bench [-- --sizes 1000,20000,100000] [--quick] [--profile] ...`
 *
 * Command line: `alma-sis validate` and `alma-sis plan` (dist/cli.js) beside
 * `xmllint --noout --schema` and `xmllint --stream --noout --schema` on the same generated
 * files: wall time, MB/s, users/s, peak RSS, ratios; peak memory on 1.7 million empty users. Language server: open → diagnostics,
 * one-character edit → diagnostics (debounce subtracted), hover p50/p95, code lenses, RSS,
 * over a real stdio connection. Prints the tables and issue 13's budgets, and writes
 * `.bench/results.json`.
 *
 * Figures are reported, never asserted: the exit code is 1 only when the harness itself could
 * not measure (a crash, a server that does not answer), so CI catches a rotten benchmark
 * without flaky timing checks.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { VALIDATION_DELAY_MS } from '../server/src/lsp/publish';
import { runGen } from './genfiles';
import { sharedDir } from './sharedDir';
import { generateSisXml, generateSnapshot } from './generate';
import { benchLsp, type LspResult } from './bench/lsp';
import { hasGnuTime, median, runMeasured, type Measured } from './bench/measure';
import { formatProfile, summariseProfile } from './bench/profile';
import { measureStages, stagesTable, type StageResult } from './bench/stages';
import { budgets, cliTable, DEGENERATE_USERS, lspTable, parseBenchArgs, ratios, type BenchArgs, type CliRow } from './bench/report';

// ---------------------------------------------------------------------------------------------

interface DataFile {
  users: number;
  xml: string;
  snapshot: string;
  bytes: number;
}

/** Generate (or reuse, when the generator still gives the same output) the files for N users. */
function ensureData(out: string, users: number, seed: number): DataFile {
  const dir = resolve(out, 'data', `u${users}-s${seed}`);
  const xml = join(dir, 'users.xml');
  const snapshot = join(dir, 'users.alma-snapshot.json');
  const metaPath = join(dir, 'meta.json');
  // A fingerprint of the generator's output on a small sample: a changed generator regenerates.
  const fingerprint = createHash('sha256')
    .update(generateSisXml({ users: 40, seed }).xml)
    .update(generateSnapshot({ users: 40, seed }).json)
    .digest('hex')
    .slice(0, 16);
  let meta: { users?: number; seed?: number; fingerprint?: string } = {};
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch {
    // absent or unreadable: regenerate
  }
  if (!(meta.fingerprint === fingerprint && meta.users === users && existsSync(xml) && existsSync(snapshot))) {
    process.stderr.write(`generating ${users} users (seed ${seed}) in ${dir} ...\n`);
    rmSync(dir, { recursive: true, force: true });
    runGen({ opts: { users, seed }, out: dir, snapshot: true, name: 'users' });
    writeFileSync(metaPath, JSON.stringify({ users, seed, fingerprint }) + '\n');
  }
  return { users, xml, snapshot, bytes: statSync(xml).size };
}

/** The memory worst case: 24 MB of empty `<user></user>` tags, written once and reused. */
function ensureDegenerate(out: string): DataFile {
  const dir = resolve(out, 'data', `empty${DEGENERATE_USERS}`);
  const xml = join(dir, 'users.xml');
  if (!existsSync(xml)) {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(`${xml}.tmp`, 'w');
    try {
      writeSync(fd, '<?xml version="1.0" encoding="UTF-8"?>\n<users>\n');
      const block = '<user></user>\n'.repeat(10_000);
      for (let n = 0; n < DEGENERATE_USERS; n += 10_000) writeSync(fd, block);
      writeSync(fd, '</users>\n');
    } finally {
      closeSync(fd);
    }
    renameSync(`${xml}.tmp`, xml);
  }
  return { users: DEGENERATE_USERS, xml, snapshot: '', bytes: statSync(xml).size };
}

/** The ends of a (possibly huge) output file. */
function ends(path: string, size = 64 * 1024): { head: string; tail: string } {
  const fd = openSync(path, 'r');
  try {
    const total = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, total));
    readSync(fd, buf, 0, buf.length, 0);
    const head = buf.toString('utf8');
    readSync(fd, buf, 0, buf.length, Math.max(0, total - buf.length));
    return { head, tail: buf.toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** What a command reported, in counts (the files are synthetic, but counts are all a table needs). */
function describeOutput(tool: string, path: string): string | undefined {
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const { head, tail } = ends(path);
  const summary = /"summary"\s*:\s*(\{[^}]*\})/.exec(tail) ?? /"summary"\s*:\s*(\{[^}]*\})/.exec(head);
  if (summary) {
    try {
      const s = JSON.parse(summary[1]) as Record<string, number>;
      return Object.entries(s).map(([k, v]) => `${k} ${v}`).join(', ');
    } catch {
      // fall through to the text forms
    }
  }
  const plan = /^Total users processed:.*$/m.exec(head);
  if (plan) return plan[0];
  if (tool.includes('validate')) return tail.trimEnd().split('\n').pop();
  return undefined;
}

interface ToolRun {
  row: CliRow;
  cmd: string;
  args: string[];
  stdoutFile: string;
  all: Measured[];
}

/** One run of one tool; marks the row skipped or failed when the command could not do its job. */
async function runOnce(t: ToolRun, useTime: boolean): Promise<void> {
  const m = await runMeasured(t.cmd, t.args, { stdoutFile: t.stdoutFile, useGnuTime: useTime, timeoutMs: 15 * 60_000 });
  if (m.exitCode === 2 && /unknown command/.test(m.stderrHead)) {
    t.row.skipped = `not available yet (${m.stderrHead.split('\n')[0]})`;
  } else if (m.timedOut || m.signal || (m.exitCode !== 0 && m.exitCode !== 1)) {
    t.row.failed = m.timedOut ? 'timed out' : `exit ${m.exitCode ?? m.signal}: ${m.stderrHead.split('\n')[0]}`;
  } else {
    t.all.push(m);
  }
}

function finish(t: ToolRun, file: DataFile): CliRow {
  const { row, all } = t;
  if (row.skipped || row.failed || all.length === 0) return row;
  row.runs = all.length;
  row.wallAllMs = all.map((m) => Math.round(m.wallMs));
  row.wallMs = median(all.map((m) => m.wallMs));
  const cpu = all.map((m) => m.cpuMs).filter((x): x is number => x !== undefined);
  if (cpu.length) row.cpuMs = median(cpu);
  row.mbPerS = file.bytes / 1e6 / (row.wallMs / 1000);
  row.usersPerS = file.users / (row.wallMs / 1000);
  const peaks = all.map((m) => m.peakRssKb).filter((x): x is number => x !== undefined);
  if (peaks.length) row.peakRssMb = Math.max(...peaks) / 1024;
  row.memSource = all[0].memSource;
  row.exitCode = all[all.length - 1].exitCode;
  row.output = row.tool.startsWith('xmllint') ? all[all.length - 1].stderrHead.split('\n').pop()?.replace(/^.*\//, '') : describeOutput(row.tool, t.stdoutFile);
  return row;
}

// ---------------------------------------------------------------------------------------------

function machine(): Record<string, string | number> {
  const sh = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : '';
  };
  const free = sh('free', ['-h']).split('\n').find((l) => l.startsWith('Mem:'))?.split(/\s+/)[1] ?? `${(totalmem() / 2 ** 30).toFixed(1)}Gi`;
  return {
    nproc: Number(sh('nproc', [])) || cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: free,
    node: process.version,
    xmllint: sh('xmllint', ['--version']).split('\n')[0].replace(/^xmllint: using /, '') || 'not installed',
    os: sh('uname', ['-sr']),
    // Other work on the machine skews the figures: say how busy it was.
    loadavg1m: Number(loadavg()[0].toFixed(2)),
  };
}

// ---------------------------------------------------------------------------------------------

async function profileRun(name: string, cliJs: string, args: string[], dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = `${name}.cpuprofile`;
  rmSync(join(dir, file), { force: true });
  // Profile a private copy of the bundle: a rebuild while we run must not shift the lines that
  // attribute functions to source files.
  const bundle = readFileSync(cliJs, 'utf8');
  const copy = join(dir, 'cli.js');
  writeFileSync(copy, bundle);
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${file}`, copy, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 20 });
  if (!existsSync(join(dir, file))) return `${name}: no profile written (exit ${r.status}: ${(r.stderr ?? '').split('\n')[0]})`;
  const summary = summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), { [copy]: bundle });
  const text = `${name} (${args.slice(0, 1).join(' ')}), exit ${r.status}\n${formatProfile(summary)}\n`;
  writeFileSync(join(dir, `${name}.txt`), text);
  return text;
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    const message = (e as Error).message;
    if (message.startsWith('usage:')) {
      process.stdout.write(`${message}\n`);
      return 0;
    }
    process.stderr.write(`bench: ${message}\n`);
    return 2;
  }
  const root = resolve(__dirname, '..', '..');
  const xsd = join(sharedDir(root), 'schema', 'rest_users.xsd');
  const out = resolve(args.out);
  // Measure private copies of the bundles: a rebuild during the run must not change what runs.
  const bin = join(out, 'bin');
  mkdirSync(bin, { recursive: true });
  const copyBundle = (name: string): string => {
    const from = join(root, 'dist', name);
    const to = join(bin, name);
    rmSync(to, { force: true });
    if (existsSync(from)) writeFileSync(to, readFileSync(from));
    return to;
  };
  const cliJs = copyBundle('cli.js');
  const serverJs = copyBundle('server.js');
  const runDir = join(out, 'out');
  mkdirSync(runDir, { recursive: true });
  const notes: string[] = [];
  const note = (s: string) => {
    notes.push(s);
    process.stderr.write(`note: ${s}\n`);
  };
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  if (loadAtStart > cpus().length) note(`the machine is busy (load average ${loadAtStart} on ${cpus().length} cores): figures will be slower than on an idle machine`);
  const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
  if (!hasXmllint) note('xmllint is not installed (apt-get install libxml2-utils): the xmllint rows and ratios are skipped');
  else if (!existsSync(xsd)) note(`${xsd} is missing (../shared not present; ALMA_SIS_SHARED may point to it): the xmllint rows and ratios are skipped`);
  const useTime = hasGnuTime();
  if (!useTime) note('GNU time (/usr/bin/time) is missing: peak memory is sampled from /proc/<pid>/status VmHWM every 10 ms');

  const allSizes = [...new Set([...(args.only === 'lsp' ? [] : args.sizes), ...(args.only === 'cli' ? [] : args.lspSizes)])].sort((a, b) => a - b);
  const data = new Map<number, DataFile>();
  for (const n of allSizes) data.set(n, ensureData(out, n, args.seed));

  let failures = 0;
  const cli: CliRow[] = [];
  let startupMs: number | undefined;
  if (args.only !== 'lsp') {
    if (!existsSync(cliJs)) note('dist/cli.js is missing (run npm run build): the command-line rows are skipped');
    if (existsSync(cliJs)) {
      // Start-up alone (Node + loading the bundle): what every command pays before reading a byte.
      const ms: number[] = [];
      for (let r = 0; r < Math.max(3, args.runs); r++) ms.push((await runMeasured(process.execPath, [cliJs, '--version'], { useGnuTime: false })).wallMs);
      startupMs = median(ms);
    }
    for (const n of args.sizes) {
      const f = data.get(n)!;
      const tools: [string, string, string[]][] = [];
      if (existsSync(cliJs)) {
        // As people run them (text), and validate reporting errors only, like xmllint --noout.
        tools.push(['alma-sis validate', process.execPath, [cliJs, 'validate', f.xml]]);
        tools.push(['alma-sis validate (errors only)', process.execPath, [cliJs, 'validate', f.xml, '--format', 'json', '--min-severity', 'error']]);
        tools.push(['alma-sis plan', process.execPath, [cliJs, 'plan', f.xml, '--snapshot', f.snapshot]]);
      }
      if (hasXmllint && existsSync(xsd)) {
        tools.push(['xmllint --schema', 'xmllint', ['--noout', '--schema', xsd, f.xml]]);
        tools.push(['xmllint --stream --schema', 'xmllint', ['--stream', '--noout', '--schema', xsd, f.xml]]);
      }
      // Round-robin over the tools, run after run, so a machine whose load changes over time
      // weighs on every tool alike (the ratios are what matter).
      const runs: ToolRun[] = tools.map(([tool, cmd, a]) => ({
        row: { tool, users: n, bytes: f.bytes, runs: 0 },
        cmd,
        args: a,
        stdoutFile: join(runDir, `${tool.replace(/[^\w]+/g, '-')}-${n}.out`),
        all: [],
      }));
      for (let r = 0; r < args.runs; r++) {
        for (const t of runs) {
          if (t.row.skipped || t.row.failed) continue;
          process.stderr.write(`${t.row.tool} on ${n} users, run ${r + 1}/${args.runs} ...\n`);
          await runOnce(t, useTime);
        }
      }
      for (const t of runs) {
        const row = finish(t, f);
        if (row.skipped) note(`${row.tool}: ${row.skipped}`);
        if (row.failed) {
          failures++;
          note(`${row.tool} on ${n} users failed: ${row.failed}`);
        }
        cli.push(row);
      }
    }
  }

  // Memory on the worst case (one run each: it is the peak that matters, and plan takes minutes).
  const degenerate: CliRow[] = [];
  if (args.degenerate && args.only !== 'lsp' && existsSync(cliJs)) {
    const f = ensureDegenerate(out);
    const snapshot = data.get(Math.max(...args.sizes))?.snapshot;
    const tools: [string, string[]][] = [['alma-sis validate', ['validate', f.xml]]];
    if (snapshot) tools.push(['alma-sis plan', ['plan', f.xml, '--snapshot', snapshot]]);
    for (const [tool, a] of tools) {
      process.stderr.write(`${tool} on ${f.users} empty users ...\n`);
      const t: ToolRun = { row: { tool, users: f.users, bytes: f.bytes, runs: 0 }, cmd: process.execPath, args: [cliJs, ...a], stdoutFile: join(runDir, `${tool.replace(/[^\w]+/g, '-')}-empty.out`), all: [] };
      await runOnce(t, useTime);
      const row = finish(t, f);
      if (row.failed) {
        failures++;
        note(`${tool} on ${f.users} empty users failed: ${row.failed}`);
      }
      degenerate.push(row);
    }
  }

  const lsp: LspResult[] = [];
  let serverProfile: string | undefined;
  if (args.only !== 'cli') {
    if (!existsSync(serverJs)) note('dist/server.js is missing (run npm run build): the language-server rows are skipped');
    else {
      for (const n of args.lspSizes) {
        process.stderr.write(`language server on ${n} users ...\n`);
        const r = await benchLsp({ file: data.get(n)!.xml, users: n, serverJs, debounceMs: VALIDATION_DELAY_MS, hovers: args.hovers, edits: args.edits, sessionEdits: args.sessionEdits, timeoutMs: 120_000 });
        if (r.error) {
          failures++;
          note(`language server on ${n} users failed: ${r.error}`);
        }
        lsp.push(r);
      }
      if (args.profile && args.lspSizes.length) {
        // A separate, profiled session on the largest document (profiling slows it: not in the table).
        const n = Math.max(...args.lspSizes);
        const dir = join(out, 'profile');
        mkdirSync(dir, { recursive: true });
        const bundle = readFileSync(serverJs, 'utf8');
        const copy = join(dir, 'server.js');
        writeFileSync(copy, bundle);
        rmSync(join(dir, 'server.cpuprofile'), { force: true });
        process.stderr.write(`profiling the language server on ${n} users ...\n`);
        await benchLsp({ file: data.get(n)!.xml, users: n, serverJs: copy, debounceMs: VALIDATION_DELAY_MS, hovers: args.hovers, edits: args.edits, timeoutMs: 300_000, profileDir: dir });
        if (existsSync(join(dir, 'server.cpuprofile'))) {
          const text = `language server (open, ${args.edits} edits, ${args.hovers} hovers, code lenses on ${n} users)\n${formatProfile(summariseProfile(JSON.parse(readFileSync(join(dir, 'server.cpuprofile'), 'utf8')), { [copy]: bundle }))}\n`;
          writeFileSync(join(dir, 'server.txt'), text);
          serverProfile = text;
        } else note('the profiled language server wrote no profile (it did not exit cleanly)');
      }
    }
  }

  let stages: StageResult[] | undefined;
  let stagesUsers = 0;
  if (args.stages && args.only !== 'lsp') {
    const f = data.get(Math.max(...args.sizes))!;
    process.stderr.write(`timing the stages of validate on ${f.users} users ...\n`);
    stages = measureStages(f.xml, f.bytes, new Date().toISOString().slice(0, 10));
    stagesUsers = f.users;
  }

  const profiles: string[] = [];
  if (args.profile && args.only !== 'lsp' && existsSync(cliJs)) {
    const f = data.get(Math.max(...args.sizes))!;
    const dir = join(out, 'profile');
    process.stderr.write(`profiling on ${f.users} users ...\n`);
    profiles.push(await profileRun('validate', cliJs, ['validate', f.xml], dir));
    profiles.push(await profileRun('plan', cliJs, ['plan', f.xml, '--snapshot', f.snapshot], dir));
  }

  const m = machine();
  const rs = ratios(cli);
  const bs = budgets(cli, lsp, degenerate);
  const results = {
    format: 'alma-sis-bench',
    version: 1,
    date: new Date().toISOString(),
    machine: m,
    options: { ...args, debounceMs: VALIDATION_DELAY_MS, memory: useTime ? 'GNU time -v' : '/proc VmHWM sampling' },
    files: [...data.values()].map((f) => ({ users: f.users, bytes: f.bytes })),
    startupMs,
    cli,
    degenerate,
    stages,
    ratios: rs,
    lsp,
    budgets: bs,
    notes,
  };
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');

  const lines: string[] = [];
  lines.push(`machine: ${m.nproc} cores (${m.cpu}), ${m.memory} RAM, Node ${m.node}, ${m.os}; xmllint: ${m.xmllint}; load average ${loadAtStart} at start, ${m.loadavg1m} at end`);
  lines.push(`runs per figure: ${args.runs} (median wall time; peak RSS = max over runs)`, '');
  if (cli.length || degenerate.length) lines.push(cliTable([...cli, ...degenerate]), '');
  if (stages) lines.push(stagesTable(stages, stagesUsers), '');
  if (startupMs !== undefined) lines.push(`start-up of the command line alone (alma-sis --version): ${startupMs.toFixed(0)} ms`, '');
  if (rs.length) {
    lines.push('| ratio | users | wall | CPU |', '|---|---:|---:|---:|');
    for (const r of rs) lines.push(`| ${r.name} | ${r.users} | ${r.value.toFixed(2)} | ${r.cpuValue === undefined ? '—' : r.cpuValue.toFixed(2)} |`);
    lines.push('');
  }
  if (lsp.length) lines.push(lspTable(lsp), '');
  if (bs.length) {
    lines.push('| budget (issue 13) | limit | measured | met |', '|---|---|---|---|');
    for (const b of bs) lines.push(`| ${b.what} | ${b.limit} | ${b.measured} | ${b.met === null ? '—' : b.met ? 'yes' : 'no'} |`);
    lines.push('');
  }
  for (const n of notes) lines.push(`note: ${n}`);
  for (const p of profiles) lines.push('', p);
  if (serverProfile) lines.push('', serverProfile);
  lines.push('', `results: ${join(out, 'results.json')}`);
  process.stdout.write(lines.join('\n') + '\n');
  return failures ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
