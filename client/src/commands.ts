/**
 * The commands of issue 5. Every command takes optional arguments so that tests (and other
 * extensions) can run it through `vscode.commands.executeCommand` without any prompt, and
 * returns what it did. Prompts and modal dialogs only appear when an argument is missing;
 * `confirm: true` stands for "the user said yes".
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { planToMarkdown, runSyncQuestion, type Outcome, type PreviewFlag, type PreviewModel } from '../../shared/src/preview';
import type { UserPreviewArgs } from '../../shared/src/protocol';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { incomingUsers } from '../../shared/src/engine/incoming';
import { importSnapshot, readUserExport } from '../../shared/src/snapshot/import';
import { serializeSnapshot } from '../../shared/src/snapshot/snapshot';
import type { CodeTables } from '../../shared/src/validate/codeTables';
import { checkForUpload, type UploadCheck } from './check';
import { compareUri, sideText, type CompareProvider, type CompareTarget } from './compare';
import { profileLayerFor, runSyncLimits } from './config';
import { fingerprintOfFile, restoreBackup, uploadZipPath, writeFileSafely, zipForUpload } from './files';
import { LANGUAGE_ID } from './languageClient';
import { documentStem, folderOf, readCodeTablesText, resolveSettingPath, SNAPSHOT_SUFFIX, snapshotPathFor } from '../../shared/src/analysis';
import { pickFlags, pickOutcomes, PreviewProvider, VIEW_ID } from './previewView';
import { SessionError, type Sessions, type SyncSession } from './session';

/** A document given as a URI, a URI string, or `{ uri }` (tree nodes, code lens arguments). */
type DocArg = vscode.Uri | string | { uri?: string | vscode.Uri } | undefined;

function uriOf(arg: DocArg): vscode.Uri | undefined {
  if (!arg) return undefined;
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return arg.includes(':') && !/^[A-Za-z]:[\\/]/.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  if (typeof arg === 'object' && arg.uri) return uriOf(arg.uri);
  return undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Files above this size get a cancellable notification while they are computed. */
const BIG_TEXT = 1_000_000;
/** Above this size the first computation takes many seconds of CPU: only on request, never automatically. */
const HUGE_TEXT = 10_000_000;

export interface RunSyncOptions {
  readonly uri?: string;
  /** Path of the snapshot to advance (default: the one the file uses). */
  readonly snapshot?: string;
  /** Skip the confirmation (the answer is yes). */
  readonly confirm?: boolean;
  /** The fingerprint the caller's preview was computed from; a different file on disk asks again. */
  readonly expectedFingerprint?: string;
}

export interface RunSyncResult {
  readonly written: boolean;
  readonly reason?: 'untrusted' | 'no-document' | 'not-well-formed' | 'cancelled' | 'snapshot-changed' | 'error';
  readonly message?: string;
  readonly snapshot?: string;
  readonly backup?: string;
  readonly summary?: SyncSession['plan']['summary'];
}

export class Commands {
  /** The last Run Sync, for Undo. */
  private lastRun: { snapshot: string; backup: string } | undefined;

  constructor(
    private readonly sessions: Sessions,
    private readonly preview: PreviewProvider,
    private readonly treeView: vscode.TreeView<unknown>,
    private readonly compare: CompareProvider,
    private readonly output: vscode.OutputChannel,
  ) {}

  // ---------------------------------------------------------------------------------------
  // documents and sessions

  /** The SIS document a command is about: the argument, else the active SIS editor, else the previewed one. */
  async documentFor(arg: DocArg): Promise<vscode.TextDocument | undefined> {
    const uri = uriOf(arg);
    if (uri) return vscode.workspace.openTextDocument(uri);
    const active = vscode.window.activeTextEditor?.document;
    if (active && active.languageId === LANGUAGE_ID) return active;
    const previewed = this.preview.current.session?.uri;
    if (previewed) return vscode.workspace.openTextDocument(previewed);
    return undefined;
  }

  /** Computes a session, with a cancellable notification for large files. */
  async session(doc: vscode.TextDocument, title: string, snapshotPath?: string): Promise<SyncSession | undefined> {
    // Cancelled (by the user, or because a newer computation replaced the worker): undefined.
    const run = (token?: vscode.CancellationToken) =>
      this.sessions.compute(doc, { snapshotPath, token }).catch((e: unknown) => {
        if (e instanceof vscode.CancellationError) return undefined;
        throw e;
      });
    const size = doc.getText().length;
    if (size >= HUGE_TEXT && !this.sessions.has(doc)) {
      title += ` (${Math.round(size / 1e6)} MB: the first time takes a while; the command line \`alma-sis plan\` is faster)`;
    }
    if (size < BIG_TEXT) {
      return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => run());
    }
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
      const s = await run(token);
      // The engine runs in one piece; a cancel during it discards the result.
      return token.isCancellationRequested ? undefined : s;
    });
  }

  private noDocument(): void {
    void vscode.window.showInformationMessage('Open an Alma SIS user file (root <users> or <userRecords>) first.');
  }

  // ---------------------------------------------------------------------------------------
  // Preview Sync

  /** Shows the preview for a document; returns the model shown (for tests). */
  async previewSync(arg?: DocArg, options: { snapshot?: string; focus?: boolean } = {}): Promise<PreviewModel | undefined> {
    const doc = await this.documentFor(arg);
    if (!doc) {
      this.noDocument();
      return undefined;
    }
    await this.refreshPreview(doc, { snapshot: options.snapshot, explicit: true });
    if (options.focus !== false) await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    return this.preview.current.model;
  }

  /** A snapshot given to Preview Sync as an argument, for that document only. */
  private previewSnapshotArg: { uri: string; snapshot: string | undefined } | undefined;

  /** Recomputes the preview for `doc` (explicit: from a command, so errors are shown as messages too). */
  async refreshPreview(doc: vscode.TextDocument, o: { snapshot?: string; explicit?: boolean } = {}): Promise<void> {
    if (o.explicit) this.previewSnapshotArg = { uri: doc.uri.toString(), snapshot: o.snapshot };
    const snapshotArg = this.previewSnapshotArg?.uri === doc.uri.toString() ? this.previewSnapshotArg.snapshot : undefined;
    if (!o.explicit && doc.getText().length >= HUGE_TEXT && !this.sessions.has(doc)) {
      this.preview.show(undefined, `${path.basename(doc.uri.fsPath)} is large: run "Alma SIS: Preview Sync" to compute its preview.`);
      this.treeView.message = this.preview.message();
      return;
    }
    try {
      const s = await this.session(doc, 'Alma SIS: computing the sync preview', snapshotArg);
      if (!s) return;
      this.preview.show(s);
    } catch (e) {
      if (e instanceof vscode.CancellationError) return;
      const msg = e instanceof SessionError ? e.message : `The preview failed: ${errorText(e)}`;
      if (!(e instanceof SessionError)) this.output.appendLine(`Preview failed: ${errorText(e)}`);
      this.preview.show(undefined, msg);
      if (o.explicit) void vscode.window.showErrorMessage(msg);
    }
    this.treeView.message = this.preview.message();
    this.compare.refresh(doc.uri.toString());
  }

  filterOutcome = async (outcomes?: Outcome[]): Promise<PreviewModel | undefined> => {
    const chosen = outcomes ?? (await pickOutcomes(this.preview.current.filter.outcomes));
    if (!chosen) return this.preview.current.model;
    return this.applyFilter({ ...this.preview.current.filter, outcomes: chosen });
  };

  filterFlags = async (flags?: PreviewFlag[]): Promise<PreviewModel | undefined> => {
    const chosen = flags ?? (await pickFlags(this.preview.current.filter.flags));
    if (!chosen) return this.preview.current.model;
    return this.applyFilter({ ...this.preview.current.filter, flags: chosen });
  };

  search = async (text?: string): Promise<PreviewModel | undefined> => {
    const q =
      text ??
      (await vscode.window.showInputBox({
        title: 'Search the sync preview',
        prompt: 'Part of a primary id, Match ID value or name (empty: show all)',
        value: this.preview.current.filter.search ?? '',
      }));
    if (q === undefined) return this.preview.current.model;
    return this.applyFilter({ ...this.preview.current.filter, search: q });
  };

  clearFilters = async (): Promise<PreviewModel | undefined> => this.applyFilter({});

  private applyFilter(filter: Parameters<PreviewProvider['setFilter']>[0]): PreviewModel | undefined {
    const m = this.preview.setFilter(filter);
    this.treeView.message = this.preview.message();
    return m;
  }

  /** Reveals a user (or one of its fields) in the XML. */
  /** A preview tree node (from a view's context menu) belongs to the previewed document. */
  private uriOfRef(ref: { uri?: string; kind?: unknown } | undefined): string | undefined {
    if (ref?.uri) return ref.uri;
    return ref && 'kind' in ref ? this.preview.current.session?.uri.toString() : undefined;
  }

  revealUser = async (ref?: { uri?: string; index?: number; field?: string; user?: { index: number }; kind?: string }): Promise<boolean> => {
    const index = ref?.index ?? ref?.user?.index;
    const doc = await this.documentFor(this.uriOfRef(ref));
    if (!doc || index === undefined) return false;
    const s = await this.sessions.compute(doc).catch(() => undefined);
    const offset = (ref?.field && s ? await s.fieldOffset(index, ref.field) : undefined) ?? s?.userOffset(index);
    if (offset === undefined) return false;
    const pos = doc.positionAt(offset);
    const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false, preview: false, viewColumn: this.columnOf(doc) });
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  };

  private columnOf(doc: vscode.TextDocument): vscode.ViewColumn | undefined {
    return vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn;
  }

  // ---------------------------------------------------------------------------------------
  // Compare User with Snapshot

  /** The text of one side of the compare (for the virtual documents). */
  compareContent = async (t: CompareTarget): Promise<string> => {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(t.doc));
      const s = await this.sessions.compute(doc);
      const p = s.plan.users[t.index];
      if (!p) return sideText(undefined, `The file has no user number ${t.index + 1} any more.`);
      const { before, after } = await s.sides(t.index);
      if (t.side === 'snapshot') return sideText(before ?? undefined, p.outcome === 'created' ? 'Not in the snapshot: the sync creates this user.' : 'No matching user in the snapshot.');
      if (p.outcome === 'rejected') return sideText(before ?? undefined, `Rejected (${p.reasons.join('; ')}): nothing changes.`);
      return sideText(after ?? undefined, 'Nothing to show.');
    } catch (e) {
      return sideText(undefined, errorText(e));
    }
  };

  /**
   * Opens the diff for a user: from a tree node or `{uri, index}`, from the server's code lens
   * (`UserPreviewArgs`), or for the user under the cursor. Returns the two addresses.
   */
  compareUser = async (arg?: { uri?: string; index?: number; user?: { index: number }; kind?: string } | UserPreviewArgs): Promise<{ left: string; right: string; outcome: string } | undefined> => {
    const doc = await this.documentFor(this.uriOfRef(arg));
    if (!doc) {
      this.noDocument();
      return undefined;
    }
    let s: SyncSession | undefined;
    try {
      s = await this.session(doc, 'Alma SIS: comparing with the snapshot');
    } catch (e) {
      void vscode.window.showErrorMessage(errorText(e));
      return undefined;
    }
    if (!s) return undefined;
    let index = arg && 'index' in arg ? arg.index : arg && 'user' in arg ? arg.user?.index : undefined;
    if (index === undefined) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document === doc) {
        const at = doc.offsetAt(editor.selection.active);
        index = s.userAt(at);
      }
      if (index === undefined || index < 0) {
        void vscode.window.showInformationMessage('Put the cursor inside a <user> element to compare it with the snapshot.');
        return undefined;
      }
    }
    const p = s.plan.users[index];
    if (!p) return undefined;
    const id = p.primaryId ?? p.matchValue ?? `user-${index + 1}`;
    const left = compareUri({ doc: doc.uri.toString(), index, side: 'snapshot' }, id);
    const right = compareUri({ doc: doc.uri.toString(), index, side: 'after' }, id);
    const what = p.outcome === 'created' ? 'new user' : p.outcome;
    await vscode.commands.executeCommand('vscode.diff', left, right, `${id}: in the snapshot ↔ after the sync (${what})`, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return { left: left.toString(), right: right.toString(), outcome: p.outcome };
  };

  // ---------------------------------------------------------------------------------------
  // Run Sync on Snapshot, Undo

  runSync = async (options: RunSyncOptions = {}): Promise<RunSyncResult> => {
    if (!vscode.workspace.isTrusted) {
      const message = 'Run Sync writes files, so it is off in an untrusted workspace. Trust the workspace to use it.';
      void vscode.window.showWarningMessage(message);
      return { written: false, reason: 'untrusted', message };
    }
    const doc = await this.documentFor(options.uri);
    if (!doc) {
      this.noDocument();
      return { written: false, reason: 'no-document' };
    }
    const previewed = this.preview.current.session;
    const shownFingerprint =
      options.expectedFingerprint ?? (previewed && previewed.uri.toString() === doc.uri.toString() ? previewed.snapshotFile?.fingerprint : undefined);
    let changedSincePreview = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      let s: SyncSession | undefined;
      try {
        s = await this.session(doc, 'Alma SIS: planning the sync', options.snapshot);
      } catch (e) {
        const message = errorText(e);
        void vscode.window.showErrorMessage(message);
        return { written: false, reason: 'error', message };
      }
      if (!s) return { written: false, reason: 'cancelled' };
      if (s.fatalProblems > 0) {
        const message = 'The file is not well-formed XML, so Alma would fail the whole file: nothing was written. Fix the errors first.';
        void vscode.window.showErrorMessage(message);
        return { written: false, reason: 'not-well-formed', message };
      }
      if (!s.snapshotFile && doc.uri.scheme !== 'file') {
        const message = 'There is no snapshot to advance, and an unsaved file has no folder to put a new one in: save the file or select a snapshot first.';
        void vscode.window.showInformationMessage(message);
        return { written: false, reason: 'error', message };
      }
      // No snapshot yet: the first one goes beside the file, named after it.
      const target = s.snapshotFile?.path ?? snapshotPathFor(doc.uri.fsPath);
      if (shownFingerprint !== undefined && s.snapshotFile && s.snapshotFile.fingerprint !== shownFingerprint) changedSincePreview = true;
      if (changedSincePreview && options.confirm) {
        const message = 'The snapshot changed on disk since the preview: nothing was written. Look at the preview again, then run the sync.';
        void this.refreshPreview(doc);
        void vscode.window.showWarningMessage(message);
        return { written: false, reason: 'snapshot-changed', message, summary: s.plan.summary };
      }
      if (!options.confirm) {
        const q = runSyncQuestion(s.plan, runSyncLimits(doc.uri), path.basename(target));
        const detail = (changedSincePreview ? 'The snapshot changed on disk since the preview; these are the new counts.\n' : '') + q.detail;
        const yes = q.strong ? 'Write Snapshot Anyway' : 'Write Snapshot';
        const answer = await vscode.window.showWarningMessage(q.title, { modal: true, detail }, yes);
        if (answer !== yes) return { written: false, reason: 'cancelled', summary: s.plan.summary };
      }
      // The snapshot may have changed while the question was open: then ask again with new counts.
      const onDisk = await fingerprintOfFile(target);
      if (onDisk !== s.snapshotFile?.fingerprint) {
        if (options.confirm) return { written: false, reason: 'snapshot-changed', message: 'The snapshot changed on disk while planning: nothing was written.' };
        changedSincePreview = true;
        continue;
      }
      try {
        // Typing while the question was open: plan that text and ask again.
        if (s.version !== doc.version) continue;
        const text = await s.nextSnapshotText();
        const backup = await writeFileSafely(target, text, { backup: true });
        if (backup) this.lastRun = { snapshot: target, backup };
        this.sessions.forget(doc.uri);
        void this.refreshPreview(doc);
        const summary = s.plan.summary;
        const msg = `Snapshot ${path.basename(target)} advanced: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected} rejected.`;
        if (!options.confirm) {
          void vscode.window.showInformationMessage(msg, ...(backup ? ['Undo'] : [])).then((c) => {
            if (c === 'Undo') void this.undoRunSync({ confirm: true });
          });
        }
        return { written: true, snapshot: target, backup, summary };
      } catch (e) {
        const message = `Could not write ${path.basename(target)}: ${errorText(e)}. The previous snapshot is unchanged.`;
        void vscode.window.showErrorMessage(message);
        return { written: false, reason: 'error', message };
      }
    }
    return { written: false, reason: 'snapshot-changed', message: 'The snapshot keeps changing on disk; try again later.' };
  };

  undoRunSync = async (options: { snapshot?: string; confirm?: boolean } = {}): Promise<{ restored: boolean; snapshot?: string; message?: string }> => {
    if (!vscode.workspace.isTrusted) return { restored: false, message: 'untrusted workspace' };
    const target = options.snapshot ?? this.lastRun?.snapshot;
    if (!target) {
      void vscode.window.showInformationMessage('There is no Run Sync to undo in this session.');
      return { restored: false, message: 'nothing to undo' };
    }
    if (!options.confirm) {
      const yes = 'Restore Previous Snapshot';
      const a = await vscode.window.showWarningMessage(`Put ${path.basename(target)}.bak back over ${path.basename(target)}?`, { modal: true }, yes);
      if (a !== yes) return { restored: false, message: 'cancelled' };
    }
    try {
      await restoreBackup(target);
      if (this.lastRun?.snapshot === target) this.lastRun = undefined;
      this.sessions.clear();
      const doc = this.preview.current.session ? await vscode.workspace.openTextDocument(this.preview.current.session.uri) : undefined;
      if (doc) void this.refreshPreview(doc);
      void vscode.window.showInformationMessage(`Restored the previous ${path.basename(target)}.`);
      return { restored: true, snapshot: target };
    } catch (e) {
      const message = `Could not restore ${path.basename(target)}.bak: ${errorText(e)}`;
      void vscode.window.showErrorMessage(message);
      return { restored: false, message };
    }
  };

  // ---------------------------------------------------------------------------------------
  // Snapshot commands

  selectSnapshot = async (chosen?: string | null): Promise<string | undefined> => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const scopeUri = vscode.window.activeTextEditor?.document.uri ?? folder?.uri;
    const wsFolder = scopeUri ? vscode.workspace.getWorkspaceFolder(scopeUri) ?? folder : folder;
    let pick: string | null | undefined = chosen;
    if (pick === undefined) {
      const found = await vscode.workspace.findFiles('**/*' + SNAPSHOT_SUFFIX, '**/node_modules/**', 200);
      const items: (vscode.QuickPickItem & { value: string | null | 'browse' })[] = [
        ...found.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), value: u.fsPath })),
        { label: '$(folder-opened) Browse…', value: 'browse' as const },
        { label: '$(discard) Automatic', description: 'the snapshot beside the file, else at the workspace root', value: null },
      ];
      const item = await vscode.window.showQuickPick(items, { title: 'Select the snapshot to compare SIS files with' });
      if (!item) return undefined;
      pick = item.value;
      if (pick === 'browse') {
        const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Alma SIS snapshot': ['json'] }, title: 'Select Snapshot' });
        if (!uris?.[0]) return undefined;
        pick = uris[0].fsPath;
      }
    }
    const config = vscode.workspace.getConfiguration('almaSis', wsFolder?.uri);
    const value = pick ? (wsFolder ? path.relative(wsFolder.uri.fsPath, pick) || pick : pick) : undefined;
    await config.update('snapshotPath', value, wsFolder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global);
    this.sessions.clear();
    return pick ?? undefined;
  };

  importSnapshot = async (options: { users?: string; lastSis?: string | null; out?: string; overwrite?: boolean } = {}): Promise<{ written?: string; users?: number; protectedFound?: number; message?: string }> => {
    if (!vscode.workspace.isTrusted) {
      const message = 'Importing writes a snapshot, so it is off in an untrusted workspace.';
      void vscode.window.showWarningMessage(message);
      return { message };
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    let usersPath = options.users;
    if (!usersPath) {
      const u = await vscode.window.showOpenDialog({
        title: 'Import Snapshot: the users exported from Alma (Users API answer or "Export Users" XML)',
        canSelectMany: false,
        defaultUri: folder,
        filters: { 'Alma user export': ['xml', 'json'] },
      });
      if (!u?.[0]) return {};
      usersPath = u[0].fsPath;
    }
    let lastSis = options.lastSis;
    if (lastSis === undefined) {
      const skip = 'No, every field unprotected';
      const choose = 'Choose the last SIS file…';
      const a = await vscode.window.showQuickPick([choose, skip], {
        title: 'Compare with the last SIS file uploaded? Fields that differ from it were changed by hand and are marked protected.',
      });
      if (!a) return {};
      if (a === choose) {
        const u = await vscode.window.showOpenDialog({ title: 'The last SIS file uploaded to Alma', canSelectMany: false, defaultUri: folder, filters: { 'SIS XML': ['xml'] } });
        if (!u?.[0]) return {};
        lastSis = u[0].fsPath;
      } else lastSis = null;
    }
    let out = options.out;
    if (!out) {
      const base = path.basename(usersPath).replace(/\.(xml|json)$/i, '');
      const u = await vscode.window.showSaveDialog({
        title: 'Save the snapshot as',
        defaultUri: vscode.Uri.file(path.join(folder?.fsPath ?? path.dirname(usersPath), base + SNAPSHOT_SUFFIX)),
        filters: { 'Alma SIS snapshot': ['json'] },
      });
      if (!u) return {};
      out = u.fsPath;
    }
    const target = out;
    const from = usersPath;
    const lastSisPath = lastSis ?? undefined;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Alma SIS: importing the snapshot', cancellable: true }, async (progress, token) => {
      try {
        const exportText = (await fs.readFile(from, 'utf8')).replace(/^\uFEFF/, '');
        if (token.isCancellationRequested) return { message: 'cancelled' };
        progress.report({ message: 'reading the export' });
        const read = readUserExport(exportText);
        const errors = read.problems.filter((p) => p.severity === 'error');
        if (read.users.length === 0 || errors.length > 0) {
          const message = `Cannot import ${path.basename(from)}: ${errors[0]?.message ?? 'it holds no users'}.`;
          void vscode.window.showErrorMessage(message);
          return { message };
        }
        const layer = profileLayerFor(vscode.Uri.file(target));
        const { settings } = settingsFrom(layer);
        let records;
        if (lastSisPath) {
          progress.report({ message: 'reading the last SIS file' });
          const sisText = (await fs.readFile(lastSisPath, 'utf8')).replace(/^\uFEFF/, '');
          records = incomingUsers(readSisDocument(sisText)).map((u) => u.record);
        }
        if (token.isCancellationRequested) return { message: 'cancelled' };
        // The profile settings in force are recorded in the snapshot, so the command line plans alike.
        const result = importSnapshot(read.users, settings, records, Object.keys(layer).length > 0 ? layer : undefined);
        if (token.isCancellationRequested) return { message: 'cancelled' };
        const backup = await writeFileSafely(target, serializeSnapshot(result.snapshot), { backup: true });
        const message =
          `Snapshot ${path.basename(target)} written with ${read.users.length} users` +
          (lastSisPath ? `; ${result.protectedFound} protected ${result.protectedFound === 1 ? 'field' : 'fields'} found on ${result.usersWithProtection} users by comparing with ${path.basename(lastSisPath)}` : '') +
          (backup ? `; the previous file is kept as ${path.basename(backup)}` : '') +
          '.';
        this.sessions.clear();
        void vscode.window.showInformationMessage(message);
        return { written: target, users: read.users.length, protectedFound: result.protectedFound, message };
      } catch (e) {
        const message = `Import failed: ${errorText(e)}`;
        void vscode.window.showErrorMessage(message);
        return { message };
      }
    });
  };

  exportPlan = async (options: { uri?: string; format?: 'json' | 'markdown'; out?: string } = {}): Promise<string | undefined> => {
    const doc = await this.documentFor(options.uri);
    if (!doc) {
      this.noDocument();
      return undefined;
    }
    let format = options.format;
    if (!format) {
      const a = await vscode.window.showQuickPick(
        [
          { label: 'Markdown', description: 'for a ticket or a change review', value: 'markdown' as const },
          { label: 'JSON', description: 'the plan format of alma-sis plan --format json', value: 'json' as const },
        ],
        { title: 'Export the sync plan as' },
      );
      if (!a) return undefined;
      format = a.value;
    }
    let s: SyncSession | undefined;
    try {
      s = await this.session(doc, 'Alma SIS: planning the sync');
    } catch (e) {
      void vscode.window.showErrorMessage(errorText(e));
      return undefined;
    }
    if (!s) return undefined;
    const base = documentStem(doc.uri.fsPath || doc.uri.path);
    const ext = format === 'json' ? '.plan.json' : '.plan.md';
    let out = options.out;
    if (!out) {
      const u = await vscode.window.showSaveDialog({
        title: 'Save the plan as',
        defaultUri: vscode.Uri.file(path.join(path.dirname(doc.uri.fsPath), base + ext)),
        filters: format === 'json' ? { JSON: ['json'] } : { Markdown: ['md'] },
      });
      if (!u) return undefined;
      out = u.fsPath;
    }
    const snapName = s.snapshotFile ? path.basename(s.snapshotFile.path) : 'no snapshot';
    const text =
      format === 'json'
        ? JSON.stringify(s.plan, null, 2) + '\n'
        : planToMarkdown(s.plan, { title: `Sync plan for ${path.basename(doc.uri.fsPath)}`, subtitle: `Against ${snapName}.` });
    await writeFileSafely(out, text);
    if (!options.out) void vscode.window.showInformationMessage(`Plan written to ${vscode.workspace.asRelativePath(out)}.`, 'Open').then((c) => {
      if (c === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(out!));
    });
    return out;
  };

  // ---------------------------------------------------------------------------------------
  // Package for Upload

  packageForUpload = async (options: { uri?: string | vscode.Uri; out?: string; save?: boolean } = {}): Promise<{ written?: string; check?: UploadCheck; message?: string }> => {
    const doc = await this.documentFor(options.uri);
    if (!doc) {
      this.noDocument();
      return { message: 'no document' };
    }
    if (doc.uri.scheme !== 'file') {
      const message = 'Save the file first: only files on disk can be packaged.';
      void vscode.window.showInformationMessage(message);
      return { message };
    }
    if (doc.isDirty) {
      let save = options.save;
      if (save === undefined) {
        const yes = 'Save and Package';
        save = (await vscode.window.showWarningMessage('The file has unsaved changes. The zip holds the file as saved.', { modal: true }, yes)) === yes;
      }
      if (!save) return { message: 'cancelled' };
      await doc.save();
    }
    const file = doc.uri.fsPath;
    const out = options.out ?? uploadZipPath(file);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Alma SIS: checking and packaging', cancellable: true }, async (_p, token) => {
      const bytes = await fs.readFile(file);
      // The profile as the preview uses it (the snapshot's, under the editor's settings).
      const settings = await this.sessions
        .compute(doc)
        .then((s) => s.settings)
        .catch(() => settingsFrom(profileLayerFor(doc.uri)).settings);
      const codeTables = await this.codeTablesFor(doc.uri);
      const check = checkForUpload(bytes, settings, new Date().toISOString().slice(0, 10), codeTables);
      if (token.isCancellationRequested) return { message: 'cancelled', check };
      if (check.errors.length > 0) {
        const shown = check.errors.slice(0, 8).map((e) => `line ${e.line}: ${e.message} [${e.code}]`);
        if (check.errors.length > shown.length) shown.push(`… and ${check.errors.length - shown.length} more (see the Problems panel).`);
        const message = `Not packaged: ${path.basename(file)} has ${check.errors.length} ${check.errors.length === 1 ? 'error' : 'errors'} that would make Alma reject the file or users.`;
        void vscode.window.showErrorMessage(message, { modal: !options.out, detail: shown.join('\n') });
        return { message, check };
      }
      const zip = zipForUpload(path.basename(file), bytes);
      await writeFileSafely(out, zip);
      const message = `Packaged ${path.basename(out)} for upload${check.warnings ? ` (${check.warnings} ${check.warnings === 1 ? 'warning' : 'warnings'}: see the Problems panel)` : ''}.`;
      void vscode.window.showInformationMessage(message);
      return { written: out, check, message };
    });
  };

  private async codeTablesFor(uri: vscode.Uri): Promise<CodeTables | undefined> {
    const setting = vscode.workspace.getConfiguration('almaSis', uri).get<string>('codeTablesPath')?.trim();
    if (!setting) return undefined;
    const document = uri.scheme === 'file' ? uri.fsPath : undefined;
    const file = resolveSettingPath(setting, folderOf(document, vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? []), document);
    if (!file) return undefined;
    try {
      const read = readCodeTablesText(await fs.readFile(file, 'utf8'));
      if (!read.tables) this.output.appendLine(`Code tables not used: ${path.basename(file)}${read.unusable}`);
      return read.tables;
    } catch (e) {
      this.output.appendLine(`Code tables not used: ${errorText(e)}`);
      return undefined;
    }
  }
}
