/**
 * `npm run fuzz -- --seconds N [--seed S] [--timeout-ms T] [--no-server] [--only I]`
 * (bundled to dist/tools/fuzz.js).
 *
 * Mutates the corpus files (`../shared/corpus/sis`, when present) and generated files, and
 * checks the properties of `check.ts` on each input in a worker thread under a clock: an input
 * that takes longer than the time bound is a hang, a worker that dies (out of memory, stack) is
 * a crash. Deterministic by seed: input `i` of seed `S` is always the same bytes. Every finding
 * is written to `.fuzz/` (the input and a JSON note) and the exit code is 1.
 *
 * With `dist/server.js` built, a second loop drives the language server over stdio with
 * mutated documents and random edits at the same time (see `server.ts`).
 *
 * Nothing leaves the machine: the worker traps sockets, DNS, http(s) and fetch, and file reads
 * once its inputs are loaded; any attempt is a finding.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadBases } from './bases';
import { checkSample, makeContext, type Finding } from './check';
import { makeSample, type Base } from './mutate';
import { fuzzServer } from './server';
import { installTraps } from './traps';

interface Args {
  seconds: number;
  seed: number;
  timeoutMs: number;
  server: boolean;
  only?: number;
  out: string;
  repo: string;
}

const USAGE = 'usage: npm run fuzz -- --seconds N [--seed S] [--timeout-ms T] [--no-server] [--only ITERATION] [--out DIR]';

function parseArgs(argv: string[]): Args {
  const repo = path.resolve(__dirname, '..', '..');
  const a: Args = { seconds: 60, seed: Math.floor(Math.random() * 2 ** 31), timeoutMs: 20_000, server: true, out: path.join(repo, '.fuzz'), repo };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${k} needs a non-negative number`);
      return v;
    };
    if (k === '--seconds') a.seconds = num();
    else if (k === '--seed') a.seed = Math.floor(num());
    else if (k === '--timeout-ms') a.timeoutMs = num();
    else if (k === '--only') a.only = Math.floor(num());
    else if (k === '--no-server') a.server = false;
    else if (k === '--out') a.out = path.resolve(argv[++i] ?? '.fuzz');
    else if (k === '--help' || k === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// The worker: checks inputs by number.

interface Job {
  readonly iteration: number;
}
interface Reply {
  readonly iteration: number;
  readonly findings: Finding[];
  readonly bytes: number;
  readonly mutations: string[];
  /** Time the checks took in the worker. */
  readonly ms?: number;
}

async function workerMain(): Promise<void> {
  const { repo, seed } = workerData as { repo: string; seed: number };
  const { bases } = loadBases(repo, seed);
  const ctx = makeContext(seed);
  // From here on nothing may read a file or open a connection.
  const attempts = installTraps({ files: true });
  parentPort!.on('message', async (job: Job) => {
    let sample;
    try {
      sample = makeSample(bases, seed, job.iteration);
    } catch (e) {
      parentPort!.postMessage({ iteration: job.iteration, findings: [{ property: 'harness', message: `making the input failed: ${(e as Error).stack}` }], bytes: 0, mutations: [] } satisfies Reply);
      return;
    }
    // Tell the clock how large the input is: the time bound grows with it.
    parentPort!.postMessage({ started: job.iteration, bytes: sample.bytes.length });
    const before = attempts.length;
    const t0 = performance.now();
    const findings = await checkSample(sample, ctx, seed + job.iteration);
    const ms = Math.round(performance.now() - t0);
    for (const a of attempts.slice(before)) findings.push({ property: 'no-external-access', message: `${a.what}: ${a.detail}` });
    const reply: Reply = { iteration: job.iteration, findings, bytes: sample.bytes.length, mutations: sample.mutations, ms };
    parentPort!.postMessage(reply);
  });
  parentPort!.postMessage({ ready: true });
}

// ---------------------------------------------------------------------------------------------
// The main thread: hands out iterations, keeps the clock, records findings.

class Checker {
  private worker?: Worker;
  private ready?: Promise<void>;
  constructor(private readonly repo: string, private readonly seed: number) {}

  private start(): Promise<void> {
    const w = new Worker(__filename, { workerData: { repo: this.repo, seed: this.seed }, resourceLimits: { maxOldGenerationSizeMb: 3072, stackSizeMb: 4 } });
    this.worker = w;
    this.ready = new Promise((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
    return this.ready;
  }

  /** Runs one iteration; a timeout or a dead worker comes back as a finding. */
  async run(iteration: number, timeoutMs: number): Promise<Reply> {
    if (!this.worker) await this.start();
    else await this.ready;
    const w = this.worker!;
    return new Promise<Reply>((resolve) => {
      let done = false;
      const finish = (r: Reply, kill: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (kill) {
          void w.terminate();
          this.worker = undefined;
        }
        resolve(r);
      };
      const fail = (property: string, message: string) => finish({ iteration, findings: [{ property, message }], bytes: -1, mutations: [] }, true);
      const onMessage = (m: Reply | { started: number; bytes: number }) => {
        if ('started' in m) {
          // The bound: the base time plus 15 s per MB (a 10 MB input is read, validated twice,
          // planned, re-read after edits and streamed; on a loaded 2-core machine).
          clearTimeout(timer);
          const bound = timeoutMs + Math.round((15_000 * m.bytes) / 1e6);
          timer = setTimeout(() => fail('hang', `no answer within ${bound} ms (input of ${m.bytes} bytes)`), bound);
        } else finish(m, false);
      };
      const onError = (e: Error) => fail('crash', `the worker died: ${e.message}`);
      const onExit = (code: number) => fail('crash', `the worker exited with code ${code}`);
      let timer = setTimeout(() => fail('hang', `no answer within ${timeoutMs} ms`), timeoutMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ iteration } satisfies Job);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

function writeReproducer(out: string, seed: number, iteration: number, bases: readonly Base[], findings: readonly Finding[]): string {
  fs.mkdirSync(out, { recursive: true });
  const sample = makeSample(bases, seed, iteration);
  const stem = path.join(out, `${findings[0].property}-seed${seed}-it${iteration}`);
  fs.writeFileSync(`${stem}.xml`, sample.bytes);
  fs.writeFileSync(
    `${stem}.json`,
    JSON.stringify(
      {
        seed,
        iteration,
        base: sample.base,
        mutations: sample.mutations,
        findings,
        reproduce: `npm run fuzz -- --seed ${seed} --only ${iteration} --no-server`,
      },
      null,
      2,
    ) + '\n',
  );
  return `${stem}.xml`;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { bases, corpus } = loadBases(args.repo, args.seed);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`fuzz: seed ${args.seed}, ${args.only !== undefined ? `iteration ${args.only} only` : `${args.seconds} s`}, time bound ${args.timeoutMs} ms + 15 s per MB per input`);
  out(`fuzz: bases: ${corpus} corpus files${corpus === 0 ? ' (../shared/corpus/sis not found: skipped)' : ''}, ${bases.length - corpus} generated`);

  const deadline = Date.now() + args.seconds * 1000;
  const checker = new Checker(args.repo, args.seed);
  const findings: { iteration: number; finding: Finding; file?: string }[] = [];
  const byMutation = new Map<string, number>();
  let iterations = 0;
  let bytes = 0;
  // The slowest inputs, reported (not failed on: the machine may be busy) to spot super-linear costs.
  const slowest: Reply[] = [];

  const serverPath = path.join(args.repo, 'dist', 'server.js');
  const serverRun =
    args.server && args.only === undefined
      ? fs.existsSync(serverPath)
        ? fuzzServer({ serverPath, deadline, seed: args.seed, bases, log: out })
        : (out('fuzz: server: dist/server.js not built: skipped'), undefined)
      : undefined;

  const started = Date.now();
  let lastReport = started;
  const first = args.only ?? 0;
  for (let it = first; args.only !== undefined ? it === first : Date.now() < deadline; it++) {
    const r = await checker.run(it, args.timeoutMs);
    iterations++;
    if (r.bytes > 0) bytes += r.bytes;
    for (const m of r.mutations) byMutation.set(m, (byMutation.get(m) ?? 0) + 1);
    if (r.ms !== undefined) {
      slowest.push(r);
      slowest.sort((a, b) => b.ms! - a.ms!);
      slowest.length = Math.min(slowest.length, 3);
    }
    if (r.findings.length > 0) {
      let file: string | undefined;
      try {
        if (findings.length < 50) file = writeReproducer(args.out, args.seed, it, bases, r.findings);
      } catch (e) {
        out(`fuzz: cannot write the reproducer of iteration ${it}: ${(e as Error).message}`);
      }
      for (const f of r.findings) {
        findings.push({ iteration: it, finding: f, file });
        out(`fuzz: FINDING at iteration ${it}: ${f.property}: ${f.message}${file ? ` (input: ${path.relative(process.cwd(), file)})` : ''}`);
      }
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      out(`fuzz: ${iterations} inputs in ${((lastReport - started) / 1000).toFixed(0)} s, ${findings.length} findings`);
    }
  }
  await checker.close();
  const elapsed = (Date.now() - started) / 1000;
  out(`fuzz: reader/validator/engine: ${iterations} inputs (${(bytes / 1e6).toFixed(1)} MB) in ${elapsed.toFixed(1)} s = ${(iterations / elapsed).toFixed(1)} inputs/s`);
  for (const r of slowest) out(`fuzz: slow input: iteration ${r.iteration}, ${(r.bytes / 1e6).toFixed(2)} MB, ${r.ms} ms (${r.mutations.join(', ')})`);
  out(`fuzz: mutations applied: ${[...byMutation].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  let serverFindings = 0;
  if (serverRun) {
    const s = await serverRun;
    serverFindings = s.findings.length;
    out(`fuzz: server: ${s.documents} documents, ${s.edits} edits, ${s.requests} requests, slowest ${s.slowestMs} ms, peak RSS ${(s.peakRss / 1e6).toFixed(0)} MB, ${s.restarts} restarts`);
    if (s.findings.length > 0) {
      fs.mkdirSync(args.out, { recursive: true });
      const file = path.join(args.out, `server-seed${args.seed}.json`);
      fs.writeFileSync(file, JSON.stringify(s.findings, null, 2) + '\n');
      for (const f of s.findings) out(`fuzz: FINDING (server): ${f.property}: ${f.message}`);
      out(`fuzz: server findings written to ${path.relative(process.cwd(), file)} (each with its document)`);
    }
  }
  const total = findings.length + serverFindings;
  out(`fuzz: ${total === 0 ? 'no findings' : `${total} findings`}`);
  process.exit(total === 0 ? 0 : 1);
}

if (isMainThread) {
  main().catch((e) => {
    process.stderr.write(`fuzz: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  });
} else {
  void workerMain();
}
