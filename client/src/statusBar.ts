/**
 * The status-bar item: which snapshot the active SIS file is compared with (click: "Select
 * Snapshot…"). Asks the language server, which is the one that uses it; falls back to the
 * same rule computed here while the server is starting.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerConnection } from './languageClient';
import { LANGUAGE_ID } from './languageClient';
import type { Sessions } from './session';

const SOURCE_TEXT: Record<string, string> = {
  setting: 'from the almaSis.snapshotPath setting',
  'beside-document': 'found beside the file',
  'workspace-root': 'found at the workspace root',
  argument: 'chosen for this run',
};

export class SnapshotStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('almaSis.snapshot', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private generation = 0;

  constructor(
    private readonly server: ServerConnection,
    private readonly sessions: Sessions,
  ) {
    this.item.name = 'Alma SIS Snapshot';
    this.item.command = 'almaSis.selectSnapshot';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => void this.update()),
      // A language switch (auto-detection, or by hand) reopens the document without an editor change.
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.uri.toString() === vscode.window.activeTextEditor?.document.uri.toString()) setTimeout(() => void this.update(), 0);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('almaSis')) void this.update();
      }),
      server.onSnapshotChanged(() => void this.update()),
    );
    void this.update();
  }

  /** The text shown now (for tests); undefined when hidden. */
  get text(): string | undefined {
    return this.shown ? this.item.text : undefined;
  }
  private shown = false;

  async update(): Promise<void> {
    const gen = ++this.generation;
    const active = vscode.window.activeTextEditor?.document;
    // After a language switch the editor may still hold the document as it was opened.
    const doc = active && (vscode.workspace.textDocuments.find((d) => d.uri.toString() === active.uri.toString()) ?? active);
    if (!doc || doc.languageId !== LANGUAGE_ID) {
      this.item.hide();
      this.shown = false;
      return;
    }
    const info = await this.server.snapshotInfo(doc.uri);
    let file: string | undefined;
    let source: string | undefined;
    let detail = '';
    let error: string | undefined;
    if (info) {
      file = info.snapshotUri ? vscode.Uri.parse(info.snapshotUri).fsPath : undefined;
      source = info.source;
      if (info.users !== undefined) detail = `${info.users} ${info.users === 1 ? 'user' : 'users'}`;
      error = info.error;
    } else {
      const located = await this.sessions.snapshotFor(doc.uri);
      file = located?.path;
      source = located?.source;
    }
    if (gen !== this.generation) return; // a newer update is under way
    if (!file) {
      this.item.text = '$(database) No snapshot';
      this.item.tooltip = 'No *.alma-snapshot.json beside the file or at the workspace root: every user is planned as new. Click to select or import one.';
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = `${error ? '$(warning)' : '$(database)'} ${path.basename(file)}`;
      const md = new vscode.MarkdownString();
      md.appendText(`Alma SIS snapshot: ${vscode.workspace.asRelativePath(file)}`);
      md.appendText(`\n${SOURCE_TEXT[source ?? ''] ?? ''}${detail ? ` · ${detail}` : ''}`);
      if (error) md.appendText(`\n\nCannot use it: ${error}`);
      md.appendText('\n\nClick to select another snapshot.');
      this.item.tooltip = md;
      this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    this.item.show();
    this.shown = true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
