/**
 * The snapshot commands: Select Snapshot (stored in `almaSis.snapshotPath`) and Import Snapshot
 * from an Alma export (compared with the last SIS file uploaded, to find manual changes).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SNAPSHOT_SUFFIX } from '../../../shared/src/analysis';
import { settingsFrom } from '../../../shared/src/settings';
import { recordFromXml } from '../../../shared/src/sis/record';
import { readSisDocument } from '../../../shared/src/sis/read';
import { importExport } from '../../../shared/src/snapshot/import';
import { serializeSnapshot } from '../../../shared/src/snapshot/snapshot';
import { profileLayerFor } from '../config';
import { writeFileSafely } from '../files';
import { errorText, type Workbench } from './workbench';

export class SnapshotCommands {
  constructor(private readonly w: Workbench) {}

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
    this.w.sessions.clear();
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
        const exportText = await fs.readFile(from, 'utf8');
        if (token.isCancellationRequested) return { message: 'cancelled' };
        const layer = profileLayerFor(vscode.Uri.file(target));
        const { settings } = settingsFrom(layer);
        let lastSis;
        if (lastSisPath) {
          progress.report({ message: 'reading the last SIS file' });
          lastSis = readSisDocument(await fs.readFile(lastSisPath, 'utf8')).users.map((u) => recordFromXml(u.element));
        }
        if (token.isCancellationRequested) return { message: 'cancelled' };
        progress.report({ message: 'reading the export' });
        // The profile settings in force are recorded in the snapshot, so the command line plans alike.
        const imported = importExport(exportText, lastSis, settings, Object.keys(layer).length > 0 ? layer : undefined);
        const result = imported.result;
        if (!result || imported.users === 0) {
          const message = `Cannot import ${path.basename(from)}: ${imported.problems.find((p) => p.severity === 'error')?.message ?? 'it holds no users'}.`;
          void vscode.window.showErrorMessage(message);
          return { message };
        }
        if (token.isCancellationRequested) return { message: 'cancelled' };
        const backup = await writeFileSafely(target, serializeSnapshot(result.snapshot), { backup: true });
        const message =
          `Snapshot ${path.basename(target)} written with ${imported.users} users` +
          (lastSisPath ? `; ${result.protectedFound} protected ${result.protectedFound === 1 ? 'field' : 'fields'} found on ${result.usersWithProtection} users by comparing with ${path.basename(lastSisPath)}` : '') +
          (backup ? `; the previous file is kept as ${path.basename(backup)}` : '') +
          '.';
        this.w.sessions.clear();
        void vscode.window.showInformationMessage(message);
        return { written: target, users: imported.users, protectedFound: result.protectedFound, message };
      } catch (e) {
        const message = `Import failed: ${errorText(e)}`;
        void vscode.window.showErrorMessage(message);
        return { message };
      }
    });
  };
}
