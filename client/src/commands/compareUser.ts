/**
 * Compare User with Snapshot: the user as the snapshot holds it beside the user as the sync
 * would leave it, in VS Code's diff view.
 */
import * as vscode from 'vscode';
import type { UserPreviewArgs } from '../../../shared/src/protocol';
import { compareUri, sideText, type CompareTarget } from '../compare';
import { errorText, type Workbench } from './workbench';

export class CompareCommands {
  constructor(private readonly w: Workbench) {}

  /** The text of one side of the compare (for the virtual documents). */
  compareContent = async (t: CompareTarget): Promise<string> => {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(t.doc));
      const s = await this.w.sessions.compute(doc);
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
    const doc = await this.w.documentFor(this.w.uriOfRef(arg));
    if (!doc) {
      this.w.noDocument();
      return undefined;
    }
    const s = await this.w.sessionOrShowError(doc, 'Alma SIS: comparing with the snapshot');
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
}
