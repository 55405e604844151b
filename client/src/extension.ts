/**
 * The VS Code extension: claims SIS files for the `alma-sis` language, starts the bundled
 * language server, shows the snapshot in use, and offers the sync preview and the snapshot
 * commands. Everything is computed by the shared core; this only presents it.
 */
import * as vscode from 'vscode';
import { Commands as CommandIds } from '../../shared/src/protocol';
import type { PreviewModel } from '../../shared/src/preview';
import { AutoDetect } from './autoDetect';
import { Commands } from './commands';
import { COMPARE_SCHEME, CompareProvider } from './compare';
import { FromAlma } from './fromAlma';
import { LargeFileNotice } from './largeFiles';
import { workspaceHasSisFile } from './workspaceFiles';
import { LANGUAGE_ID, ServerConnection } from './languageClient';
import { PreviewProvider, VIEW_ID } from './previewView';
import { RemoteSync } from './remoteSync';
import { Sessions } from './session';
import { SnapshotStatus } from './statusBar';

/** What `activate` returns, for the in-editor tests. */
export interface AlmaSisApi {
  /** Resolves once the language server answered `initialize` (starting it if no SIS file has yet). */
  readonly serverReady: Promise<void>;
  /** The preview's model as shown now. */
  previewModel(): PreviewModel | undefined;
  /** The status bar's text ("$(database) users.alma-snapshot.json"), undefined when hidden. */
  statusText(): string | undefined;
}

/** Delay after the last keystroke before the preview is recomputed (longer for big files). */
function refreshDelay(doc: vscode.TextDocument): number {
  const size = doc.getText().length;
  return size > 5_000_000 ? 2000 : size > 500_000 ? 800 : 300;
}

export function activate(context: vscode.ExtensionContext): AlmaSisApi {
  const output = vscode.window.createOutputChannel('Alma SIS');
  const server = new ServerConnection(context, output);
  const sessions = new Sessions(server, new RemoteSync(context.asAbsolutePath('dist/syncWorker.js'), (l) => output.appendLine(l)));
  const preview = new PreviewProvider();
  const treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: preview, showCollapseAll: true });
  // The compare documents' text comes from the commands, which need the provider to refresh it.
  const compare: CompareProvider = new CompareProvider((t): Promise<string> => commands.compare.compareContent(t));
  const commands: Commands = new Commands(sessions, preview, treeView as vscode.TreeView<unknown>, compare, output);
  const status = new SnapshotStatus(server, sessions);
  context.subscriptions.push(output, server, sessions, treeView, status, new AutoDetect(), new LargeFileNotice());
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, compare));

  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown));
  register('almaSis.previewSync', (arg?: vscode.Uri | string, options?: { snapshot?: string; focus?: boolean }) => commands.preview.previewSync(arg, options));
  register('almaSis.compareUser', commands.compare.compareUser);
  register(CommandIds.showUserPreview, commands.compare.compareUser);
  register('almaSis.runSync', commands.runSync.runSync);
  register('almaSis.undoRunSync', commands.runSync.undoRunSync);
  register('almaSis.importSnapshot', commands.snapshots.importSnapshot);
  register('almaSis.selectSnapshot', commands.snapshots.selectSnapshot);
  register('almaSis.exportPlan', commands.exports.exportPlan);
  register('almaSis.packageForUpload', (arg?: vscode.Uri | { uri?: string; out?: string; save?: boolean }) =>
    commands.exports.packageForUpload(arg instanceof vscode.Uri ? { uri: arg } : arg),
  );
  // The commands that read from Alma (the only ones that connect to anything).
  const fromAlma = new FromAlma(context.secrets, sessions, output, (arg) => commands.documentFor(arg));
  context.subscriptions.push(fromAlma);
  register('almaSis.refreshSnapshot', fromAlma.refreshSnapshot);
  register('almaSis.fetchCodeTables', fromAlma.fetchCodeTables);
  register('almaSis.setApiKey', fromAlma.setApiKey);
  register('almaSis.clearApiKey', fromAlma.clearApiKey);
  register('almaSis.restartServer', () => server.restart());
  register('almaSis.preview.filterOutcome', commands.preview.filterOutcome);
  register('almaSis.preview.filterFlags', commands.preview.filterFlags);
  register('almaSis.preview.search', commands.preview.search);
  register('almaSis.preview.clearFilters', commands.preview.clearFilters);
  register('almaSis.preview.revealUser', commands.preview.revealUser);
  register('almaSis.preview.refresh', async () => {
    const doc = await commands.documentFor(undefined);
    if (doc) await commands.preview.refreshPreview(doc);
    return preview.current.model;
  });

  // Keep the preview current: the file, the snapshot, the settings, the active SIS editor.
  let timer: NodeJS.Timeout | undefined;
  let compareTimer: NodeJS.Timeout | undefined;
  const schedule = (doc: vscode.TextDocument, delay: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void commands.preview.refreshPreview(doc), delay);
  };
  const previewedDoc = () => {
    const uri = preview.current.session?.uri;
    return uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
  };
  context.subscriptions.push(
    {
      dispose: () => {
        if (timer) clearTimeout(timer);
        if (compareTimer) clearTimeout(compareTimer);
      },
    },
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0) return;
      const uri = e.document.uri.toString();
      if (uri === preview.current.session?.uri.toString()) schedule(e.document, refreshDelay(e.document));
      else if (compare.shows(uri)) {
        // No preview of this file, but a compare is open: refresh it alone.
        if (compareTimer) clearTimeout(compareTimer);
        compareTimer = setTimeout(() => compare.refresh(uri), refreshDelay(e.document));
      }
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === COMPARE_SCHEME) compare.forget(d.uri);
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      const doc = editor?.document;
      if (doc && doc.languageId === LANGUAGE_ID && treeView.visible && doc.uri.toString() !== preview.current.session?.uri.toString()) schedule(doc, 0);
    }),
    // Auto-detection switches the language after the editor opened: follow that too.
    vscode.workspace.onDidOpenTextDocument((doc) => {
      const active = vscode.window.activeTextEditor?.document.uri.toString();
      if (doc.languageId === LANGUAGE_ID && treeView.visible && doc.uri.toString() === active && doc.uri.toString() !== preview.current.session?.uri.toString()) schedule(doc, 0);
    }),
    treeView.onDidChangeVisibility((e) => {
      const doc = vscode.window.activeTextEditor?.document;
      if (e.visible && !preview.current.session && doc?.languageId === LANGUAGE_ID) schedule(doc, 0);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('almaSis')) return;
      sessions.clear();
      compare.refresh();
      const doc = previewedDoc();
      if (doc) schedule(doc, 100);
    }),
    server.onSnapshotChanged(() => {
      const doc = previewedDoc();
      if (doc) schedule(doc, 100);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => sessions.closed(d.uri)),
  );
  // The server watches snapshots too, but the preview must follow even when the server is down.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.alma-snapshot.json');
  const onSnapshotFile = (uri: vscode.Uri) => {
    sessions.clear(); // re-read snapshot files even when a rewrite kept their size and time stamp
    compare.refresh();
    const s = preview.current.session;
    const doc = previewedDoc();
    if (doc && s?.snapshotFile && s.snapshotFile.path === uri.fsPath) schedule(doc, 200);
    else if (doc && !s?.snapshotFile) schedule(doc, 200);
  };
  context.subscriptions.push(watcher, watcher.onDidChange(onSnapshotFile), watcher.onDidCreate(onSnapshotFile), watcher.onDidDelete(onSnapshotFile));

  // The extension activates on any XML file (to look at its root), but the language server is
  // only started once an SIS document is open: other XML costs no extra process.
  let serverReady: Promise<void> | undefined;
  const startServer = (): Promise<void> =>
    (serverReady ??= server.start().catch((e: unknown) => {
      output.appendLine(`The language server did not start: ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window.showErrorMessage('The Alma SIS language server did not start; diagnostics and hovers are off. The "Alma SIS" output says why.');
    }));
  if (vscode.workspace.textDocuments.some((d) => d.languageId === LANGUAGE_ID)) void startServer();
  else {
    // The workspace check needs the server before any SIS file is opened: start it when the workspace holds one.
    const startForWorkspace = () => void workspaceHasSisFile().then((has) => (has ? startServer() : undefined));
    startForWorkspace();
    context.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(startForWorkspace),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('almaSis.workspaceDiagnostics') || e.affectsConfiguration('almaSis.feed')) startForWorkspace();
      }),
    );
    const waiting = vscode.workspace.onDidOpenTextDocument((d) => {
      if (d.languageId !== LANGUAGE_ID) return;
      waiting.dispose();
      void startServer();
    });
    context.subscriptions.push(waiting);
  }

  return {
    get serverReady() {
      return startServer();
    },
    previewModel: () => preview.current.model,
    statusText: () => status.text,
  };
}

export function deactivate(): void {
  // The language client and everything else are disposed through context.subscriptions.
}
