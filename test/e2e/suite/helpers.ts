/**
 * Helpers for the in-editor tests: open files of the example workspace and wait for what the
 * language server publishes. Nothing here sleeps a fixed time: every wait is on an event or a
 * poll with a deadline, and a timeout says what it was waiting for and what it saw last.
 */
import * as vscode from 'vscode';

export const EXTENSION_ID = 'alma-sis-sync.alma-sis-sync';
export const LANGUAGE_ID = 'alma-sis';

/** The example workspace (a temporary copy: tests may edit it). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the launcher must open the example workspace');
  return folder.uri;
}

export function exampleUri(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...name.split('/'));
}

export async function openExample(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(exampleUri(name));
  return vscode.window.showTextDocument(doc, { preview: false });
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  await ext.activate();
  return ext;
}

/**
 * Polls `probe` until it returns something other than `undefined`, or fails after `ms` with the
 * description and the last value `describe` gives.
 */
export async function poll<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000, describeLast?: () => string): Promise<T> {
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > end) {
      const last = describeLast ? `; last seen: ${describeLast()}` : '';
      const err = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last}${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the diagnostics of `uri` satisfy `ok` (event-driven, with a deadline). */
export function waitForDiagnostics(uri: vscode.Uri, ok: (d: readonly vscode.Diagnostic[]) => boolean, ms = 30_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const diags = vscode.languages.getDiagnostics(uri);
      if (ok(diags)) {
        done();
        resolve(diags);
        return true;
      }
      return false;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      done();
      const seen = vscode.languages.getDiagnostics(uri).map(describeDiagnostic);
      reject(new Error(`timed out after ${ms / 1000} s waiting for diagnostics on ${uri.path}; saw: ${JSON.stringify(seen)}`));
    }, ms);
    const done = (): void => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

export function describeDiagnostic(d: vscode.Diagnostic): string {
  const r = d.range;
  return `${codeOf(d)}@${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** Hover text (all contents joined) at a position, via the same command the editor uses. */
export async function hoverText(uri: vscode.Uri, pos: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/** Code lenses with their commands resolved (the second argument asks the provider to resolve). */
export async function codeLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

/** Offset of the `n`-th (0-based) occurrence of `needle` in the document, as a position. */
export function positionOf(doc: vscode.TextDocument, needle: string, n = 0, delta = 0): vscode.Position {
  const text = doc.getText();
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" occurs fewer than ${n + 1} times in ${doc.uri.path}`);
  }
  return doc.positionAt(at + delta);
}

/** The range of the `n`-th (0-based) occurrence of `needle`, optionally of a part of it. */
export function rangeOf(doc: vscode.TextDocument, needle: string, n = 0, part?: string): vscode.Range {
  const at = doc.offsetAt(positionOf(doc, needle, n));
  const from = part === undefined ? 0 : needle.indexOf(part);
  if (from < 0) throw new Error(`"${part}" is not part of "${needle}"`);
  const len = part === undefined ? needle.length : part.length;
  return new vscode.Range(doc.positionAt(at + from), doc.positionAt(at + from + len));
}

/** The range of the `n`-th `<user>…</user>` element (the `<user>` start tag to its end tag). */
export function userRange(doc: vscode.TextDocument, n: number): vscode.Range {
  const start = positionOf(doc, '<user>', n);
  const end = doc.positionAt(doc.offsetAt(positionOf(doc, '</user>', n)) + '</user>'.length);
  return new vscode.Range(start, end);
}

export function showRange(r: vscode.Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** The extension's API for tests (what `activate` returns). */
export interface AlmaSisApi {
  readonly serverReady: Promise<void>;
  previewModel(): unknown;
  statusText(): string | undefined;
}

/**
 * Activates the extension, waits for the language server, opens `name` and waits until the
 * server has published its first diagnostics for it (so later requests meet a ready server).
 */
export async function ready(name: string): Promise<{ editor: vscode.TextEditor; doc: vscode.TextDocument; api: AlmaSisApi }> {
  const editor = await openExample(name);
  const ext = await activateExtension();
  const api = ext.exports as AlmaSisApi;
  if (api?.serverReady) await api.serverReady;
  await waitForDiagnostics(editor.document.uri, (d) => d.length > 0);
  return { editor, doc: editor.document, api };
}
