/**
 * Where validate's time goes, stage by stage, in this process (`npm run bench -- --stages`):
 * each stage adds one step to the one before, over the same file read in 1 MB pieces, so the
 * difference between two rows is the cost of the step. The owners of the reader and the
 * validator can see what a faster reader would buy before writing it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { SisStreamReader } from '../../shared/src/sis/read';
import { analyzeUser, type ValidateOptions } from '../../shared/src/validate';

export interface StageResult {
  stage: string;
  wallMs: number;
  cpuMs: number;
  mbPerS: number;
  /** Something computed, so the work cannot be optimised away (and a sanity check). */
  count: number;
}

function pieces(path: string, each: (s: string) => void): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  const decoder = new TextDecoder('utf-8');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      each(decoder.decode(buf.subarray(0, n), { stream: true }));
    }
    const rest = decoder.decode();
    if (rest) each(rest);
  } finally {
    closeSync(fd);
  }
}

function time(stage: string, bytes: number, run: () => number): StageResult {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const count = run();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { stage, wallMs, cpuMs: (c.user + c.system) / 1000, mbPerS: bytes / 1e6 / (wallMs / 1000), count };
}

/** Runs the stages twice and reports the second pass, so every stage runs JIT-compiled code. */
export function measureStages(path: string, bytes: number, today: string): StageResult[] {
  stagesOnce(path, bytes, today);
  return stagesOnce(path, bytes, today);
}

function stagesOnce(path: string, bytes: number, today: string): StageResult[] {
  const out: StageResult[] = [];
  out.push(
    time('read + decode UTF-8', bytes, () => {
      let n = 0;
      pieces(path, (s) => (n += s.length));
      return n;
    }),
  );
  out.push(
    time('+ a loop over every character (the JavaScript floor)', bytes, () => {
      let lt = 0;
      pieces(path, (s) => {
        for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 60) lt++;
      });
      return lt;
    }),
  );
  out.push(
    time('+ SisStreamReader (users as element trees)', bytes, () => {
      let users = 0;
      const reader = new SisStreamReader(() => users++);
      pieces(path, (s) => reader.push(s));
      reader.end();
      return users;
    }),
  );
  const options: ValidateOptions = { today };
  out.push(
    time('+ analyzeUser on every user (the rules)', bytes, () => {
      let problems = 0;
      const reader = new SisStreamReader((u) => {
        problems += analyzeUser(u.chunk.element, options).problems.length;
      });
      pieces(path, (s) => reader.push(s));
      reader.end();
      return problems;
    }),
  );
  return out;
}

export function stagesTable(rows: readonly StageResult[], users: number): string {
  const out = [`| stage (${users} users, in one process) | wall | CPU | MB/s | count |`, '|---|---:|---:|---:|---:|'];
  for (const r of rows) out.push(`| ${r.stage} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${r.mbPerS.toFixed(0)} | ${r.count} |`);
  return out.join('\n');
}
