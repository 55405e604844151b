/**
 * The real language server (`startServer` with the Node runtime) talking to a real client-side
 * protocol connection over two in-memory streams, as the JSON language server's tests do.
 */
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type InitializeParams,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Position,
} from 'vscode-languageserver-protocol/node';
import { startServer } from '../../server/src/lsp/startServer';
import { nodeRuntime } from '../../server/src/lsp/nodeRuntime';
import type { Runtime } from '../../server/src/lsp/runtime';
import type { ServerTuning } from '../../server/src/lsp/startServer';

export interface TestClient {
  readonly connection: ProtocolConnection;
  /** Everything the server logged (window/logMessage), to check it holds no personal data. */
  readonly logs: string[];
  /** Settings the client answers `workspace/configuration` with; change and call `configChanged`. */
  config: Record<string, unknown>;
  /** Diagnostics as last published, per URI. */
  readonly diagnostics: Map<string, PublishDiagnosticsParams>;
  open(uri: string, text: string, version?: number): Promise<void>;
  /** Replace [start, end) offsets of the current text with `text` (an incremental change). */
  edit(uri: string, start: number, end: number, text: string): Promise<void>;
  text(uri: string): string;
  /** Every publication, in order. */
  readonly published: PublishDiagnosticsParams[];
  /** Resolves with the first diagnostics published for `uri` at `version` (or later). */
  diagnosticsFor(uri: string, version?: number): Promise<Diagnostic[]>;
  /** Resolves with the next diagnostics published for `uri`, whatever the version. */
  nextDiagnostics(uri: string): Promise<Diagnostic[]>;
  configChanged(): Promise<void>;
  close(): Promise<void>;
}

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}

export async function startTestServer(
  options: { folder?: string; initializationOptions?: unknown; config?: Record<string, unknown>; pull?: boolean; runtime?: Runtime; tuning?: ServerTuning; workspace?: ServerTuning['workspace'] } = {},
): Promise<TestClient> {
  const up = new PassThrough();
  const down = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  startServer(serverConnection, options.runtime ?? nodeRuntime(), { ...options.tuning, workspace: options.workspace });
  const connection = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const logs: string[] = [];
  const diagnostics = new Map<string, PublishDiagnosticsParams>();
  const published: PublishDiagnosticsParams[] = [];
  const waiters: { uri: string; version?: number; resolve: (d: Diagnostic[]) => void }[] = [];
  const texts = new Map<string, { text: string; version: number }>();
  const client: TestClient = {
    connection,
    logs,
    config: options.config ?? {},
    diagnostics,
    published,
    async open(uri, text, version = 1) {
      texts.set(uri, { text, version });
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version, text } });
    },
    async edit(uri, start, end, text) {
      const cur = texts.get(uri);
      if (!cur) throw new Error('not open');
      const range = { start: positionAt(cur.text, start), end: positionAt(cur.text, end) };
      const next = { text: cur.text.slice(0, start) + text + cur.text.slice(end), version: cur.version + 1 };
      texts.set(uri, next);
      await connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: next.version },
        contentChanges: [{ range, text }],
      });
    },
    text: (uri) => texts.get(uri)?.text ?? '',
    nextDiagnostics(uri) {
      return new Promise((resolve) => waiters.push({ uri, version: undefined, resolve }));
    },
    diagnosticsFor(uri, version) {
      const have = diagnostics.get(uri);
      if (have && (version === undefined || (have.version ?? 0) >= version)) return Promise.resolve(have.diagnostics);
      return new Promise((resolve) => waiters.push({ uri, version, resolve }));
    },
    async configChanged() {
      await connection.sendNotification('workspace/didChangeConfiguration', { settings: { almaSis: client.config } });
    },
    async close() {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      connection.dispose();
      serverConnection.dispose();
    },
  };
  connection.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    diagnostics.set(p.uri, p);
    published.push(p);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.uri === p.uri && (w.version === undefined || (p.version ?? 0) >= w.version)) {
        waiters.splice(i, 1);
        w.resolve(p.diagnostics);
      }
    }
  });
  // Our section (or no section) gets the settings; another editor section (files.exclude, ...) nothing, as a client without it answers.
  connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === undefined || i.section === 'almaSis' ? client.config : null)));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('workspace/codeLens/refresh', () => null);
  connection.onRequest('workspace/inlayHint/refresh', () => null);
  connection.listen();
  const folder = options.folder;
  const params: InitializeParams = {
    processId: process.pid,
    rootUri: folder ? fileUri(folder) : null,
    workspaceFolders: folder ? [{ uri: fileUri(folder), name: 'ws' }] : null,
    initializationOptions: options.initializationOptions,
    capabilities: {
      workspace: {
        configuration: options.pull !== false,
        didChangeConfiguration: { dynamicRegistration: true },
        didChangeWatchedFiles: { dynamicRegistration: true },
        codeLens: { refreshSupport: true },
        inlayHint: { refreshSupport: true },
      },
    },
  };
  await connection.sendRequest('initialize', params);
  await connection.sendNotification('initialized', {});
  return client;
}

export function positionAt(text: string, offset: number): Position {
  let line = 0;
  let last = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i + 1;
    }
  }
  return { line, character: offset - last };
}

/** A test text with `|` marking the cursor: the text without it, and the cursor's position. */
export function cursor(marked: string): { text: string; offset: number; position: Position } {
  const offset = marked.indexOf('|');
  if (offset < 0) throw new Error('no | in the fixture');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return { text, offset, position: positionAt(text, offset) };
}
