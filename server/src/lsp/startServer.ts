import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SisDocument } from '../../../shared/src/sis/types';
import type { Settings } from '../../../shared/src/settings';
import {
  SnapshotChangedNotification,
  SnapshotInfoRequest,
  type SnapshotInfo,
  type SnapshotInfoParams,
} from '../../../shared/src/protocol';
import { editorOptionsFrom, profileSettings, unwrapSection } from './config';
import { applyChanges } from './documents';
import { WatchedFiles } from './files';
import { peekProfile } from './jsonLocate';
import { folderOf, locateSnapshot, readCodeTablesText, readSnapshotText, resolveSettingPath, SNAPSHOT_SUFFIX, type LocatedSnapshot } from '../../../shared/src/analysis';
import { readSisDocument, updateSisDocument } from '../../../shared/src/sis/read';
import { snapshotProfile, type Snapshot } from '../../../shared/src/snapshot/snapshot';
import type { CodeTables } from '../../../shared/src/validate/codeTables';
import { pathToUri, uriToPath } from './locate';
import { createEnv, DocumentModel, type Env } from './model';
import { describeError, guard, runSafe, type Logger } from './runSafe';
import type { Disposable, Runtime } from './runtime';
import { hover } from './features/hover';
import { codeLenses, resolveCodeLens, type LensData } from './features/codeLens';
import { inlayHints } from './features/inlayHints';
import { documentSymbols, foldingRanges } from './features/outline';
import { definition } from './features/definition';
import { completion } from './features/completion';
import { codeActions } from './features/codeActions';

/** A snapshot file's text → the snapshot, or why it cannot be used. */
function parseSnapshotFile(text: string): { value?: Snapshot; error?: string } {
  const read = readSnapshotText(text);
  return { value: read.snapshot, error: read.error };
}

/** A code-tables file's text → the tables, or why none can be used. */
function parseCodeTablesFile(text: string): { value?: CodeTables; error?: string } {
  const read = readCodeTablesText(text);
  return { value: read.tables, error: read.unusable && `the file${read.unusable}` };
}

/** Delay between the last keystroke and re-validation. */
export const VALIDATION_DELAY_MS = 200;

/** Knobs for tests; editors never set them. */
export interface ServerTuning {
  /**
   * From this many users on, a document whose snapshot is still being read gets its first
   * diagnostics (all but the snapshot's) without waiting for it. Small files wait: they are quick.
   */
  readonly earlyDiagnosticsMinUsers?: number;
}

interface OpenDocument {
  readonly doc: TextDocument;
  readonly sis: SisDocument;
}

/**
 * The language server, thin over `shared/`: it keeps one analysed model per document version
 * (see `DocumentModel`) and answers every request from it. The entry point builds the
 * connection and the runtime and calls this (the JSON language server's shape).
 */
export function startServer(connection: Connection, runtime: Runtime, tuning: ServerTuning = {}): void {
  const earlyMinUsers = tuning.earlyDiagnosticsMinUsers ?? 2000;
  const log: Logger = {
    info: (m) => connection.console.info(m),
    error: (m) => connection.console.error(m),
  };
  const docs = new Map<string, OpenDocument>();
  const models = new Map<string, DocumentModel>();
  const timers = new Map<string, Disposable>();
  const runs = new Map<string, number>();
  const envs = new Map<string, Env>();
  const validationCaches = new Map<string, Env['caches']['validated']>();
  const docEnvs = new Map<string, Promise<Env>>();
  /** Documents whose Env promise has settled (so `getModel` answers without reading files). */
  const settledEnvs = new Set<string>();
  /** Documents that got complete diagnostics once (early diagnostics are for opening only). */
  const publishedOnce = new Set<string>();
  const clientConfigs = new Map<string, Promise<unknown>>();
  // Short numbers for documents, so code lens data stays small.
  const docIds = new Map<string, number>();
  const docUris = new Map<number, string>();
  const docId = (uri: string): number => {
    let id = docIds.get(uri);
    if (id === undefined) {
      id = docIds.size + 1;
      docIds.set(uri, id);
      docUris.set(id, uri);
    }
    return id;
  };

  let initOptions: unknown;
  let pushedConfig: unknown;
  let folders: string[] = [];
  let pullConfig = false;
  let canRegisterConfig = false;
  let canRegisterWatch = false;
  let codeLensRefresh = false;
  let inlayRefresh = false;
  let folderEvents = false;

  // Envs are keyed by what they depend on (settings, file generations): re-resolving finds
  // the same Env again when nothing it uses changed, so the per-user caches survive.
  const onFilesChanged = () => {
    docEnvs.clear();
    settledEnvs.clear();
    connection.sendNotification(SnapshotChangedNotification, {}).catch(() => undefined);
    revalidateAll();
  };
  const snapshots = new WatchedFiles<Snapshot>(runtime, parseSnapshotFile, onFilesChanged, (n) => n.endsWith(SNAPSHOT_SUFFIX));
  const codeTables = new WatchedFiles<CodeTables>(runtime, parseCodeTablesFile, onFilesChanged, () => false);

  // ---- settings, snapshot and code tables per document ----

  function clientConfig(uri: string): Promise<unknown> {
    if (!pullConfig) return Promise.resolve(pushedConfig);
    let c = clientConfigs.get(uri);
    if (!c) {
      c = connection.workspace.getConfiguration({ scopeUri: uri, section: 'almaSis' }).catch(() => undefined);
      clientConfigs.set(uri, c);
    }
    return c;
  }

  function findSnapshot(uri: string, snapshotPath: string | undefined): Promise<LocatedSnapshot | undefined> {
    return locateSnapshot({ document: uriToPath(uri), folders, setting: snapshotPath }, (dir) => snapshots.list(dir));
  }

  async function computeEnv(uri: string): Promise<Env> {
    const raw = await clientConfig(uri);
    const { options, problems: optionProblems } = editorOptionsFrom(initOptions, raw);
    const found = await findSnapshot(uri, options.snapshotPath);
    const snap = found ? { ...(await snapshots.get(found.path)), source: found.source } : undefined;
    const docPath = uriToPath(uri);
    const tablesPath = options.codeTablesPath ? resolveSettingPath(options.codeTablesPath, folderOf(docPath, folders), docPath) : undefined;
    const tables = tablesPath ? await codeTables.get(tablesPath) : undefined;
    const { settings, problems } = profileSettings(snap?.value ? snapshotProfile(snap.value) : undefined, initOptions, raw);
    const key = JSON.stringify([settings, options, snap?.path, snap?.generation, tables?.path, tables?.generation]);
    let env = envs.get(key);
    if (!env) {
      const settingProblems = [...optionProblems, ...problems];
      if (settingProblems.length > 0) log.info(`settings: ${settingProblems.map((p) => p.key).join(', ')} ignored (bad value)`);
      // Validation depends on the settings and the code tables only (not on the snapshot).
      env = createEnv(key, validationCache(settings, tables), settings, options, settingProblems, snap, tables);
      envs.set(key, env);
      pruneEnvs(env);
    }
    return env;
  }

  /** Forget Envs (and validation caches) that no open document uses any more. */
  function pruneEnvs(keep: Env): void {
    const inUse = new Set([...models.values()].map((m) => m.env));
    inUse.add(keep);
    for (const [k, e] of envs) if (!inUse.has(e)) envs.delete(k);
    const validatedInUse = new Set([...envs.values()].map((e) => e.caches.validated));
    for (const [k, v] of validationCaches) if (!validatedInUse.has(v)) validationCaches.delete(k);
  }

  /**
   * The Env of a document before its snapshot is read: the same settings (the snapshot's
   * `profile` is peeked from the head of the file) without the snapshot, so the first
   * diagnostics of a large file do not wait for a large snapshot. Undefined when there is
   * no snapshot to wait for, it is already read, or its profile cannot be known from its head.
   */
  async function preEnv(uri: string): Promise<Env | undefined> {
    const raw = await clientConfig(uri);
    const { options, problems: optionProblems } = editorOptionsFrom(initOptions, raw);
    const found = await findSnapshot(uri, options.snapshotPath);
    if (!found || snapshots.isReady(found.path)) return undefined;
    let head: { text: string; complete: boolean };
    try {
      head = await runtime.readHead(found.path, 64 * 1024);
    } catch {
      return undefined;
    }
    const peek = peekProfile(head.text, head.complete);
    if (!peek.known) return undefined;
    const docPath = uriToPath(uri);
    const tablesPath = options.codeTablesPath ? resolveSettingPath(options.codeTablesPath, folderOf(docPath, folders), docPath) : undefined;
    const tables = tablesPath ? await codeTables.get(tablesPath) : undefined;
    const { settings, problems } = profileSettings(peek.profile, initOptions, raw);
    const key = JSON.stringify(['before the snapshot', settings, options, tables?.path, tables?.generation]);
    let env = envs.get(key);
    if (!env) {
      env = createEnv(key, validationCache(settings, tables), settings, options, [...optionProblems, ...problems], undefined, tables);
      envs.set(key, env);
    }
    return env;
  }

  function validationCache(settings: Settings, tables: Env['codeTables']): Env['caches']['validated'] {
    const vkey = JSON.stringify([settings, tables?.path, tables?.generation]);
    let validated = validationCaches.get(vkey);
    if (!validated) {
      validated = new WeakMap();
      validationCaches.set(vkey, validated);
    }
    return validated;
  }

  function envFor(uri: string): Promise<Env> {
    let e = docEnvs.get(uri);
    if (!e) {
      const p = computeEnv(uri);
      e = p;
      docEnvs.set(uri, p);
      p.then(
        () => {
          if (docEnvs.get(uri) === p) settledEnvs.add(uri);
        },
        () => {
          if (docEnvs.get(uri) === p) docEnvs.delete(uri);
        },
      );
    }
    return e;
  }

  async function getModel(uri: string): Promise<DocumentModel | undefined> {
    if (!docs.has(uri)) return undefined;
    const env = await envFor(uri);
    const cur = docs.get(uri);
    if (!cur) return undefined;
    let m = models.get(uri);
    if (!m || m.sis !== cur.sis || m.version !== cur.doc.version || m.env !== env) {
      const envChanged = m !== undefined && m.env !== env;
      m = new DocumentModel(cur.doc, cur.sis, env, m);
      models.set(uri, m);
      if (envChanged) pruneEnvs(env);
    }
    return m;
  }

  // ---- validation: debounced, cancellable, never stale ----

  function schedule(uri: string, delay: number): void {
    timers.get(uri)?.dispose();
    const run = (runs.get(uri) ?? 0) + 1;
    runs.set(uri, run);
    timers.set(
      uri,
      runtime.setTimeout(() => {
        timers.delete(uri);
        void validate(uri, run);
      }, delay),
    );
  }

  function revalidateAll(): void {
    for (const uri of docs.keys()) schedule(uri, 0);
    if (codeLensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    if (inlayRefresh) connection.languages.inlayHint.refresh().catch(() => undefined);
  }

  async function validate(uri: string, run: number): Promise<void> {
    const current = () => runs.get(uri) === run && docs.has(uri);
    try {
      const cur = docs.get(uri);
      if (!publishedOnce.has(uri) && !settledEnvs.has(uri) && cur && cur.sis.users.length >= earlyMinUsers) {
        await validateBeforeSnapshot(uri, current);
      }
      const model = await getModel(uri);
      const fresh = () => current() && docs.get(uri)?.sis === model?.sis;
      if (!model || !fresh()) return;
      const yieldNow = () => new Promise<boolean>((resolve) => runtime.setTimeout(() => resolve(fresh()), 0));
      const diagnostics = await model.diagnostics(yieldNow);
      // A newer version or a newer run makes this result stale: drop it.
      if (!diagnostics || !fresh()) return;
      publishedOnce.add(uri);
      await connection.sendDiagnostics({ uri, version: model.version, diagnostics });
    } catch (err) {
      log.error(`validation failed: ${describeError(err)}`);
    }
  }

  /**
   * First diagnostics of a document whose snapshot is still to be read: everything but what
   * only the snapshot can tell, published for the same version, then completed by `validate`.
   * Runs in one piece so that the snapshot's (long) parse cannot start in between.
   */
  async function validateBeforeSnapshot(uri: string, current: () => boolean): Promise<void> {
    const env = await preEnv(uri);
    const cur = docs.get(uri);
    if (!env || !cur || !current() || settledEnvs.has(uri)) return;
    const model = new DocumentModel(cur.doc, cur.sis, env);
    const diagnostics = await model.diagnostics();
    if (!diagnostics || !current() || docs.get(uri)?.sis !== model.sis) return;
    await connection.sendDiagnostics({ uri, version: model.version, diagnostics });
  }

  // ---- lifecycle ----

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    initOptions = unwrapSection(params.initializationOptions);
    const ws = params.capabilities.workspace;
    pullConfig = ws?.configuration === true;
    canRegisterConfig = ws?.didChangeConfiguration?.dynamicRegistration === true;
    canRegisterWatch = ws?.didChangeWatchedFiles?.dynamicRegistration === true;
    codeLensRefresh = ws?.codeLens?.refreshSupport === true;
    inlayRefresh = ws?.inlayHint?.refreshSupport === true;
    folderEvents = ws?.workspaceFolders === true;
    folders = (params.workspaceFolders ?? [])
      .map((f) => uriToPath(f.uri))
      .filter((p): p is string => p !== undefined);
    if (folders.length === 0 && params.rootUri) {
      const p = uriToPath(params.rootUri);
      if (p) folders = [p];
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: true },
        inlayHintProvider: { resolveProvider: false },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        definitionProvider: true,
        completionProvider: { triggerCharacters: ['<', '>'], resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'alma-sis-language-server' },
    };
  });

  connection.onInitialized(() => {
    if (canRegisterConfig) {
      connection.client.register(DidChangeConfigurationNotification.type, { section: 'almaSis' }).catch(() => undefined);
    }
    if (canRegisterWatch) {
      connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.json' }] })
        .catch(() => undefined);
    }
    if (!folderEvents) return;
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
      folders = folders.filter((f) => !removed.has(f));
      for (const f of e.added) {
        const p = uriToPath(f.uri);
        if (p) folders.push(p);
      }
      docEnvs.clear();
      settledEnvs.clear();
      revalidateAll();
    });
  });

  connection.onDidChangeConfiguration(
    guard(log, 'didChangeConfiguration', (params) => {
      pushedConfig = unwrapSection(params.settings);
      clientConfigs.clear();
      docEnvs.clear();
      settledEnvs.clear();
      revalidateAll();
      connection.sendNotification(SnapshotChangedNotification, {}).catch(() => undefined);
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard(log, 'didChangeWatchedFiles', (params) => {
      for (const change of params.changes) {
        const p = uriToPath(change.uri);
        if (!p) continue;
        snapshots.changed(p);
        codeTables.changed(p);
      }
    }),
  );

  // ---- documents: incremental sync, re-reading only the users an edit touched ----

  connection.onDidOpenTextDocument(({ textDocument: td }) => {
    try {
      const doc = TextDocument.create(td.uri, td.languageId, td.version, td.text);
      docs.set(td.uri, { doc, sis: readSisDocument(doc.getText()) });
      schedule(td.uri, 0);
    } catch (err) {
      log.error(`open failed: ${describeError(err)}`);
    }
  });

  connection.onDidChangeTextDocument(({ textDocument: td, contentChanges }) => {
    const cur = docs.get(td.uri);
    if (!cur) return;
    try {
      const { doc, span } = applyChanges(cur.doc, contentChanges, td.version);
      const text = doc.getText();
      const sis = span ? updateSisDocument(cur.sis, text, span) : readSisDocument(text);
      docs.set(td.uri, { doc, sis });
      schedule(td.uri, VALIDATION_DELAY_MS);
    } catch (err) {
      log.error(`change failed: ${describeError(err)}`);
    }
  });

  connection.onDidCloseTextDocument(guard(log, 'close', ({ textDocument: td }) => {
    docs.delete(td.uri);
    models.delete(td.uri);
    docEnvs.delete(td.uri);
    settledEnvs.delete(td.uri);
    publishedOnce.delete(td.uri);
    clientConfigs.delete(td.uri);
    timers.get(td.uri)?.dispose();
    timers.delete(td.uri);
    runs.delete(td.uri);
    connection.sendDiagnostics({ uri: td.uri, diagnostics: [] }).catch(() => undefined);
  }));

  // ---- features, each handler guarded once ----

  connection.onHover((params, token) =>
    runSafe(log, 'hover', null, token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m ? hover(m, params.position) : null;
    }),
  );

  connection.onCodeLens((params, token) =>
    runSafe(log, 'codeLens', [], token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m && m.env.options.codeLens ? codeLenses(m, docId(params.textDocument.uri)) : [];
    }),
  );

  connection.onCodeLensResolve((lens, token) =>
    runSafe(log, 'codeLens/resolve', lens, token, async () => {
      const id = (lens.data as LensData | undefined)?.d;
      const uri = id !== undefined ? docUris.get(id) : undefined;
      const m = uri ? await getModel(uri) : undefined;
      return m ? resolveCodeLens(m, lens) : lens;
    }),
  );

  connection.languages.inlayHint.on((params, token) =>
    runSafe(log, 'inlayHint', [], token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m && m.env.options.inlayHints ? inlayHints(m, params.range) : [];
    }),
  );

  connection.onDocumentSymbol((params, token) =>
    runSafe(log, 'documentSymbol', [], token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m ? documentSymbols(m) : [];
    }),
  );

  connection.onFoldingRanges((params, token) =>
    runSafe(log, 'foldingRange', [], token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m ? foldingRanges(m) : [];
    }),
  );

  connection.onDefinition((params, token) =>
    runSafe(log, 'definition', null, token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m ? definition(m, params.position, pathToUri) : null;
    }),
  );

  connection.onCompletion((params, token) =>
    runSafe(log, 'completion', null, token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m ? completion(m, params.position) : null;
    }),
  );

  connection.onCodeAction((params, token) =>
    runSafe(log, 'codeAction', [], token, async () => {
      const m = await getModel(params.textDocument.uri);
      return m ? codeActions(m, params) : [];
    }),
  );

  connection.onRequest(SnapshotInfoRequest, (params: SnapshotInfoParams, token) =>
    runSafe<SnapshotInfo>(log, 'snapshotInfo', {}, token, async () => {
      const env = await envFor(params.uri);
      const s = env.snapshot;
      const t = env.codeTables;
      return {
        snapshotUri: s ? pathToUri(s.path) : undefined,
        source: s?.source,
        users: s?.value?.users.length,
        error: s?.error,
        codeTablesUri: t ? pathToUri(t.path) : undefined,
        codeTablesError: t?.error,
      };
    }),
  );

  connection.onShutdown(() => {
    for (const t of timers.values()) t.dispose();
    timers.clear();
    snapshots.dispose();
    codeTables.dispose();
  });

  connection.listen();
}
