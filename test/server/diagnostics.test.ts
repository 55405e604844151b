import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { groupDocumentProblems } from '../../shared/src/analysis';
import { readSisDocument } from '../../shared/src/sis/read';
import { validateDocument } from '../../shared/src/validate';
import { LineIndex } from '../../shared/src/text/lines';
import { settingsFrom } from '../../shared/src/settings';
import type { Runtime } from '../../server/src/lsp/runtime';
import { nodeRuntime } from '../../server/src/lsp/nodeRuntime';
import { fileUri, startTestServer, type TestClient } from './harness';

const ws = join(__dirname, '../fixtures/server/workspace');
const usersXml = readFileSync(join(ws, 'users.xml'), 'utf8');
const SNAPSHOT_ONLY = new Set(['identifier-taken', 'user-not-external', 'reverts-override']);

let client: TestClient | undefined;
let tmp: string | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function copyWorkspace(): string {
  tmp = mkdtempSync(join(tmpdir(), 'alma-lsp-'));
  cpSync(ws, tmp, { recursive: true });
  return tmp;
}

const key = (d: { code?: unknown; range: Diagnostic['range'] }) =>
  `${String(d.code)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;

/** What `alma-sis validate --format json` reports: the core's problems at LSP positions. */
function cliDiagnostics(text: string, raw: unknown = {}): string[] {
  const { settings } = settingsFrom(raw);
  const lines = new LineIndex(text);
  const doc = readSisDocument(text);
  // Grouped as the command line reports them (a harmless finding repeated across users once).
  const problems = groupDocumentProblems(validateDocument(doc, { settings, today: new Date().toISOString().slice(0, 10) }), doc.users);
  return [...new Set(problems.map((p) => key({ code: p.code, range: { start: lines.positionAt(p.start), end: lines.positionAt(p.end) } })))].sort();
}

function brokenText(): string {
  return usersXml
    .replace('<email preferred="true">', '<email preferred="TRUE">')
    .replace('<expiry_date>2031-06-30</expiry_date>', '<expiry_date>2031-6-30</expiry_date>')
    .replace('<last_name>Newman</last_name>', '<last_name>Newman</last_name>\n    <campus_code></campus_code>');
}

describe('diagnostics', () => {
  it('are the core\'s (same codes and ranges as the command line) plus what only the snapshot tells', async () => {
    client = await startTestServer({ folder: ws });
    const uri = fileUri(join(ws, 'users.xml'));
    const text = brokenText();
    await client.open(uri, text);
    const diags = await client.diagnosticsFor(uri, 1);
    const core = diags.filter((d) => !SNAPSHOT_ONLY.has(String(d.code)));
    expect([...new Set(core.map(key))].sort()).toEqual(cliDiagnostics(text));
    expect(core.map((d) => d.code)).toEqual(expect.arrayContaining(['invalid-boolean', 'invalid-date']));

    const revert = diags.find((d) => d.code === 'reverts-override');
    expect(revert?.severity).toBe(DiagnosticSeverity.Information);
    expect(text.split('\n')[revert!.range.start.line]).toContain('<user_group>UG</user_group>');
    const internal = diags.find((d) => d.code === 'user-not-external');
    expect(internal?.severity).toBe(DiagnosticSeverity.Error);
    expect(text.split('\n')[internal!.range.start.line]).toContain('<primary_id>intern</primary_id>');
  });

  it('report an identifier another Alma user holds', async () => {
    client = await startTestServer({ folder: ws });
    const uri = fileUri(join(ws, 'taken.xml'));
    const text = usersXml.replace('<primary_id>newbie</primary_id>', '<primary_id>newbie</primary_id>\n    <user_identifiers><user_identifier><id_type>BARCODE</id_type><value>b1001</value></user_identifier></user_identifiers>');
    await client.open(uri, text);
    const taken = (await client.diagnosticsFor(uri, 1)).filter((d) => d.code === 'identifier-taken');
    expect(taken).toHaveLength(1);
    expect(text.split('\n')[taken[0].range.start.line].slice(taken[0].range.start.character, taken[0].range.end.character)).toBe('b1001');
  });

  it('take the severity of reverts-override from the settings', async () => {
    client = await startTestServer({ folder: ws, config: { revertSeverity: 'warning' } });
    const uri = fileUri(join(ws, 'users.xml'));
    await client.open(uri, usersXml);
    expect((await client.diagnosticsFor(uri, 1)).find((d) => d.code === 'reverts-override')?.severity).toBe(DiagnosticSeverity.Warning);
    client.config = { revertSeverity: 'hint' };
    const next = client.nextDiagnostics(uri);
    await client.configChanged();
    expect((await next).find((d) => d.code === 'reverts-override')?.severity).toBe(DiagnosticSeverity.Hint);
  });

  it('take settings pushed with didChangeConfiguration from clients that cannot be asked', async () => {
    client = await startTestServer({ folder: ws, pull: false });
    const uri = fileUri(join(ws, 'users.xml'));
    await client.open(uri, usersXml);
    expect((await client.diagnosticsFor(uri, 1)).find((d) => d.code === 'reverts-override')?.severity).toBe(DiagnosticSeverity.Information);
    client.config = { revertSeverity: 'error' };
    const next = client.nextDiagnostics(uri);
    await client.configChanged();
    expect((await next).find((d) => d.code === 'reverts-override')?.severity).toBe(DiagnosticSeverity.Error);
  });

  it('follow an edit inside one user, for the new version', async () => {
    client = await startTestServer({ folder: ws });
    const uri = fileUri(join(ws, 'users.xml'));
    await client.open(uri, usersXml);
    const before = await client.diagnosticsFor(uri, 1);
    expect(before.some((d) => d.code === 'invalid-date')).toBe(false);
    const at = usersXml.indexOf('2031-06-30');
    await client.edit(uri, at + 5, at + 7, '6');
    const after = await client.diagnosticsFor(uri, 2);
    expect(client.diagnostics.get(uri)?.version).toBe(2);
    expect(after.map((d) => d.code)).toContain('invalid-date');
    const text = client.text(uri);
    expect([...new Set(after.filter((d) => !SNAPSHOT_ONLY.has(String(d.code))).map(key))].sort()).toEqual(cliDiagnostics(text));
    // Edits after the first user shift the later diagnostics with them.
    expect(after.find((d) => d.code === 'user-not-external')!.range.start.line).toBe(before.find((d) => d.code === 'user-not-external')!.range.start.line);
  });

  it('across users stay right after edits that keep or change identifiers', async () => {
    client = await startTestServer({ folder: ws });
    const uri = fileUri(join(ws, 'dups.xml'));
    // newbie carries jdoe's barcode: a duplicate identifier on the later user.
    let text = usersXml.replace('<primary_id>newbie</primary_id>', '<primary_id>newbie</primary_id>\n    <user_identifiers><user_identifier><id_type>BARCODE</id_type><value>B1001</value></user_identifier></user_identifiers>');
    await client.open(uri, text);
    let version = 1;
    const check = async () => {
      const diags = await client!.diagnosticsFor(uri, version);
      const core = diags.filter((d) => !SNAPSHOT_ONLY.has(String(d.code)));
      expect([...new Set(core.map(key))].sort()).toEqual(cliDiagnostics(client!.text(uri)));
      return diags;
    };
    expect((await check()).map((d) => d.code)).toContain('duplicate-identifier');
    // Typing inside the duplicate user, before its identifier: the range must follow.
    const at = text.indexOf('<primary_id>newbie</primary_id>') + 'primary_id>'.length + 1;
    for (const [s, e, t] of [[at, at, 'x'], [at, at + 1, ''], [text.indexOf('Newman'), text.indexOf('Newman'), 'Mc']] as const) {
      await client.edit(uri, s, e, t);
      version++;
      text = client.text(uri);
      expect((await check()).map((d) => d.code)).toContain('duplicate-identifier');
    }
    // Changing the identifier value removes the duplicate.
    const v = text.indexOf('<value>B1001</value>', text.indexOf('newbie')) + '<value>'.length;
    await client.edit(uri, v, v + 5, 'B2002');
    version++;
    expect((await check()).map((d) => d.code)).not.toContain('duplicate-identifier');
    // And typing it back brings it back.
    await client.edit(uri, v, v + 5, 'b1001');
    version++;
    expect((await check()).map((d) => d.code)).toContain('duplicate-identifier');
  });

  it('of a large file come first without waiting for its snapshot, then complete, for the same version', async () => {
    const dir = copyWorkspace();
    client = await startTestServer({ folder: dir, tuning: { earlyDiagnosticsMinUsers: 1 } });
    const uri = fileUri(join(dir, 'users.xml'));
    const text = brokenText();
    await client.open(uri, text);
    const first = await client.diagnosticsFor(uri, 1);
    const second = await client.nextDiagnostics(uri);
    expect(client.published.filter((p) => p.uri === uri).map((p) => p.version)).toEqual([1, 1]);
    // The first: everything the core says (as the CLI), nothing from the snapshot yet.
    expect(first.some((d) => SNAPSHOT_ONLY.has(String(d.code)))).toBe(false);
    expect([...new Set(first.map(key))].sort()).toEqual(cliDiagnostics(text));
    // The second: the same plus the snapshot's.
    expect(second.filter((d) => !SNAPSHOT_ONLY.has(String(d.code))).map(key).sort()).toEqual(first.map(key).sort());
    expect(second.map((d) => d.code)).toEqual(expect.arrayContaining(['reverts-override', 'user-not-external']));
    // Later edits never go back to diagnostics without the snapshot.
    const at = text.indexOf('Doe-Smith');
    await client.edit(uri, at, at, 'x');
    expect((await client.diagnosticsFor(uri, 2)).map((d) => d.code)).toContain('reverts-override');
  });

  it('are never published for a version that is already stale', async () => {
    client = await startTestServer({ folder: ws });
    const uri = fileUri(join(ws, 'users.xml'));
    await client.open(uri, usersXml);
    await client.diagnosticsFor(uri, 1);
    const at = usersXml.indexOf('Doe-Smith');
    // Five edits sent back to back: only the last version may be published.
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) sends.push(client.edit(uri, at + i, at + i, 'x'));
    await Promise.all(sends);
    await client.diagnosticsFor(uri, 6);
    const versions = client.published.filter((p) => p.uri === uri).map((p) => p.version);
    expect(versions).toEqual([1, 6]);
  });

  it('change when the snapshot changes on disk', async () => {
    const dir = copyWorkspace();
    client = await startTestServer({ folder: dir });
    const uri = fileUri(join(dir, 'users.xml'));
    await client.open(uri, usersXml);
    expect((await client.diagnosticsFor(uri, 1)).map((d) => d.code)).toContain('reverts-override');
    const snapPath = join(dir, 'users.alma-snapshot.json');
    const next = client.nextDiagnostics(uri);
    // Staff restored the value: no protection any more, so nothing is reverted.
    writeFileSync(snapPath, readFileSync(snapPath, 'utf8').replace(/"sync": \{ "protected": \{ "user_group": \{ "lastSisValue": "UG" \} \} \}/g, '"sync": {}'));
    expect((await next).map((d) => d.code)).not.toContain('reverts-override');
  });

  it('pick up a snapshot that appears beside the document', async () => {
    const dir = copyWorkspace();
    const snapPath = join(dir, 'users.alma-snapshot.json');
    const snapText = readFileSync(snapPath, 'utf8');
    rmSync(snapPath);
    client = await startTestServer({ folder: dir });
    const uri = fileUri(join(dir, 'users.xml'));
    await client.open(uri, usersXml);
    expect((await client.diagnosticsFor(uri, 1)).map((d) => d.code)).not.toContain('user-not-external');
    const next = client.nextDiagnostics(uri);
    writeFileSync(snapPath, snapText);
    expect((await next).map((d) => d.code)).toContain('user-not-external');
  });

  it('follow the code tables when they change on disk', async () => {
    const dir = copyWorkspace();
    client = await startTestServer({ folder: dir, config: { codeTablesPath: 'code-tables.json' } });
    const uri = fileUri(join(dir, 'users.xml'));
    await client.open(uri, usersXml);
    expect((await client.diagnosticsFor(uri, 1)).map((d) => d.code)).not.toContain('unknown-code');
    const tables = join(dir, 'code-tables.json');
    const next = client.nextDiagnostics(uri);
    // GRAD is no longer a user group: jdoe's group becomes an unknown code.
    writeFileSync(tables, readFileSync(tables, 'utf8').replace('{ "code": "GRAD", "label": "Graduate" },', ''));
    const after = await next;
    const unknown = after.filter((d) => d.code === 'unknown-code');
    expect(unknown.map((d) => usersXml.split('\n')[d.range.start.line].trim())).toEqual(['<user_group desc="Graduate">GRAD</user_group>']);
  });

  it('change when the client reports a changed snapshot (workspace/didChangeWatchedFiles)', async () => {
    const dir = copyWorkspace();
    // A runtime whose directory watching never fires: only the client's notification tells.
    const quiet: Runtime = { ...nodeRuntime(), watchDir: () => ({ dispose: () => undefined }) };
    client = await startTestServer({ folder: dir, runtime: quiet });
    const uri = fileUri(join(dir, 'users.xml'));
    await client.open(uri, usersXml);
    expect((await client.diagnosticsFor(uri, 1)).map((d) => d.code)).toContain('user-not-external');
    const snapPath = join(dir, 'users.alma-snapshot.json');
    writeFileSync(snapPath, readFileSync(snapPath, 'utf8').replace('"INTERNAL"', '"EXTERNAL"'));
    const next = client.nextDiagnostics(uri);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(snapPath), type: 2 }] });
    expect((await next).map((d) => d.code)).not.toContain('user-not-external');
  });

  it('use the snapshot named by snapshotPath (settings or initializationOptions)', async () => {
    const dir = copyWorkspace();
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ format: 'alma-sis-snapshot', version: 1, users: [] }));
    client = await startTestServer({ folder: dir, initializationOptions: { snapshotPath: 'empty.json' } });
    const uri = fileUri(join(dir, 'users.xml'));
    await client.open(uri, usersXml);
    // Against an empty snapshot every user is new: nothing reverts, nobody is internal.
    const codes = (await client.diagnosticsFor(uri, 1)).map((d) => d.code);
    expect(codes).not.toContain('user-not-external');
    const info = (await client.connection.sendRequest('almaSis/snapshotInfo', { uri })) as { snapshotUri?: string; users?: number; source?: string };
    expect(info).toMatchObject({ snapshotUri: fileUri(join(dir, 'empty.json')), users: 0, source: 'setting' });

    client.config = { snapshotPath: 'users.alma-snapshot.json' };
    const next = client.nextDiagnostics(uri);
    await client.configChanged();
    expect((await next).map((d) => d.code)).toContain('user-not-external');
  });

  it('say when the snapshot cannot be used, without failing', async () => {
    const dir = copyWorkspace();
    writeFileSync(join(dir, 'users.alma-snapshot.json'), '{ "format": "alma-sis-snapshot", "users": [ ');
    client = await startTestServer({ folder: dir });
    const uri = fileUri(join(dir, 'users.xml'));
    await client.open(uri, usersXml);
    const codes = (await client.diagnosticsFor(uri, 1)).map((d) => d.code);
    expect(codes).not.toContain('user-not-external');
    const info = (await client.connection.sendRequest('almaSis/snapshotInfo', { uri })) as { error?: string; source?: string };
    expect(info.source).toBe('beside-document');
    expect(info.error).toBeTruthy();
  });
});
