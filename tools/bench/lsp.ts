/**
 * The language server over a real stdio connection: spawn `dist/server.js --stdio`, speak LSP
 * with vscode-jsonrpc's message connection, and time what an editor waits for.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
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
  timeoutMs: number;
  /** Run the server under `node --cpu-prof`, writing `server.cpuprofile` here (on a clean exit). */
  profileDir?: string;
}

export interface LspResult {
  users: number;
  bytes: number;
  openMs?: number;
  openDiagnostics?: number;
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
  rssKb?: number;
  hwmKb?: number;
  /** Server RSS / document size in bytes. */
  rssRatio?: number;
  error?: string;
}


function userStarts(text: string): number[] {
  const starts: number[] = [];
  for (let i = text.indexOf('<user>'); i !== -1; i = text.indexOf('<user>', i + 6)) starts.push(i);
  return starts;
}

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
  let text = readFileSync(o.file, 'utf8');
  const result: LspResult = { users: o.users, bytes: Buffer.byteLength(text), debounceMs: o.debounceMs, hovers: o.hovers };
  const prof = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, '--cpu-prof-name=server.cpuprofile'] : [];
  const child = spawn(process.execPath, [...prof, o.serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const uri = pathToFileURL(o.file).href;
  const waiting = new Map<number, (p: PublishDiagnosticsParams) => void>();
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    if (p.uri !== uri) return;
    const w = p.version !== undefined ? waiting.get(p.version) : [...waiting.values()][0];
    if (w) {
      waiting.delete(p.version ?? [...waiting.keys()][0]);
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
    const lines = new LineIndex(text);
    const starts = userStarts(text);

    // open → first diagnostics (the server validates an opened document without delay)
    let version = 1;
    const cpu = () => (child.pid ? procCpuMs(child.pid) : undefined);
    let c0 = cpu();
    let t = performance.now();
    const first = diagnosticsFor(version);
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version, text } });
    const opened = await withTimeout(first, o.timeoutMs, 'diagnostics after open');
    result.openMs = performance.now() - t;
    const c1 = cpu();
    if (c0 !== undefined && c1 !== undefined) result.openCpuMs = c1 - c0;
    result.openDiagnostics = opened.diagnostics.length;

    // one-character edits inside one user → fresh diagnostics, minus the debounce
    const raw: number[] = [];
    const rawCpu: number[] = [];
    for (let k = 0; k < o.edits; k++) {
      const u = starts[Math.floor(((k + 0.5) / o.edits) * starts.length)];
      const tag = text.indexOf('<last_name>', u) + '<last_name>'.length;
      const old = text[tag];
      const replacement = old === 'x' ? 'y' : 'x';
      const start = lines.positionAt(tag);
      version++;
      const fresh = diagnosticsFor(version);
      c0 = cpu();
      t = performance.now();
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ range: { start, end: { line: start.line, character: start.character + 1 } }, text: replacement }],
      });
      await withTimeout(fresh, o.timeoutMs, `diagnostics after edit ${k + 1}`);
      raw.push(performance.now() - t);
      const c2 = cpu();
      if (c0 !== undefined && c2 !== undefined) rawCpu.push(c2 - c0);
      text = text.slice(0, tag) + replacement + text.slice(tag + 1);
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
