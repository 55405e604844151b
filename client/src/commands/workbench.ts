/**
 * What every command of the extension works with: the open SIS document a command is about,
 * its sync session (computed in the worker, with a progress note for large files), and the
 * views (the preview, its tree, the compare documents, the output channel).
 */
import * as vscode from 'vscode';
import { LANGUAGE_ID } from '../languageClient';
import type { PreviewProvider } from '../previewView';
import type { CompareProvider } from '../compare';
import type { Sessions, SyncSession } from '../session';

/** A document given as a URI, a URI string, or `{ uri }` (tree nodes, code lens arguments). */
export type DocArg = vscode.Uri | string | { uri?: string | vscode.Uri } | undefined;

export function uriOf(arg: DocArg): vscode.Uri | undefined {
  if (!arg) return undefined;
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return arg.includes(':') && !/^[A-Za-z]:[\\/]/.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  if (typeof arg === 'object' && arg.uri) return uriOf(arg.uri);
  return undefined;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Files above this size get a cancellable notification while they are computed. */
const BIG_TEXT = 1_000_000;
/** Above this size the first computation takes many seconds of CPU: only on request, never automatically. */
export const HUGE_TEXT = 10_000_000;

export class Workbench {
  constructor(
    readonly sessions: Sessions,
    readonly preview: PreviewProvider,
    readonly treeView: vscode.TreeView<unknown>,
    readonly compare: CompareProvider,
    readonly output: vscode.OutputChannel,
  ) {}

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

  /** `session`, with a failure shown as an error message (then, as for a cancel: undefined). */
  async sessionOrShowError(doc: vscode.TextDocument, title: string): Promise<SyncSession | undefined> {
    try {
      return await this.session(doc, title);
    } catch (e) {
      void vscode.window.showErrorMessage(errorText(e));
      return undefined;
    }
  }

  noDocument(): void {
    void vscode.window.showInformationMessage('Open an Alma SIS user file (root <users> or <userRecords>) first.');
  }

  /** A preview tree node (from a view's context menu) belongs to the previewed document. */
  uriOfRef(ref: { uri?: string; kind?: unknown } | undefined): string | undefined {
    if (ref?.uri) return ref.uri;
    return ref && 'kind' in ref ? this.preview.current.session?.uri.toString() : undefined;
  }
}
