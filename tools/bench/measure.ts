/**
 * Running one command and measuring it: wall time, peak resident memory (GNU time's "Maximum
 * resident set size" when /usr/bin/time exists, else VmHWM sampled from /proc), exit code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';

export interface Measured {
  wallMs: number;
  /** Peak resident set size in kB; undefined when it could not be read. */
  peakRssKb?: number;
  /** User + system CPU time of the command (GNU time only): far less sensitive to a busy machine than wall time. */
  cpuMs?: number;
  /** How peak memory was obtained. */
  memSource: 'time -v' | '/proc VmHWM' | 'none';
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** First lines of stderr (what went wrong, when it did). */
  stderrHead: string;
  stdoutBytes: number;
  timedOut: boolean;
}

export const GNU_TIME = '/usr/bin/time';

export function hasGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  // busybox `time` has no -v/-o; check that this one has.
  return spawnSync(GNU_TIME, ['-v', '-o', '/dev/null', 'true'], { stdio: 'ignore' }).status === 0;
}

/** "Maximum resident set size (kbytes): 12345" from `time -v` output. */
export function parseGnuTime(text: string): { peakRssKb?: number; elapsedMs?: number; cpuMs?: number } {
  const user = /User time \(seconds\):\s*(\d+(?:\.\d+)?)/.exec(text);
  const sys = /System time \(seconds\):\s*(\d+(?:\.\d+)?)/.exec(text);
  const rss = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(text);
  const el = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\):\s*(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(text);
  return {
    peakRssKb: rss ? Number(rss[1]) : undefined,
    cpuMs: user && sys ? Math.round((Number(user[1]) + Number(sys[1])) * 1000) : undefined,
    elapsedMs: el ? ((Number(el[1] ?? 0) * 60 + Number(el[2])) * 60 + Number(el[3])) * 1000 : undefined,
  };
}

/** Reads a `kB` field (VmRSS, VmHWM) of /proc/<pid>/status; undefined when gone or not Linux. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface RunOptions {
  /** Where the command's stdout goes (a file; /dev/null by default). */
  stdoutFile?: string;
  timeoutMs?: number;
  useGnuTime?: boolean;
  cwd?: string;
}

/** Runs `cmd args` once and measures it. Never throws for a failing command: see exitCode. */
export function runMeasured(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Measured> {
  const useTime = opts.useGnuTime ?? hasGnuTime();
  const timeFile = `${opts.stdoutFile ?? '/tmp/bench'}.${process.pid}.time`;
  const outFd = openSync(opts.stdoutFile ?? '/dev/null', 'w');
  const argv = useTime ? ['-v', '-o', timeFile, cmd, ...args] : [...args];
  const start = process.hrtime.bigint();
  const child = spawn(useTime ? GNU_TIME : cmd, argv, { stdio: ['ignore', outFd, 'pipe'], cwd: opts.cwd });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  let hwm = 0;
  // Without GNU time, sample the peak the kernel keeps (VmHWM) while the process runs.
  const sampler = useTime
    ? undefined
    : setInterval(() => {
        const v = child.pid ? procStatusKb(child.pid, 'VmHWM') : undefined;
        if (v !== undefined) hwm = Math.max(hwm, v);
      }, 10);
  let timedOut = false;
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs)
    : undefined;
  return new Promise((resolve) => {
    child.on('error', (e) => {
      stderr += `cannot start ${cmd}: ${e.message}`;
    });
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (sampler) clearInterval(sampler);
      if (timer) clearTimeout(timer);
      closeSync(outFd);
      let peakRssKb: number | undefined = hwm || undefined;
      let cpuMs: number | undefined;
      let memSource: Measured['memSource'] = hwm ? '/proc VmHWM' : 'none';
      if (useTime && existsSync(timeFile)) {
        const t = readFileSync(timeFile, 'utf8');
        rmSync(timeFile, { force: true });
        // GNU time reports "Command exited with non-zero status N" first: our exit code is the child's.
        const parsed = parseGnuTime(t);
        cpuMs = parsed.cpuMs;
        if (parsed.peakRssKb !== undefined) {
          peakRssKb = parsed.peakRssKb;
          memSource = 'time -v';
        }
      }
      const stdoutBytes = opts.stdoutFile && existsSync(opts.stdoutFile) ? statSync(opts.stdoutFile).size : 0;
      resolve({
        wallMs,
        peakRssKb,
        cpuMs,
        memSource,
        exitCode: code,
        signal,
        stderrHead: stderr.split('\n').slice(0, 4).join('\n').trim(),
        stdoutBytes,
        timedOut,
      });
    });
  });
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** CPU time (user + system) a live process has used so far, from /proc/<pid>/stat; undefined when gone. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux Node supports. */
const CLOCK_TICKS = 100;
