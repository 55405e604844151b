/**
 * The bundled server (`dist/server.js`) as a separate process over stdio, as an editor starts
 * it: initialize, open a document, get diagnostics, hover, code lenses, shut down and exit.
 * The same session runs every feature over the bundled example files, and checks that nothing
 * the server wrote to stderr or logged holds a value from those files (names, identifiers).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { fileUri, positionAt } from './harness';

const root = join(__dirname, '../..');
const bundle = join(root, 'dist/server.js');
const example = join(root, 'example');
const exampleXml = join(example, 'users.xml');
const hasExample = existsSync(exampleXml) && existsSync(join(example, 'users.alma-snapshot.json'));

/** Every value in the example files that could identify a person: element texts, attribute values, JSON strings. */
function personalValues(): string[] {
  const xml = readFileSync(exampleXml, 'utf8');
  const values = new Set<string>();
  for (const m of xml.matchAll(/>([^<>]+)</g)) values.add(m[1].trim());
  const walk = (v: unknown) => {
    if (typeof v === 'string') values.add(v.trim());
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(readFileSync(join(example, 'users.alma-snapshot.json'), 'utf8')).users);
  // Short codes (`en`, `UG`) and booleans are not personal and would match anywhere.
  return [...values].filter((v) => v.length >= 4 && !/^(true|false|ACTIVE|INACTIVE|EXTERNAL|INTERNAL|External|Internal)$/.test(v));
}

describe.skipIf(!hasExample)('bundled server over stdio', () => {
  let child: ChildProcess;
  let connection: ProtocolConnection;
  let stderr = '';
  const logs: string[] = [];
  const published = new Map<string, Diagnostic[]>();
  const waiting = new Map<string, (d: Diagnostic[]) => void>();
  const uri = fileUri(exampleXml);
  const text = hasExample ? readFileSync(exampleXml, 'utf8') : '';

  beforeAll(async () => {
    if (!existsSync(bundle)) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root });
    child = spawn(process.execPath, [bundle, '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
    connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      published.set(p.uri, p.diagnostics);
      waiting.get(p.uri)?.(p.diagnostics);
    });
    // A bad setting value: the server logs that it ignored it (a log line to check).
    connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({ mode: 'bogus', revertSeverity: 'loud' })));
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    const init = (await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(example),
      workspaceFolders: [{ uri: fileUri(example), name: 'example' }],
      capabilities: { workspace: { configuration: true } },
    })) as { capabilities: Record<string, unknown> };
    expect(init.capabilities).toMatchObject({ hoverProvider: true, codeLensProvider: { resolveProvider: true }, inlayHintProvider: expect.anything() });
    await connection.sendNotification('initialized', {});
  });

  afterAll(() => {
    connection?.dispose();
    if (child && child.exitCode === null) child.kill();
  });

  it('answers an editor session and exits cleanly', async () => {
    const diagnostics = new Promise<Diagnostic[]>((resolve) => waiting.set(uri, resolve));
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version: 1, text } });
    const diags = await diagnostics;
    expect(Array.isArray(diags)).toBe(true);

    const at = positionAt(text, text.indexOf('<user_group') + 3);
    const hover = (await connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: at })) as Hover;
    expect(JSON.stringify(hover.contents)).toContain('user_group');

    // Every other feature, everywhere in the file (for the log check below).
    const lenses = (await connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    expect(lenses.length).toBeGreaterThan(0);
    for (const l of lenses) await connection.sendRequest('codeLens/resolve', l);
    const end = positionAt(text, text.length);
    await connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end } });
    await connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
    await connection.sendRequest('textDocument/foldingRange', { textDocument: { uri } });
    for (let line = 0; line < end.line; line += 3) {
      const position = { line, character: 8 };
      await connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
      await connection.sendRequest('textDocument/definition', { textDocument: { uri }, position });
      await connection.sendRequest('textDocument/completion', { textDocument: { uri }, position });
    }
    for (const d of diags) {
      await connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    }
    // A request on a document that is not open.
    await connection.sendRequest('textDocument/hover', { textDocument: { uri: fileUri(join(example, 'nope.xml')) }, position: { line: 0, character: 0 } });

    await connection.sendRequest('shutdown');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await connection.sendNotification('exit');
    expect(await exited).toBe(0);
  });

  it('logged nothing personal from the example files', () => {
    expect(logs.some((l) => l.includes('ignored'))).toBe(true);
    const output = `${stderr}\n${logs.join('\n')}`;
    const values = personalValues();
    expect(values.length).toBeGreaterThan(20);
    for (const v of values) expect(output.includes(v), `log output contains a value from the example files`).toBe(false);
  });
});
