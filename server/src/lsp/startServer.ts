import {
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { unwrapSection } from '../../../shared/src/editorSettings';
import { SnapshotChangedNotification } from '../../../shared/src/protocol';
import { clientAbilities, SERVER_CAPABILITIES, type ClientAbilities } from './capabilities';
import { Envs, type ConfigSource } from './envs';
import { registerHandlers } from './handlers';
import { uriToPath } from './locate';
import { OpenDocuments } from './openDocuments';
import { DiagnosticsPublisher, VALIDATION_DELAY_MS } from './publish';
import { describeError, guard, type Logger } from './runSafe';
import type { Runtime } from './runtime';
import { WorkspaceFiles, type WorkspaceTuning } from './workspace';

/** Knobs for tests; editors never set them. */
export interface ServerTuning {
  /**
   * From this many users on, a document whose snapshot is still being read gets its first
   * diagnostics (all but the snapshot's) without waiting for it. Small files wait: they are quick.
   */
  readonly earlyDiagnosticsMinUsers?: number;
  /** The workspace check's limits. */
  readonly workspace?: WorkspaceTuning;
}

/**
 * The language server, thin over `shared/`: the entry point builds the connection and the
 * runtime and calls this (the JSON language server's shape). It wires the pieces: the open
 * documents and their analysed models (`openDocuments.ts`), the settings, snapshot and code
 * tables each one is analysed with (`envs.ts`), publishing diagnostics (`publish.ts`) and the
 * request handlers (`handlers.ts`).
 */
export function startServer(connection: Connection, runtime: Runtime, tuning: ServerTuning = {}): void {
  const log: Logger = {
    info: (m) => connection.console.info(m),
    error: (m) => connection.console.error(m),
  };
  let client: ClientAbilities | undefined;
  const config: ConfigSource = { initOptions: undefined, pull: false, folders: [] };
  const snapshotChanged = () => connection.sendNotification(SnapshotChangedNotification, {}).catch(() => undefined);
  /** Everything is analysed again: diagnostics published anew, lenses and hints refreshed. */
  const reanalyseAll = () => {
    publisher.scheduleAll();
    if (client?.codeLensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    if (client?.inlayRefresh) connection.languages.inlayHint.refresh().catch(() => undefined);
  };
  const envs: Envs = new Envs(connection, runtime, log, config, () => documents.envsInUse(), () => {
    snapshotChanged();
    reanalyseAll();
  });
  const documents: OpenDocuments = new OpenDocuments(envs);
  const workspace: WorkspaceFiles = new WorkspaceFiles(connection, runtime, log, config, documents, envs, (uri) => publisher.schedule(uri, 0), tuning.workspace);
  const publisher = new DiagnosticsPublisher(connection, runtime, log, documents, envs, tuning.earlyDiagnosticsMinUsers ?? 2000, workspace);

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    client = clientAbilities(params);
    config.initOptions = unwrapSection(params.initializationOptions);
    config.pull = client.pullConfig;
    config.folders = client.folders;
    return SERVER_CAPABILITIES;
  });

  connection.onInitialized(() => {
    if (client?.registerConfig) {
      connection.client.register(DidChangeConfigurationNotification.type, { section: 'almaSis' }).catch(() => undefined);
    }
    if (client?.registerWatch) {
      // Snapshots and code tables; SIS files for the workspace check and the feeds.
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.json' }, { globPattern: '**/*.xml' }] }).catch(() => undefined);
    }
    workspace.start();
    if (!client?.folderEvents) return;
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
      config.folders = config.folders.filter((f) => !removed.has(f));
      for (const f of e.added) {
        const p = uriToPath(f.uri);
        if (p) config.folders.push(p);
      }
      envs.invalidate();
      reanalyseAll();
      void workspace.scan();
    });
  });

  connection.onDidChangeConfiguration(
    guard(log, 'didChangeConfiguration', (params) => {
      envs.configurationChanged(unwrapSection(params.settings));
      reanalyseAll();
      snapshotChanged();
      void workspace.scan();
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard(log, 'didChangeWatchedFiles', (params) => {
      for (const change of params.changes) {
        const p = uriToPath(change.uri);
        if (!p) continue;
        envs.fileChanged(p);
        workspace.fileChanged(p);
      }
    }),
  );

  // Incremental sync: an edit re-reads only the users it touched.
  connection.onDidOpenTextDocument(({ textDocument }) => {
    try {
      documents.open(textDocument);
      publisher.schedule(textDocument.uri, 0);
    } catch (err) {
      log.error(`open failed: ${describeError(err)}`);
    }
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    try {
      if (documents.change(textDocument.uri, contentChanges, textDocument.version)) publisher.schedule(textDocument.uri, VALIDATION_DELAY_MS);
    } catch (err) {
      log.error(`change failed: ${describeError(err)}`);
    }
  });

  connection.onDidCloseTextDocument(
    guard(log, 'close', ({ textDocument }) => {
      documents.close(textDocument.uri);
      envs.forget(textDocument.uri);
      publisher.closed(textDocument.uri);
      workspace.closed(textDocument.uri);
    }),
  );

  registerHandlers(connection, log, documents, envs);

  connection.onShutdown(() => {
    publisher.dispose();
    workspace.dispose();
    envs.dispose();
  });

  connection.listen();
}
