/**
 * Run Sync on Snapshot and its Undo: the snapshot advanced as if Alma had run the file,
 * written safely (the previous one kept as `.bak`), after a question with the counts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { snapshotPathFor } from '../../../shared/src/analysis';
import { runSyncQuestion } from '../../../shared/src/preview';
import { runSyncLimits } from '../config';
import { fingerprintOfFile, restoreBackup, writeFileSafely } from '../files';
import type { SyncSession } from '../session';
import type { PreviewCommands } from './preview';
import { errorText, type Workbench } from './workbench';

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

export class RunSyncCommands {
  /** The last Run Sync, for Undo. */
  private lastRun: { snapshot: string; backup: string } | undefined;

  constructor(
    private readonly w: Workbench,
    private readonly previewCommands: PreviewCommands,
  ) {}

  runSync = async (options: RunSyncOptions = {}): Promise<RunSyncResult> => {
    if (!vscode.workspace.isTrusted) {
      const message = 'Run Sync writes files, so it is off in an untrusted workspace. Trust the workspace to use it.';
      void vscode.window.showWarningMessage(message);
      return { written: false, reason: 'untrusted', message };
    }
    const doc = await this.w.documentFor(options.uri);
    if (!doc) {
      this.w.noDocument();
      return { written: false, reason: 'no-document' };
    }
    const previewed = this.w.preview.current.session;
    const shownFingerprint =
      options.expectedFingerprint ?? (previewed && previewed.uri.toString() === doc.uri.toString() ? previewed.snapshotFile?.fingerprint : undefined);
    let changedSincePreview = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      let s: SyncSession | undefined;
      try {
        s = await this.w.session(doc, 'Alma SIS: planning the sync', options.snapshot);
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
        void this.previewCommands.refreshPreview(doc);
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
        this.w.sessions.forget(doc.uri);
        void this.previewCommands.refreshPreview(doc);
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
      this.w.sessions.clear();
      const doc = this.w.preview.current.session ? await vscode.workspace.openTextDocument(this.w.preview.current.session.uri) : undefined;
      if (doc) void this.previewCommands.refreshPreview(doc);
      void vscode.window.showInformationMessage(`Restored the previous ${path.basename(target)}.`);
      return { restored: true, snapshot: target };
    } catch (e) {
      const message = `Could not restore ${path.basename(target)}.bak: ${errorText(e)}`;
      void vscode.window.showErrorMessage(message);
      return { restored: false, message };
    }
  };
}
