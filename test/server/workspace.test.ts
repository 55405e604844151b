/**
 * The workspace beyond the open documents: closed SIS files checked from disk (the Problems
 * panel), and the files of a folder's `almaSis.feed` glob read as one feed, so that a barcode
 * repeated across two files is reported in both, each pointing at the other.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { nodeRuntime } from '../../server/src/lsp/nodeRuntime';
import type { Runtime } from '../../server/src/lsp/runtime';
import { fileUri, startTestServer, type TestClient } from './harness';
import { feedDoc, feedUser } from '../feedFixtures';

const USER = feedUser;
const DOC = feedDoc;
const STUDENTS = DOC(USER('amy', 'B-1'), USER('ben', 'B-77'));
const STAFF = DOC(USER('carl', 'B-77'), USER('dora', 'B-3'));
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length - 1;

let client: TestClient | undefined;
let ws: string | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  if (ws) rmSync(ws, { recursive: true, force: true });
  ws = undefined;
});

function workspace(files: Record<string, string>): string {
  ws = mkdtempSync(join(tmpdir(), 'alma-lsp-ws-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(ws, name, '..'), { recursive: true });
    writeFileSync(join(ws, name), text);
  }
  return ws;
}

const until = async <T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const published = (uri: string, ok: (d: Diagnostic[]) => boolean) => () => {
  const d = client!.diagnostics.get(uri)?.diagnostics;
  return d && ok(d) ? d : undefined;
};

describe('workspace diagnostics', () => {
  it('checks every SIS file of the folder without opening it, leaves other XML and excluded folders alone', async () => {
    const folder = workspace({
      'a/broken.xml': STUDENTS.replace('<first_name>Jane</first_name>', '<first_name>Jane</first_name><birth_date>1990-13-01</birth_date>'),
      'b/ok.sis.xml': STAFF,
      'pom.xml': '<project><users/></project>',
      'node_modules/dep/users.xml': STUDENTS.replace('<first_name>Jane</first_name>', '<birth_date>bad</birth_date>'),
    });
    client = await startTestServer({ folder, config: {} });
    const broken = await until('the closed broken.xml', published(fileUri(join(folder, 'a/broken.xml')), (d) => d.length > 0));
    expect(broken.map((d) => d.code)).toContain('invalid-date');
    await until('ok.sis.xml', published(fileUri(join(folder, 'b/ok.sis.xml')), () => true));
    // Each file alone by default: no duplicate across them.
    expect(client.diagnostics.get(fileUri(join(folder, 'b/ok.sis.xml')))?.diagnostics.filter((d) => d.code === 'duplicate-identifier')).toEqual([]);
    expect(client.diagnostics.has(fileUri(join(folder, 'pom.xml')))).toBe(false);
    expect(client.diagnostics.has(fileUri(join(folder, 'node_modules/dep/users.xml')))).toBe(false);
    // Nothing of the files' content in the log.
    expect(client.logs.join('\n')).not.toMatch(/amy|B-77|broken/);
  });

  it('is off with almaSis.workspaceDiagnostics false', async () => {
    const folder = workspace({ 'broken.xml': STUDENTS.replace('<first_name>Jane</first_name>', '<birth_date>bad</birth_date>') });
    client = await startTestServer({ folder, config: { workspaceDiagnostics: false }, workspace: { startDelayMs: 0 } });
    const uri = fileUri(join(folder, 'other.xml'));
    await client.open(uri, STAFF);
    await client.diagnosticsFor(uri, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(client.diagnostics.has(fileUri(join(folder, 'broken.xml')))).toBe(false);
  });

  it('leaves a file the editor opens while it is being checked from disk to the open document', async () => {
    const onDisk = STUDENTS.replace('<first_name>Jane</first_name>', '<first_name>Jane</first_name><birth_date>1990-13-01</birth_date>');
    const folder = workspace({ 'users.xml': onDisk });
    const uri = fileUri(join(folder, 'users.xml'));
    // The check reads the file from disk; the editor opens it before the read completes.
    let reading!: () => void;
    const readStarted = new Promise<void>((r) => (reading = r));
    let openSent!: () => void;
    const opened = new Promise<void>((r) => (openSent = r));
    const real = nodeRuntime();
    const runtime: Runtime = { ...real, readFile: async (path) => { const text = await real.readFile(path); reading(); await opened; return text; } };
    client = await startTestServer({ folder, config: {}, runtime, workspace: { startDelayMs: 0 } });
    await readStarted;
    // The open text (the date already fixed) differs from the disk.
    await client.open(uri, STUDENTS);
    await client.diagnosticsFor(uri, 1);
    openSent();
    await new Promise((r) => setTimeout(r, 300));
    const forUri = client.published.filter((p) => p.uri === uri);
    expect(forUri.length).toBeGreaterThan(0);
    expect(forUri.every((p) => p.version === 1 && !p.diagnostics.some((d) => d.code === 'invalid-date'))).toBe(true);
  });

  it('skips a file above the size limit with a note', async () => {
    const folder = workspace({ 'big.xml': DOC(...Array.from({ length: 40 }, (_, i) => USER(`u${i}`, `B${i}`))) });
    client = await startTestServer({ folder, config: {}, workspace: { maxFileBytes: 1000 } });
    const d = await until('the note', published(fileUri(join(folder, 'big.xml')), (x) => x.length > 0));
    expect(d.map((x) => x.code)).toEqual(['not-checked-too-large']);
  });

  it('checks a closed file again when it changes on disk', async () => {
    const folder = workspace({ 'users.xml': STAFF });
    client = await startTestServer({ folder, config: {} });
    const uri = fileUri(join(folder, 'users.xml'));
    await until('first check', published(uri, (d) => !d.some((x) => x.code === 'invalid-date')));
    writeFileSync(join(folder, 'users.xml'), STAFF.replace('<first_name>Jane</first_name>', '<first_name>Jane</first_name><birth_date>1990-13-01</birth_date>'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
    await until('the new problem', published(uri, (d) => d.some((x) => x.code === 'invalid-date')));
  });

  it('follows changes on disk by itself when the client reports none: a file changed, a new folder of files, a file deleted', async () => {
    const folder = workspace({ 'users.xml': STAFF, 'notes/readme.txt': 'x' });
    client = await startTestServer({ folder, config: {} });
    const uri = fileUri(join(folder, 'users.xml'));
    await until('first check', published(uri, (d) => !d.some((x) => x.code === 'invalid-date')));
    const bad = (text: string) => text.replace('<first_name>Jane</first_name>', '<first_name>Jane</first_name><birth_date>1990-13-01</birth_date>');
    // No workspace/didChangeWatchedFiles from here on: only the server's own watcher can tell.
    writeFileSync(join(folder, 'users.xml'), bad(STAFF));
    await until('the changed file', published(uri, (d) => d.some((x) => x.code === 'invalid-date')));
    mkdirSync(join(folder, 'batch', 'night'), { recursive: true });
    writeFileSync(join(folder, 'batch', 'night', 'users-01.xml'), bad(STUDENTS));
    writeFileSync(join(folder, 'notes', 'users-02.xml'), bad(STUDENTS));
    for (const name of ['batch/night/users-01.xml', 'notes/users-02.xml']) {
      await until(name, published(fileUri(join(folder, name)), (d) => d.some((x) => x.code === 'invalid-date')));
    }
    rmSync(join(folder, 'batch'), { recursive: true });
    rmSync(join(folder, 'users.xml'));
    await until('problems of the deleted files gone', () =>
      ['batch/night/users-01.xml', 'users.xml'].every((n) => client!.diagnostics.get(fileUri(join(folder, n)))?.diagnostics.length === 0) ? true : undefined,
    );
  });
});

describe('almaSis.feed: the files of a folder as one feed', () => {
  it('reports a barcode repeated across two files in both, each with the other as related information', async () => {
    const folder = workspace({ 'feed/students.xml': STUDENTS, 'feed/staff.xml': STAFF });
    client = await startTestServer({ folder, config: { feed: 'feed/*.xml' } });
    const staffUri = fileUri(join(folder, 'feed/staff.xml'));
    const studentsUri = fileUri(join(folder, 'feed/students.xml'));
    // staff.xml comes first by name: the holder in students.xml is the later one.
    await client.open(studentsUri, STUDENTS);
    const open = await until('the duplicate in the open students.xml', published(studentsUri, (d) => d.some((x) => x.code === 'duplicate-identifier')));
    const dup = open.find((x) => x.code === 'duplicate-identifier')!;
    expect(dup.range.start.line).toBe(lineOf(STUDENTS, 'B-77'));
    expect(dup.relatedInformation?.[0].location.uri).toBe(staffUri);
    expect(dup.relatedInformation?.[0].location.range.start.line).toBe(lineOf(STAFF, 'B-77'));
    // The closed staff.xml, read from disk, gets the note pointing back.
    const closed = await until('the note in the closed staff.xml', published(staffUri, (d) => d.some((x) => x.code === 'repeated-in-later-file')));
    const note = closed.find((x) => x.code === 'repeated-in-later-file')!;
    expect(note.relatedInformation?.[0].location.uri).toBe(studentsUri);
    expect(note.relatedInformation?.[0].location.range.start.line).toBe(lineOf(STUDENTS, 'B-77'));

    // An edit that removes the repetition clears both.
    const text = client.text(studentsUri);
    const at = text.indexOf('B-77');
    await client.edit(studentsUri, at, at + 4, 'B-78');
    await until('the duplicate gone', published(studentsUri, (d) => !d.some((x) => x.code === 'duplicate-identifier')));
    await until('the note gone', published(staffUri, (d) => !d.some((x) => x.code === 'repeated-in-later-file')));
    expect(readFileSync(join(folder, 'feed/staff.xml'), 'utf8')).toBe(STAFF);
  });
});
