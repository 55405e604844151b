/**
 * A small LSP client over a child process's stdio, for driving `dist/server.js` the way an
 * editor does (fuzzing, and the safety tests that read everything the server logs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export interface LogEntry {
  readonly type: number;
  readonly message: string;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  /** `window/logMessage`, `window/showMessage` and `$/logTrace` in order. */
  readonly logs: LogEntry[];
  /** Everything the server wrote to stderr. */
  readonly stderr: () => string;
  /** Latest `textDocument/publishDiagnostics` per URI. */
  readonly diagnostics: Map<string, unknown[]>;
  readonly exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resident memory of the server process in bytes (Linux; 0 elsewhere). */
  readonly rss: () => number;
  dispose(): Promise<void>;
}

export interface StartOptions {
  readonly serverPath: string;
  readonly rootPath: string;
  readonly initializationOptions?: unknown;
  /** Answers `workspace/configuration` (one item per requested section). */
  readonly configuration?: unknown;
  /** Extra arguments before the script (e.g. `--require preload.cjs`). */
  readonly nodeArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export function pathToUri(p: string): string {
  return 'file://' + p.split('/').map(encodeURIComponent).join('/');
}

export async function startServer(o: StartOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 10_000_000) stderr += d;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => (exit = { code, signal }));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const logs: LogEntry[] = [];
  const diagnostics = new Map<string, unknown[]>();
  connection.onNotification('window/logMessage', (p: LogEntry) => logs.push(p));
  connection.onNotification('window/showMessage', (p: LogEntry) => logs.push(p));
  connection.onNotification('$/logTrace', (p: { message: string }) => logs.push({ type: 4, message: p.message }));
  connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => diagnostics.set(p.uri, p.diagnostics));
  connection.onNotification(() => undefined);
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => o.configuration ?? null));
  connection.onRequest(() => null);
  connection.listen();
  child.stdin!.on('error', () => undefined);
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToUri(o.rootPath),
    workspaceFolders: [{ uri: pathToUri(o.rootPath), name: 'fuzz' }],
    initializationOptions: o.initializationOptions,
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: true }, codeLens: { refreshSupport: true }, inlayHint: { refreshSupport: true } },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {}, codeAction: {}, completion: {}, inlayHint: {} },
    },
  });
  await connection.sendNotification('initialized', {});
  return {
    child,
    connection,
    logs,
    stderr: () => stderr,
    diagnostics,
    exited: () => exit,
    rss: () => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    dispose: async () => {
      if (!exit) {
        try {
          await withDeadline(connection.sendRequest('shutdown'), 2000);
          await connection.sendNotification('exit');
        } catch {
          /* killed below */
        }
      }
      await new Promise<void>((resolve) => {
        if (exit) return resolve();
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 2000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
      connection.dispose();
    },
  };
}

export class DeadlineError extends Error {}

/** Resolves with the promise's value, or rejects with `DeadlineError` after `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
