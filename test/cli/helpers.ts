/**
 * Runs the BUILT command line (`dist/cli.js`) as a child process. `npm test` builds first; run
 * alone (`npx vitest run test/cli`), the bundle is rebuilt when a source is newer than it, under
 * a lock so that parallel test files do not build over each other.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(REPO, 'server', 'src'));
  walk(path.join(REPO, 'shared', 'src'));
  return newest;
}

function fresh(): boolean {
  try {
    return fs.statSync(CLI).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds `dist/cli.js` unless it is newer than every source. */
export function ensureBuilt(): void {
  if (fresh()) return;
  const lock = path.join(os.tmpdir(), `alma-sis-build-${Buffer.from(REPO).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than two minutes was left by a killed run.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmdirSync(lock);
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      sleep(100);
    }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'pipe' });
  } finally {
    fs.rmdirSync(lock);
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli.js ...args` with optional standard input; NO_COLOR and FORCE_COLOR unset. */
export function run(args: readonly string[], options: { input?: string | Uint8Array; cwd?: string; env?: Record<string, string> } = {}): RunResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NO_COLOR' && k !== 'FORCE_COLOR') env[k] = v;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    input: options.input ?? '',
    env: { ...env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** True when the output shows a JavaScript stack trace (never for user errors). */
export function hasStackTrace(s: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(s);
}
