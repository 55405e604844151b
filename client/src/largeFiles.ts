/**
 * VS Code does not hand files over 50 MB to extensions (and switches most features off above
 * 20 MB; performance guide), so a large SIS file opens without diagnostics or preview. This
 * notices such a file in the active tab and says once per file what to use instead.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { EDITOR_FILE_LIMIT_BYTES } from '../../shared/src/editorSettings';

/** Above this size VS Code keeps the file from extensions. */
export const EDITOR_LIMIT_BYTES = EDITOR_FILE_LIMIT_BYTES;

export function commandLineAdvice(file: string): string {
  const name = path.basename(file);
  return `Check it with the command line instead: \`alma-sis validate ${name}\`, and \`alma-sis plan ${name} --snapshot <snapshot>\` for the sync preview.`;
}

export class LargeFileNotice implements vscode.Disposable {
  private readonly told = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(vscode.window.tabGroups.onDidChangeTabs(() => void this.check()));
    void this.check();
  }

  private async check(): Promise<void> {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const input = tab?.input;
    if (!(input instanceof vscode.TabInputText)) return;
    const uri = input.uri;
    if (uri.scheme !== 'file' || !/\.xml$/i.test(uri.fsPath) || this.told.has(uri.toString())) return;
    // Extensions see every document VS Code gave them; a tab without one is too large.
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    let size: number;
    try {
      size = (await fs.stat(uri.fsPath)).size;
    } catch {
      return;
    }
    if (size < EDITOR_LIMIT_BYTES) return;
    this.told.add(uri.toString());
    const mb = Math.round(size / (1024 * 1024));
    void vscode.window.showInformationMessage(
      `${path.basename(uri.fsPath)} is ${mb} MB: too large for VS Code to give to extensions, so Alma SIS cannot check or preview it in the editor. ${commandLineAdvice(uri.fsPath)}`,
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
