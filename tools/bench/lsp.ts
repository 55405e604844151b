/**
 * The language server over a real stdio connection: spawn `dist/server.js --stdio`, speak LSP
 * with vscode-jsonrpc's message connection, and time what an editor waits for.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { SnapshotInfoRequest } from '../../shared/src/protocol';
import { LineIndex } from '../../shared/src/text/lines';
import { median, percentile, procCpuMs, procStatusKb } from './measure';

export interface LspOptions {
  /** Path of the SIS file; its `*.alma-snapshot.json` sits beside it. */
  file: string;
  users: number;
  serverJs: string;
  /** The server's validation debounce, subtracted from edit → diagnostics. */
  debounceMs: number;
  hovers: number;
  edits: number;
  /** Edits of the long session (in bursts, as typing comes) between the heap measures; 0: none. */
  sessionEdits?: number;
  timeoutMs: number;
  /** Run the server under `node --cpu-prof`, writing `server.cpuprofile` here (on a clean exit). */
  profileDir?: string;
}

export interface LspResult {
  users: number;
  bytes: number;
  openMs?: number;
  openDiagnostics?: number;
  /** didOpen → the complete diagnostics (with the snapshot's), when they came after earlier ones. */
  completeMs?: number;
  completeDiagnostics?: number;
  /** Server CPU time (user + system) from didOpen to the diagnostics: steadier than wall time on a busy machine. */
  openCpuMs?: number;
  /** Median server CPU time per edit (the debounce wait costs none). */
  editCpuMs?: number;
  /** Median of the edits, debounce subtracted. */
  editMs?: number;
  editRawMs?: number[];
  debounceMs: number;
  hoverP50Ms?: number;
  hoverP95Ms?: number;
  hoverMaxMs?: number;
  hovers: number;
  /** Hovers that returned nothing (a hover on a field should say something). */
  hoverEmpty?: number;
  codeLensMs?: number;
  codeLenses?: number;
  /** Heap used after a full garbage collection, once the document is open, and after the long edit session. */
  heapStartKb?: number;
  heapEndKb?: number;
  /** How many edits the long session made (and how long it took, wall). */
  sessionEdits?: number;
  sessionMs?: number;
  rssKb?: number;
  hwmKb?: number;
  /** Server RSS / document size in bytes. */
  rssRatio?: number;
  error?: string;
}


/**
 * Preloaded into the server (`node --expose-gc --require`): on a message over the IPC channel
 * the bench opens beside stdio, collect garbage fully and answer with the heap in use. The
 * server itself is the product's, unchanged.
 */
const HEAP_PROBE = `process.channel && process.channel.unref();
process.on('message', (m) => {
  if (!m || m.heap !== true) return;
  globalThis.gc(); globalThis.gc();
  const u = process.memoryUsage();
  process.send({ heapUsed: u.heapUsed, external: u.external });
});
`;

function userStarts(text: string): number[] {
  const starts: number[] = [];
  for (let i = text.indexOf('<user>'); i !== -1; i = text.indexOf('<user>', i + 6)) starts.push(i);
  return starts;
}

/** How long to wait, once the snapshot is in use, for the complete diagnostics after early ones. */
const SETTLE_MS = 3000;

/** Edits of the long session come in bursts of this many (typing), then the diagnostics are awaited. */
const SESSION_BURST = 10;

const HOVER_FIELDS = ['primary_id', 'user_group', 'last_name', 'expiry_date', 'email_address', 'campus_code', 'first_name', 'id_type'];

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s: ${what}`)), ms);
    }),
  ]);
}

export async function benchLsp(o: LspOptions): Promise<LspResult> {
  const text = readFileSync(o.file, 'utf8');
  const result: LspResult = { users: o.users, bytes: Buffer.byteLength(text), debounceMs: o.debounceMs, hovers: o.hovers };
  const prof = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, '--cpu-prof-name=server.cpuprofile'] : [];
  const probe = join(mkdtempSync(join(tmpdir(), 'alma-sis-bench-')), 'heap-probe.cjs');
  writeFileSync(probe, HEAP_PROBE);
  const child = spawn(process.execPath, [...prof, '--expose-gc', '--require', probe, o.serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  const heapKb = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { heapUsed: number }) => resolve(Math.round(m.heapUsed / 1024)));
      child.send({ heap: true });
    });
  const [, stdout, stderrStream] = child.stdio as unknown as [Writable, Readable, Readable];
  let stderr = '';
  stderrStream.setEncoding('utf8');
  stderrStream.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const conn = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(child.stdio[0] as Writable));
  const uri = pathToFileURL(o.file).href;
  const waiting = new Map<number, (p: PublishDiagnosticsParams) => void>();
  let openPublications = 0;
  let lastOpenPublication = 0;
  // The open document's diagnostics carry its version; a publication without one (the
  // workspace check of the file as it is on disk) is not the answer to an edit.
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    if (p.uri !== uri || p.version === undefined) return;
    if (p.version === 1) {
      openPublications++;
      lastOpenPublication = performance.now();
    }
    const w = waiting.get(p.version);
    if (w) {
      waiting.delete(p.version);
      w(p);
    }
  });
  // Server → client requests (configuration, registrations, refreshes): answer like a plain editor.
  conn.onRequest((method: string, params: unknown) => {
    if (method === 'workspace/configuration') return ((params as { items?: unknown[] })?.items ?? []).map(() => null);
    return null;
  });
  conn.onNotification(() => undefined);
  conn.onError(() => undefined);
  conn.listen();
  const diagnosticsFor = (version: number) => new Promise<PublishDiagnosticsParams>((resolve) => waiting.set(version, resolve));

  try {
    const folder = dirname(o.file);
    // The bench's own indexes of the text, made before the server starts: made between
    // `initialized` and `didOpen` they delayed the open by a second on a busy machine, long
    // enough for the workspace check (one second after start-up) to read the same file from disk.
    const lines = new LineIndex(text);
    const starts = userStarts(text);
    await withTimeout(
      conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(folder).href,
        workspaceFolders: [{ uri: pathToFileURL(folder).href, name: basename(folder) }],
        capabilities: {
          textDocument: {
            publishDiagnostics: { versionSupport: true },
            hover: { contentFormat: ['markdown', 'plaintext'] },
            codeLens: {},
            synchronization: { dynamicRegistration: false },
          },
          workspace: { configuration: false, workspaceFolders: true },
        },
        initializationOptions: {},
      }),
      o.timeoutMs,
      'initialize',
    );
    await conn.sendNotification('initialized', {});

    // open → first diagnostics (the server validates an opened document without delay)
    let version = 1;
    const cpu = () => (child.pid ? procCpuMs(child.pid) : undefined);
    let c0 = cpu();
    const openedAt = performance.now();
    let t = openedAt;
    const first = diagnosticsFor(version);
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version, text } });
    const opened = await withTimeout(first, o.timeoutMs, 'diagnostics after open');
    result.openMs = performance.now() - openedAt;
    const c1 = cpu();
    if (c0 !== undefined && c1 !== undefined) result.openCpuMs = c1 - c0;
    result.openDiagnostics = opened.diagnostics.length;

    // A large document may get early diagnostics (before its snapshot is read), then the
    // complete ones for the same version. Wait until the snapshot is in use (the status bar's
    // request answers then) and the complete diagnostics came, so the edits do not race them.
    await withTimeout(conn.sendRequest(SnapshotInfoRequest, { uri }), o.timeoutMs, 'snapshot info');
    if (openPublications < 2) {
      const complete = diagnosticsFor(1).then((p) => (result.completeDiagnostics = p.diagnostics.length));
      await Promise.race([complete, new Promise((r) => setTimeout(r, SETTLE_MS))]);
    }
    if (openPublications > 1) result.completeMs = lastOpenPublication - openedAt;

    // one-character edit inside the user at `u` (its last name's first letter), as a didChange
    // The edited letters are kept aside: rebuilding the 42-million-character text after each edit
    // would cost this process a quarter of a second, counted in the server's edit time.
    const edited = new Map<number, string>();
    const edit = async (u: number) => {
      const tag = text.indexOf('<last_name>', u) + '<last_name>'.length;
      const replacement = (edited.get(tag) ?? text[tag]) === 'x' ? 'y' : 'x';
      const start = lines.positionAt(tag);
      version++;
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ range: { start, end: { line: start.line, character: start.character + 1 } }, text: replacement }],
      });
      edited.set(tag, replacement);
    };

    // one-character edits inside one user → fresh diagnostics, minus the debounce
    const raw: number[] = [];
    const rawCpu: number[] = [];
    for (let k = 0; k < o.edits; k++) {
      const fresh = diagnosticsFor(version + 1);
      c0 = cpu();
      t = performance.now();
      await edit(starts[Math.floor(((k + 0.5) / o.edits) * starts.length)]);
      await withTimeout(fresh, o.timeoutMs, `diagnostics after edit ${k + 1}`);
      raw.push(performance.now() - t);
      const c2 = cpu();
      if (c0 !== undefined && c2 !== undefined) rawCpu.push(c2 - c0);
    }
    result.editRawMs = raw;
    result.editMs = Math.max(0, median(raw) - o.debounceMs);
    if (rawCpu.length) result.editCpuMs = median(rawCpu);

    // hovers on fields of users spread over the document
    const times: number[] = [];
    let empty = 0;
    for (let k = 0; k < o.hovers; k++) {
      const ui = (k * 7919) % starts.length;
      const from = starts[ui];
      const to = ui + 1 < starts.length ? starts[ui + 1] : text.length;
      let at = -1;
      for (let f = 0; f < HOVER_FIELDS.length && (at === -1 || at >= to); f++) at = text.indexOf(`<${HOVER_FIELDS[(k + f) % HOVER_FIELDS.length]}`, from);
      if (at === -1 || at >= to) at = text.indexOf('<first_name', from);
      const position = lines.positionAt(at + 3);
      const h0 = performance.now();
      const hover = await withTimeout(conn.sendRequest('textDocument/hover', { textDocument: { uri }, position }), o.timeoutMs, 'hover');
      times.push(performance.now() - h0);
      if (!hover) empty++;
    }
    if (times.length) {
      result.hoverP50Ms = percentile(times, 50);
      result.hoverP95Ms = percentile(times, 95);
      result.hoverMaxMs = Math.max(...times);
      result.hoverEmpty = empty;
    }

    // code lenses for the whole document
    t = performance.now();
    const lenses = await withTimeout(conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }), o.timeoutMs, 'code lenses');
    result.codeLensMs = performance.now() - t;
    result.codeLenses = Array.isArray(lenses) ? lenses.length : 0;

    // A long edit session: edits spread over the users, in bursts of ten as typing comes (the
    // debounce folds a burst into one validation), each burst's diagnostics awaited, then a hover
    // and the lenses as an editor asks after typing. The heap after a full GC before and after.
    if (o.sessionEdits) {
      result.heapStartKb = await heapKb();
      const s0 = performance.now();
      let made = 0;
      while (made < o.sessionEdits) {
        const burst = Math.min(SESSION_BURST, o.sessionEdits - made);
        const fresh = diagnosticsFor(version + burst);
        for (let b = 0; b < burst; b++, made++) await edit(starts[(made * 7919) % starts.length]);
        await withTimeout(fresh, o.timeoutMs, `diagnostics after session edit ${made}`);
        const u = starts[(made * 104729) % starts.length];
        await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: lines.positionAt(text.indexOf('<last_name', u) + 3) });
        await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
      }
      result.sessionMs = performance.now() - s0;
      result.sessionEdits = made;
      result.heapEndKb = await heapKb();
    }

    if (child.pid) {
      result.rssKb = procStatusKb(child.pid, 'VmRSS');
      result.hwmKb = procStatusKb(child.pid, 'VmHWM');
      if (result.rssKb) result.rssRatio = (result.rssKb * 1024) / result.bytes;
    }
    await withTimeout(conn.sendRequest('shutdown'), 5000, 'shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
  } catch (e) {
    const why = exited ? `the server exited${stderr ? `: ${stderr.split('\n').slice(0, 3).join(' | ')}` : ''}` : (e as Error).message;
    result.error = why;
  } finally {
    conn.dispose();
    rmSync(dirname(probe), { recursive: true, force: true });
    await new Promise<void>((resolve) => {
      if (exited) return resolve();
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, o.profileDir ? 30000 : 3000);
      child.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  return result;
}

export const lspTestHooks = { userStarts };
