/**
 * Preview Sync: the preview of the active SIS file (recomputed as it changes), its filters and
 * search, and revealing a user or a field in the XML.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Outcome, PreviewFlag, PreviewModel } from '../../../shared/src/preview';
import { pickFlags, pickOutcomes, VIEW_ID, type PreviewProvider } from '../previewView';
import { SessionError } from '../session';
import { errorText, HUGE_TEXT, type DocArg, type Workbench } from './workbench';

export class PreviewCommands {
  constructor(private readonly w: Workbench) {}

  /** Shows the preview for a document; returns the model shown (for tests). */
  async previewSync(arg?: DocArg, options: { snapshot?: string; focus?: boolean } = {}): Promise<PreviewModel | undefined> {
    const doc = await this.w.documentFor(arg);
    if (!doc) {
      this.w.noDocument();
      return undefined;
    }
    await this.refreshPreview(doc, { snapshot: options.snapshot, explicit: true });
    if (options.focus !== false) await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    return this.w.preview.current.model;
  }

  /** A snapshot given to Preview Sync as an argument, for that document only. */
  private previewSnapshotArg: { uri: string; snapshot: string | undefined } | undefined;

  /** Recomputes the preview for `doc` (explicit: from a command, so errors are shown as messages too). */
  async refreshPreview(doc: vscode.TextDocument, o: { snapshot?: string; explicit?: boolean } = {}): Promise<void> {
    if (o.explicit) this.previewSnapshotArg = { uri: doc.uri.toString(), snapshot: o.snapshot };
    const snapshotArg = this.previewSnapshotArg?.uri === doc.uri.toString() ? this.previewSnapshotArg.snapshot : undefined;
    if (!o.explicit && doc.getText().length >= HUGE_TEXT && !this.w.sessions.has(doc)) {
      this.w.preview.show(undefined, `${path.basename(doc.uri.fsPath)} is large: run "Alma SIS: Preview Sync" to compute its preview.`);
      this.w.treeView.message = this.w.preview.message();
      return;
    }
    try {
      const s = await this.w.session(doc, 'Alma SIS: computing the sync preview', snapshotArg);
      if (!s) return;
      this.w.preview.show(s);
    } catch (e) {
      if (e instanceof vscode.CancellationError) return;
      const msg = e instanceof SessionError ? e.message : `The preview failed: ${errorText(e)}`;
      if (!(e instanceof SessionError)) this.w.output.appendLine(`Preview failed: ${errorText(e)}`);
      this.w.preview.show(undefined, msg);
      if (o.explicit) void vscode.window.showErrorMessage(msg);
    }
    this.w.treeView.message = this.w.preview.message();
    this.w.compare.refresh(doc.uri.toString());
  }

  filterOutcome = async (outcomes?: Outcome[]): Promise<PreviewModel | undefined> => {
    const chosen = outcomes ?? (await pickOutcomes(this.w.preview.current.filter.outcomes));
    if (!chosen) return this.w.preview.current.model;
    return this.applyFilter({ ...this.w.preview.current.filter, outcomes: chosen });
  };

  filterFlags = async (flags?: PreviewFlag[]): Promise<PreviewModel | undefined> => {
    const chosen = flags ?? (await pickFlags(this.w.preview.current.filter.flags));
    if (!chosen) return this.w.preview.current.model;
    return this.applyFilter({ ...this.w.preview.current.filter, flags: chosen });
  };

  search = async (text?: string): Promise<PreviewModel | undefined> => {
    const q =
      text ??
      (await vscode.window.showInputBox({
        title: 'Search the sync preview',
        prompt: 'Part of a primary id, Match ID value or name (empty: show all)',
        value: this.w.preview.current.filter.search ?? '',
      }));
    if (q === undefined) return this.w.preview.current.model;
    return this.applyFilter({ ...this.w.preview.current.filter, search: q });
  };

  clearFilters = async (): Promise<PreviewModel | undefined> => this.applyFilter({});

  private applyFilter(filter: Parameters<PreviewProvider['setFilter']>[0]): PreviewModel | undefined {
    const m = this.w.preview.setFilter(filter);
    this.w.treeView.message = this.w.preview.message();
    return m;
  }

  /** Reveals a user (or one of its fields) in the XML. */

  revealUser = async (ref?: { uri?: string; index?: number; field?: string; user?: { index: number }; kind?: string }): Promise<boolean> => {
    const index = ref?.index ?? ref?.user?.index;
    const doc = await this.w.documentFor(this.w.uriOfRef(ref));
    if (!doc || index === undefined) return false;
    const s = await this.w.sessions.compute(doc).catch(() => undefined);
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
}
