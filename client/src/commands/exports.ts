/**
 * Export Plan (JSON or Markdown, for a ticket or a review) and Package for Upload (the zip
 * Alma fetches, refused while the file has errors).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { documentStem, localDay, readCodeTablesText } from '../../../shared/src/analysis';
import { describeInputs, writePlanArtifact } from '../../../server/src/io/planArtifact';
import { planToMarkdown } from '../../../shared/src/preview';
import { settingsFrom } from '../../../shared/src/settings';
import type { CodeTables } from '../../../shared/src/validate/codeTables';
import { checkForUpload, type UploadCheck } from '../check';
import { profileLayerFor } from '../config';
import { uploadZipPath, writeFileSafely, zipForUpload } from '../files';
import { codeTablesFileFor } from '../session';
import { errorText, type Workbench } from './workbench';

export class ExportCommands {
  constructor(private readonly w: Workbench) {}

  /**
   * JSON is the plan artifact of `alma-sis plan --out` (the plan with the SHA-256 of the saved
   * file, the snapshot and the code tables, the settings and the day), so that
   * `alma-sis apply --plan` applies exactly what was reviewed here; the file is saved first.
   */
  exportPlan = async (options: { uri?: string; format?: 'json' | 'markdown'; out?: string; save?: boolean } = {}): Promise<string | undefined> => {
    const doc = await this.w.documentFor(options.uri);
    if (!doc) {
      this.w.noDocument();
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
    if (format === 'json' && doc.uri.scheme === 'file' && doc.isDirty) {
      let save = options.save;
      if (save === undefined) {
        const yes = 'Save and Export';
        save = (await vscode.window.showWarningMessage('The file has unsaved changes. The plan records the file as saved (alma-sis apply --plan checks it).', { modal: true }, yes)) === yes;
      }
      if (!save) return undefined;
      await doc.save();
    }
    const s = await this.w.sessionOrShowError(doc, 'Alma SIS: planning the sync');
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
    if (format === 'markdown') {
      await writeFileSafely(out, planToMarkdown(s.plan, { title: `Sync plan for ${path.basename(doc.uri.fsPath)}`, subtitle: `Against ${snapName}.` }));
    } else if (s.snapshotFile && doc.uri.scheme === 'file' && !doc.isDirty) {
      const codeTables = await codeTablesFileFor(doc.uri).catch(() => undefined);
      const inputs = await describeInputs(
        out,
        { sis: [doc.uri.fsPath], snapshot: s.snapshotFile.path, codeTables: codeTables?.path },
        { feed: false, settings: s.settings, today: localDay(new Date()), madeBy: `Alma SIS for VS Code ${String(vscode.extensions.getExtension('alma-sis-sync.alma-sis-sync')?.packageJSON?.version ?? '')}`.trim() },
      );
      // The plan was computed from the snapshot's bytes with this digest: if it changed since, plan again.
      if (inputs.snapshot.sha256 !== s.snapshotFile.fingerprint) {
        void vscode.window.showWarningMessage(`${snapName} changed while the plan was made; export again.`);
        return undefined;
      }
      await writePlanArtifact(out, s.plan, inputs);
    } else {
      // Without a snapshot file (or a file on disk) there is nothing to check again: the plan alone.
      await writeFileSafely(out, JSON.stringify(s.plan, null, 2) + '\n');
    }
    if (!options.out) void vscode.window.showInformationMessage(`Plan written to ${vscode.workspace.asRelativePath(out)}.`, 'Open').then((c) => {
      if (c === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(out!));
    });
    return out;
  };

  // ---------------------------------------------------------------------------------------
  // Package for Upload

  packageForUpload = async (options: { uri?: string | vscode.Uri; out?: string; save?: boolean } = {}): Promise<{ written?: string; check?: UploadCheck; message?: string }> => {
    const doc = await this.w.documentFor(options.uri);
    if (!doc) {
      this.w.noDocument();
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
      const settings = await this.w.sessions
        .compute(doc)
        .then((s) => s.settings)
        .catch(() => settingsFrom(profileLayerFor(doc.uri)).settings);
      const codeTables = await this.codeTablesFor(doc.uri);
      const check = await checkForUpload(bytes, settings, localDay(new Date()), codeTables);
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
    try {
      const file = await codeTablesFileFor(uri);
      if (!file) return undefined;
      const read = readCodeTablesText(file.text);
      if (!read.tables) this.w.output.appendLine(`Code tables not used: ${path.basename(file.path)}${read.unusable}`);
      return read.tables;
    } catch (e) {
      this.w.output.appendLine(`Code tables not used: ${errorText(e)}`);
      return undefined;
    }
  }
}
