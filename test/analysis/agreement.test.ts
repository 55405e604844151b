/**
 * The hosts of the one analysis pipeline agree with each other where they used to drift:
 * - the language server and the extension choose the same snapshot in every layout (beside
 *   the document, at the workspace root, several at the root, set by the setting);
 * - `alma-sis plan`, `alma-sis validate`, the language server and the extension's preview put
 *   a user on the same line whether the file ends its lines with LF, CRLF or a lone CR, and on
 *   the line an editor shows it on.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { locateSnapshot } from '../../client/src/locate';
import { localDay } from '../../shared/src/analysis/inputs';
import { computeSync } from '../../shared/src/analysis/sync';
import { LineIndex } from '../../shared/src/text/lines';
import { ensureBuilt, run } from '../cli/helpers';
import { fileUri, startTestServer, type TestClient } from '../server/harness';

/** Validation's day, as the extension passes it: today on this machine. */
const TODAY = localDay(new Date());

let ws: string;
let client: TestClient | undefined;
beforeEach(() => {
  ws = mkdtempSync(path.join(tmpdir(), 'alma-sis-agree-'));
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  rmSync(ws, { recursive: true, force: true });
});

const SNAPSHOT = JSON.stringify({ format: 'alma-sis-snapshot', version: 1, users: [] });

/** The server's choice (`almaSis/snapshotInfo`) and the extension's own rule, for one document. */
async function bothChoose(doc: string, setting?: string): Promise<{ server: unknown; extension: unknown }> {
  client = await startTestServer({ folder: ws, config: setting ? { snapshotPath: setting } : {} });
  await client.open(fileUri(doc), '<users/>');
  const info = (await client.connection.sendRequest('almaSis/snapshotInfo', { uri: fileUri(doc) })) as { snapshotUri?: string; source?: string };
  const server = info.snapshotUri ? { path: fileURLToPath(info.snapshotUri), source: info.source } : undefined;
  const extension = await locateSnapshot(doc, [ws], setting);
  return { server, extension };
}

function write(rel: string, text = SNAPSHOT): string {
  const p = path.join(ws, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('the language server and the extension choose the same snapshot', () => {
  it('beside the document', async () => {
    write('root.alma-snapshot.json');
    const doc = write('feeds/users.xml', '<users/>');
    write('feeds/other.alma-snapshot.json');
    const { server, extension } = await bothChoose(doc);
    expect(server).toEqual({ path: path.join(ws, 'feeds/other.alma-snapshot.json'), source: 'beside-document' });
    expect(extension).toEqual(server);
  });

  it('at the workspace root', async () => {
    write('root.alma-snapshot.json');
    const doc = write('feeds/users.xml', '<users/>');
    const { server, extension } = await bothChoose(doc);
    expect(server).toEqual({ path: path.join(ws, 'root.alma-snapshot.json'), source: 'workspace-root' });
    expect(extension).toEqual(server);
  });

  it('several at the root: the one named after the document, else the first by name', async () => {
    for (const n of ['b.alma-snapshot.json', 'users.alma-snapshot.json', 'a.alma-snapshot.json']) write(n);
    const named = await bothChoose(write('feeds/users.xml', '<users/>'));
    expect(named.server).toEqual({ path: path.join(ws, 'users.alma-snapshot.json'), source: 'workspace-root' });
    expect(named.extension).toEqual(named.server);
    await client?.close();
    const other = await bothChoose(write('feeds/patrons.sis.xml', '<users/>'));
    expect(other.server).toEqual({ path: path.join(ws, 'a.alma-snapshot.json'), source: 'workspace-root' });
    expect(other.extension).toEqual(other.server);
  });

  it('set by the setting (relative to the workspace folder), even beside another one', async () => {
    write('snaps/prod.alma-snapshot.json');
    const doc = write('feeds/users.xml', '<users/>');
    write('feeds/users.alma-snapshot.json');
    const { server, extension } = await bothChoose(doc, 'snaps/prod.alma-snapshot.json');
    expect(server).toEqual({ path: path.join(ws, 'snaps/prod.alma-snapshot.json'), source: 'setting' });
    expect(extension).toEqual(server);
  });
});

describe('every host puts a user on the line an editor shows it on, for LF, CRLF and CR files', () => {
  const example = readFileSync(path.join(__dirname, '../../example/users.xml'), 'utf8').replace(/\r\n?/g, '\n');
  const snapshot = readFileSync(path.join(__dirname, '../../example/users.alma-snapshot.json'), 'utf8');

  for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
    it(name, async () => {
      ensureBuilt();
      const text = example.replace(/\n/g, eol);
      const file = write(`users-${name}.xml`, text);
      const snap = write(`users-${name}.alma-snapshot.json`, snapshot);
      // What an editor shows: the line of each <user> start tag, as VS Code's TextDocument counts.
      const editor = TextDocument.create(fileUri(file), 'alma-sis', 1, text);
      const userLines = [...text.matchAll(/<user>/g)].map((m) => editor.positionAt(m.index!).line);
      expect(new Set(userLines).size).toBe(userLines.length);
      expect(userLines.map((l) => new LineIndex(text).lineStart(l))).toEqual(userLines.map((l) => editor.offsetAt({ line: l, character: 0 })));

      const plan = JSON.parse(run(['plan', file, '--snapshot', snap, '--format', 'json']).stdout) as { users: { line: number }[] };
      expect(plan.users.map((u) => u.line - 1)).toEqual(userLines);
      const preview = computeSync({ today: TODAY, text, snapshotText: snapshot, settingsLayer: {} });
      expect(preview.plan.users.map((u) => u.line - 1)).toEqual(userLines);

      // The example repeats a user: validate and the server put the duplicate on the same line.
      const validated = JSON.parse(run(['validate', file, '--format', 'json']).stdout) as { files: { diagnostics: { code: string; range: { start: { line: number } } }[] }[] };
      const cli = validated.files[0].diagnostics.filter((d) => d.code === 'duplicate-user').map((d) => d.range.start.line);
      expect(cli.length).toBeGreaterThan(0);
      client = await startTestServer({ folder: ws });
      await client.open(fileUri(file), text);
      const server = (await client.diagnosticsFor(fileUri(file))).filter((d) => d.code === 'duplicate-user').map((d) => d.range.start.line);
      expect(server).toEqual(cli);
      const duplicateAt = text.lastIndexOf('<primary_id>gnguyen</primary_id>');
      expect(cli).toEqual([editor.positionAt(duplicateAt).line]);
    });
  }
});
