import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { spawnSync } from 'node:child_process';
import { EXTENSION_ID, exampleUri, poll, ready } from './helpers';

interface PreviewUser { id: string; flags: string[] }
interface Model { summary: { processed: number; created: number }; groups: { outcome: string; users: PreviewUser[] }[] }

const usersOf = (m: Model | undefined) => (m?.groups ?? []).flatMap((g) => g.users.map((u) => ({ ...u, outcome: g.outcome })));

/** The rest of the sync-preview issue's commands, each run through the `vscode` API as the palette would. */
describe('commands: preview filters, Compare, Export Plan, Import and Select Snapshot, Package for Upload', () => {
  let scratch: string;

  before(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'alma-sis-e2e-'));
  });
  after(async () => {
    await vscode.commands.executeCommand('almaSis.selectSnapshot', null);
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('filters the preview by outcome and by effect, searches it, and reveals a user in the XML', async () => {
    await ready('users.xml');
    await vscode.commands.executeCommand('almaSis.previewSync');
    const rejected = (await vscode.commands.executeCommand('almaSis.preview.filterOutcome', ['rejected'])) as Model;
    assert.deepEqual(new Set(usersOf(rejected).map((u) => u.outcome)), new Set(['rejected']));
    assert.equal(usersOf(rejected).length, 3);
    await vscode.commands.executeCommand('almaSis.preview.clearFilters');
    const reverts = (await vscode.commands.executeCommand('almaSis.preview.filterFlags', ['reverts-override'])) as Model;
    assert.deepEqual(usersOf(reverts).map((u) => u.id), ['cgarcia']);
    await vscode.commands.executeCommand('almaSis.preview.clearFilters');
    const found = (await vscode.commands.executeCommand('almaSis.preview.search', 'wong')) as Model;
    assert.deepEqual(usersOf(found).map((u) => u.id), ['bwong']);
    const all = (await vscode.commands.executeCommand('almaSis.preview.clearFilters')) as Model;
    assert.equal(usersOf(all).length, 10);

    const uri = exampleUri('users.xml').toString();
    assert.equal(await vscode.commands.executeCommand('almaSis.preview.revealUser', { uri, index: 3 }), true);
    const editor = vscode.window.activeTextEditor!;
    const line = editor.document.lineAt(editor.selection.active.line).text;
    assert.match(line, /<user>/, 'the cursor is on the fourth user start tag');
    const following = editor.document.getText(new vscode.Range(editor.selection.active, editor.selection.active.translate(3)));
    assert.match(following, /cgarcia/);
  });

  it('compares a user with the snapshot in a diff editor: the manual FACULTY becomes GRAD', async () => {
    await ready('users.xml');
    const uri = exampleUri('users.xml').toString();
    const result = (await vscode.commands.executeCommand('almaSis.compareUser', { uri, index: 3 })) as { left: string; right: string; outcome: string };
    assert.equal(result.outcome, 'updated');
    const left = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.left));
    const right = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.right));
    assert.match(left.getText(), /FACULTY/);
    assert.match(right.getText(), /GRAD/);
    assert.doesNotMatch(right.getText(), /FACULTY/);
  });

  it('exports the plan as JSON (the artifact alma-sis apply --plan applies) and as Markdown', async () => {
    await ready('users.xml');
    const uri = exampleUri('users.xml').toString();
    const jsonOut = path.join(scratch, 'plan.json');
    assert.equal(await vscode.commands.executeCommand('almaSis.exportPlan', { uri, format: 'json', out: jsonOut }), jsonOut);
    const plan = JSON.parse(await fs.readFile(jsonOut, 'utf8'));
    assert.equal(plan.format, 'alma-sis-plan');
    assert.deepEqual(plan.summary, { processed: 10, created: 1, updated: 4, unchanged: 2, rejected: 3 });
    // The same artifact as `alma-sis plan --out`: the command line of the installed extension applies it exactly.
    assert.deepEqual(plan.inputs.files.map((f: { path: string }) => path.basename(f.path)), ['users.xml']);
    assert.match(plan.inputs.snapshot.sha256, /^[0-9a-f]{64}$/);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const next = path.join(scratch, 'next.alma-snapshot.json');
    const applied = spawnSync(process.execPath, [cli, 'apply', '--plan', jsonOut, '--out', next], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(applied.status, 1, applied.stderr); // rejected users are left as they were; the rest is written
    assert.doesNotMatch(applied.stderr, /nothing written/);
    assert.match(await fs.readFile(next, 'utf8'), /alma-sis-snapshot/);
    const mdOut = path.join(scratch, 'plan.md');
    await vscode.commands.executeCommand('almaSis.exportPlan', { uri, format: 'markdown', out: mdOut });
    assert.match(await fs.readFile(mdOut, 'utf8'), /cgarcia/);
  });

  it('imports a snapshot from a Users API export, selects it, and the preview follows it; Automatic goes back', async () => {
    await ready('users.xml');
    const exportFile = path.join(scratch, 'export.json');
    await fs.writeFile(
      exportFile,
      JSON.stringify({ user: [{ primary_id: 'jdoe', first_name: 'John', last_name: 'Doe', account_type: { value: 'EXTERNAL' }, user_group: { value: 'STAFF' } }] }),
    );
    const out = path.join(scratch, 'imported.alma-snapshot.json');
    const imported = (await vscode.commands.executeCommand('almaSis.importSnapshot', { users: exportFile, lastSis: null, out })) as { written?: string; users?: number; message?: string };
    assert.equal(imported.written, out, imported.message);
    assert.equal(imported.users, 1);

    assert.equal(await vscode.commands.executeCommand('almaSis.selectSnapshot', out), out);
    // Against a snapshot that knows only jdoe, every other user of the file is new (or a duplicate).
    const model = await poll('the preview against the imported snapshot', async () => {
      const m = (await vscode.commands.executeCommand('almaSis.previewSync')) as Model;
      return m.summary.created >= 8 ? m : undefined;
    });
    assert.equal(usersOf(model).find((u) => u.id === 'jdoe')?.outcome, 'updated');

    await vscode.commands.executeCommand('almaSis.selectSnapshot', null);
    const back = await poll('the preview against the example snapshot again', async () => {
      const m = (await vscode.commands.executeCommand('almaSis.previewSync')) as Model;
      return m.summary.created === 1 ? m : undefined;
    });
    assert.equal(back.summary.processed, 10);
  });

  it('packages a clean file as the .zip Alma expects, and refuses a file with errors, saying why', async () => {
    await ready('users.xml');
    const zip = path.join(scratch, 'users.zip');
    const ok = (await vscode.commands.executeCommand('almaSis.packageForUpload', { uri: exampleUri('users.xml').toString(), out: zip })) as {
      written?: string;
      check?: { errors: unknown[] };
      message?: string;
    };
    // users.xml holds one duplicate user on purpose (an error): the package is refused.
    assert.equal(ok.written, undefined, ok.message);
    assert.ok((ok.check?.errors.length ?? 0) > 0);
    await assert.rejects(fs.stat(zip));

    // A file without errors: the bundled example minus its duplicate user.
    const text = await fs.readFile(exampleUri('users.xml').fsPath, 'utf8');
    const lastUser = text.lastIndexOf('<user>');
    const clean = text.slice(0, lastUser) + text.slice(text.indexOf('</user>', lastUser) + '</user>'.length);
    const cleanFile = path.join(scratch, 'clean.xml');
    await fs.writeFile(cleanFile, clean);
    const cleanZip = path.join(scratch, 'clean.zip');
    const packaged = (await vscode.commands.executeCommand('almaSis.packageForUpload', { uri: vscode.Uri.file(cleanFile).toString(), out: cleanZip })) as {
      written?: string;
      message?: string;
    };
    assert.equal(packaged.written, cleanZip, packaged.message);
    const bytes = await fs.readFile(cleanZip);
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK');
    assert.ok(bytes.includes(Buffer.from('clean.xml')), 'the zip holds the XML under its own name');
  });
});
