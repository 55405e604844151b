/**
 * "Alma SIS: Compare User with Snapshot": VS Code's diff editor between the user as the
 * snapshot holds it and as the sync would leave it (the engine's apply of that user's plan),
 * both as the snapshot's entry (the Users API JSON user and its `sync.protected` state). The two sides are virtual documents of the `alma-sis-compare`
 * scheme, recomputed when the SIS file or the snapshot changes.
 */
import * as vscode from 'vscode';

export const COMPARE_SCHEME = 'alma-sis-compare';

export type Side = 'snapshot' | 'after';

export interface CompareTarget {
  readonly doc: string;
  readonly index: number;
  readonly side: Side;
}

/** `alma-sis-compare:/after/3/jdoe.json?<document uri>`: the name makes the tab readable. */
export function compareUri(t: CompareTarget, id: string): vscode.Uri {
  const safe = id.replace(/[^\w.@-]+/g, '_').slice(0, 60) || `user-${t.index + 1}`;
  return vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${t.side}/${t.index}/${safe}.json`, query: t.doc });
}

export function parseCompareUri(uri: vscode.Uri): CompareTarget | undefined {
  const m = /^\/(snapshot|after)\/(\d+)\//.exec(uri.path);
  if (!m || !uri.query) return undefined;
  return { side: m[1] as Side, index: Number(m[2]), doc: uri.query };
}

/** What one side shows: the user's JSON, or a short JSON note when there is no such user. */
export function sideText(user: Readonly<Record<string, unknown>> | undefined, note: string): string {
  if (user) return JSON.stringify(user, null, 2) + '\n';
  return JSON.stringify({ note }, null, 2) + '\n';
}

export class CompareProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();

  constructor(private readonly content: (t: CompareTarget) => Promise<string>) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const t = parseCompareUri(uri);
    if (!t) return sideText(undefined, 'Not an Alma SIS compare address.');
    this.open.add(uri.toString());
    return this.content(t);
  }

  /** The file or the snapshot changed: refresh the sides that belong to that document. */
  refresh(docUri?: string): void {
    for (const u of this.open) {
      const uri = vscode.Uri.parse(u);
      if (!docUri || uri.query === docUri) this.changed.fire(uri);
    }
  }

  forget(uri: vscode.Uri): void {
    this.open.delete(uri.toString());
  }

  /** True when a compare of this SIS document is open. */
  shows(docUri: string): boolean {
    for (const u of this.open) if (vscode.Uri.parse(u).query === docUri) return true;
    return false;
  }
}
