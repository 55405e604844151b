/**
 * A full editor-like session with the built language server on a copy of the example workspace:
 * open every SIS file, ask every feature at every element, edit (type a value, break a tag,
 * undo), change the snapshot on disk, close. Used by the personal-data and the no-network
 * tests, which then look at everything the server wrote besides its answers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../../shared/src/text/lines';
import { pathToUri, startServer, withDeadline, type ServerProcess } from '../../tools/fuzz/lspClient';

export const REPO = path.resolve(__dirname, '../..');
export const SERVER = path.join(REPO, 'dist', 'server.js');
export const CLI = path.join(REPO, 'dist', 'cli.js');
export const EXAMPLE = path.join(REPO, 'example');

const ASK = 60_000;

export interface Session {
  readonly server: ServerProcess;
  /** Requests that got a non-empty answer, by method. */
  readonly answered: Map<string, number>;
}

export async function exampleSession(workspace: string, options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Session> {
  const server = await startServer({ serverPath: SERVER, rootPath: workspace, nodeArgs: options.nodeArgs, env: options.env, configuration: {} });
  const answered = new Map<string, number>();
  const ask = async (method: string, params: unknown) => {
    const r = await withDeadline(server.connection.sendRequest(method, params), ASK).catch(() => undefined);
    if (r !== undefined && r !== null && !(Array.isArray(r) && r.length === 0)) answered.set(method, (answered.get(method) ?? 0) + 1);
    return r;
  };
  const xmlFiles = fs.readdirSync(workspace).filter((n) => n.endsWith('.xml'));
  for (const name of xmlFiles) {
    const uri = pathToUri(path.join(workspace, name));
    let text = fs.readFileSync(path.join(workspace, name), 'utf8');
    let version = 1;
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version, text } });
    const doc = { textDocument: { uri } };
    const lines = new LineIndex(text);
    await ask('textDocument/documentSymbol', doc);
    await ask('textDocument/foldingRange', doc);
    const lenses = (await ask('textDocument/codeLens', doc)) as unknown[] | undefined;
    for (const l of (lenses ?? []).slice(0, 50)) await ask('codeLens/resolve', l);
    await ask('textDocument/inlayHint', { ...doc, range: { start: { line: 0, character: 0 }, end: lines.positionAt(text.length) } });
    // Every element name and every value: hover, completion, definition, code actions.
    for (let at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) {
      for (const off of [at + 2, text.indexOf('>', at) + 1]) {
        const position = lines.positionAt(Math.min(off, text.length));
        await ask('textDocument/hover', { ...doc, position });
        if (off % 3 === 0) await ask('textDocument/completion', { ...doc, position });
        if (off % 5 === 0) await ask('textDocument/definition', { ...doc, position });
      }
    }
    const diagnostics = await waitForDiagnostics(server, uri);
    for (const d of diagnostics.slice(0, 40)) {
      const r = (d as { range: unknown }).range;
      await ask('textDocument/codeAction', { ...doc, range: r, context: { diagnostics: [d] } });
    }
    // Typing: a value changed, a tag broken and mended, then a user pasted twice.
    const edits: [number, number, string][] = [];
    const v = text.indexOf('</last_name>');
    if (v > 0) edits.push([v, v, 'x'], [v, v + 1, '']);
    const t = text.indexOf('<first_name>');
    if (t > 0) edits.push([t + 1, t + 2, ''], [t + 1, t + 1, 'f']);
    const u = text.indexOf('<user>');
    const ue = text.indexOf('</user>', u);
    if (u > 0 && ue > 0) edits.push([ue + 7, ue + 7, text.slice(u, ue + 7)]);
    server.diagnostics.delete(uri);
    for (const [s, e, insert] of edits) {
      const li = new LineIndex(text);
      const range = { start: li.positionAt(s), end: li.positionAt(e) };
      text = text.slice(0, s) + insert + text.slice(e);
      await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range, text: insert }] });
      await ask('textDocument/hover', { ...doc, position: new LineIndex(text).positionAt(s) });
      await ask('textDocument/codeLens', doc);
    }
    await waitForDiagnostics(server, uri);
  }
  // The snapshot changes on disk (as after Run Sync): the server re-reads it.
  const snap = fs.readdirSync(workspace).find((n) => n.endsWith('.alma-snapshot.json'));
  if (snap) {
    const p = path.join(workspace, snap);
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8') + '\n');
    await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToUri(p), type: 2 }] });
    await new Promise((r) => setTimeout(r, 1500));
  }
  for (const name of xmlFiles) await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri: pathToUri(path.join(workspace, name)) } });
  return { server, answered };
}

/** The diagnostics published for `uri` once validation (debounced) has run. */
async function waitForDiagnostics(server: ServerProcess, uri: string): Promise<unknown[]> {
  for (let k = 0; k < 100 && !server.diagnostics.has(uri); k++) await new Promise((r) => setTimeout(r, 100));
  return server.diagnostics.get(uri) ?? [];
}
