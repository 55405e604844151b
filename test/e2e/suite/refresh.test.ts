import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fixturesDir, loadFixtures, startFakeAlma, type FakeAlma } from '../../fakeAlma/server';
import { exampleUri, poll, ready } from './helpers';

/** The suite runs from a checkout (dist/test/suite.js): the fixtures are in the repository. */
const REPO = path.join(__dirname, '..', '..');
const KEY = 'l7xx-in-editor-test';

interface Counts { read: number; changed: number; unchanged: number; added: number; deleted: number; notInAlma: number; withoutMatchId: number }
interface RefreshResult { written: boolean; reason?: string; message?: string; snapshot?: string; counts?: Counts; drift?: string; document?: string }
interface Model { groups: { outcome: string; users: { id: string }[] }[] }

/**
 * Alma SIS: Refresh Snapshot from Alma, against a fake Users API that the test starts on
 * 127.0.0.1 inside the extension host; the gateway is the user setting almaSis.api.url and the
 * key is stored with Set Alma API Key (SecretStorage): the refresh itself is given neither.
 */
describe('Refresh Snapshot from Alma (fake Users API, key in SecretStorage)', () => {
  const snapshotName = 'users.alma-snapshot.json';
  let snapshot: string;
  let original: string;
  let fake: FakeAlma;
  const config = () => vscode.workspace.getConfiguration('almaSis');

  before(async () => {
    snapshot = exampleUri(snapshotName).fsPath;
    original = await fs.readFile(snapshot, 'utf8');
    const fixtures = loadFixtures(fixturesDir(REPO));
    fake = await startFakeAlma({ apiKey: KEY, users: fixtures.users, codeTables: fixtures.codeTables, remaining: 100_000 });
    await config().update('api.url', fake.url, vscode.ConfigurationTarget.Global);
    assert.equal(await vscode.commands.executeCommand('almaSis.setApiKey', { key: KEY }), true);
  });
  afterEach(async () => {
    fake.options.delayMs = undefined;
    fake.options.burst429 = undefined;
  });
  after(async () => {
    await vscode.commands.executeCommand('almaSis.clearApiKey');
    await config().update('api.url', undefined, vscode.ConfigurationTarget.Global);
    await fake.close();
    await fs.writeFile(snapshot, original);
    await fs.rm(snapshot + '.bak', { force: true });
  });

  it('refreshes the snapshot for the users of the open file, keeps what staff changed by hand, and shows the drift', async () => {
    await ready('users.xml');
    const result = (await vscode.commands.executeCommand('almaSis.refreshSnapshot')) as RefreshResult;
    assert.equal(result.written, true, `nothing written: ${result.reason} ${result.message}`);
    assert.equal(result.snapshot, snapshot);
    assert.deepEqual(result.counts, { read: 7, changed: 2, unchanged: 4, added: 1, deleted: 1, notInAlma: 2, withoutMatchId: 0 });
    // The key came from SecretStorage, in the header, to the configured gateway only.
    assert.equal(fake.requests.length, 9, 'one call per Match ID value of the file');
    assert.ok(fake.requests.every((r) => r.keyInHeader && (r.status === 200 || r.status === 400)), JSON.stringify(fake.requests.map((r) => [r.keyInHeader, r.status])));

    const next = JSON.parse(await fs.readFile(snapshot, 'utf8')) as { users: { user: { primary_id: string; user_group?: { value: string } }; sync?: unknown }[] };
    const cgarcia = next.users.find((u) => u.user.primary_id === 'cgarcia');
    assert.deepEqual(cgarcia?.sync, { protected: { user_group: { lastSisValue: 'GRAD' } } }, 'protection and its last SIS value are kept');
    assert.equal(cgarcia?.user.user_group?.value, 'STAFF', "Alma's current value is stored");
    assert.ok(!next.users.some((u) => u.user.primary_id === 'dlee'), 'a user Alma no longer has is removed');
    assert.equal(await fs.readFile(snapshot + '.bak', 'utf8'), original, 'the previous snapshot is kept as .bak');

    // The drift summary is shown, in Terraform's words.
    const shown = vscode.workspace.textDocuments.find((d) => d.uri.toString() === result.document);
    assert.ok(shown, 'the drift summary is open');
    assert.match(shown.getText(), /^Note: Objects have changed in Alma since the snapshot was taken/);
    assert.match(shown.getText(), /# user "asmith" has changed\n {2}~ user "asmith" \{\n {6}~ user_group = "UNDERGRAD" -> "GRAD"/);
    assert.match(shown.getText(), /# user "dlee" has been deleted/);

    // The preview plans against the refreshed snapshot: dlee, deleted in Alma, would be created again.
    await poll('the preview on the refreshed snapshot', async () => {
      const m = (await vscode.commands.executeCommand('almaSis.previewSync', undefined, { focus: false })) as Model | undefined;
      return m?.groups.find((g) => g.outcome === 'created')?.users.some((u) => u.id === 'dlee') ? m : undefined;
    });
  });

  it('waits out a burst of 429s from Alma and completes', async () => {
    await fs.writeFile(snapshot, original);
    fake.options.burst429 = 3;
    fake.options.retryAfterSeconds = 1;
    const before = fake.requests.length;
    const result = (await vscode.commands.executeCommand('almaSis.refreshSnapshot', { show: false })) as RefreshResult;
    assert.equal(result.written, true, `${result.reason} ${result.message}`);
    assert.equal(fake.requests.slice(before).filter((r) => r.status === 429).length, 3);
  });

  it('a key Alma refuses: nothing written, and the message is Alma\'s', async () => {
    await fs.writeFile(snapshot, original);
    await vscode.commands.executeCommand('almaSis.setApiKey', { key: 'not-the-key' });
    try {
      const token = new vscode.CancellationTokenSource().token;
      const result = (await vscode.commands.executeCommand('almaSis.refreshSnapshot', { token, show: false })) as RefreshResult;
      assert.equal(result.written, false);
      assert.equal(result.reason, 'invalid-key');
      assert.match(result.message ?? '', /API-key not defined or not configured to allow this API\. \(UNAUTHORIZED\)/);
      assert.equal(await fs.readFile(snapshot, 'utf8'), original, 'the snapshot is untouched');
    } finally {
      await vscode.commands.executeCommand('almaSis.setApiKey', { key: KEY });
    }
  });

  it('Fetch Code Tables from Alma writes the code-tables file from the Configuration API', async () => {
    const out = exampleUri('fetched-code-tables.json').fsPath;
    try {
      const token = new vscode.CancellationTokenSource().token;
      const result = (await vscode.commands.executeCommand('almaSis.fetchCodeTables', { out, tables: ['UserGroups', 'NoteTypes'], token })) as { written?: string; tables?: number; message?: string };
      assert.equal(result.written, out, result.message);
      assert.equal(result.tables, 2);
      const json = JSON.parse(await fs.readFile(out, 'utf8')) as { format: string; tables: Record<string, { code: string }[]> };
      assert.equal(json.format, 'alma-sis-code-tables');
      assert.ok(json.tables.UserGroups.some((c) => c.code === 'GRAD'));
      assert.ok(!json.tables.UserGroups.some((c) => c.code === 'RETIRED'), 'disabled rows are left out');
    } finally {
      await fs.rm(out, { force: true });
    }
  });

  it('cancelled while it runs: nothing written, the snapshot untouched', async () => {
    await fs.writeFile(snapshot, original);
    fake.options.delayMs = 400;
    const source = new vscode.CancellationTokenSource();
    const before = fake.requests.length;
    const running = vscode.commands.executeCommand('almaSis.refreshSnapshot', { token: source.token, show: false }) as Thenable<RefreshResult>;
    await poll('the first call to reach the fake Users API', () => (fake.requests.length > before ? true : undefined));
    source.cancel();
    const result = await running;
    assert.equal(result.written, false);
    assert.equal(result.reason, 'cancelled');
    assert.equal(await fs.readFile(snapshot, 'utf8'), original, 'the snapshot is untouched');
    const leftovers = (await fs.readdir(path.dirname(snapshot))).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });
});
