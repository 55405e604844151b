import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { exampleUri, ready } from './helpers';

interface Summary { processed: number; created: number; updated: number; unchanged: number; rejected: number }
interface Model { summary: Summary; summaryText: string; groups: { outcome: string; users: { id: string; headline: string; fields: { field: string; action: string }[] }[] }[] }
interface RunSyncResult { written: boolean; reason?: string; snapshot?: string; backup?: string; summary?: Summary }

/** The palette commands of the sync preview issue, run as a person would from the palette. */
describe('commands: Preview Sync and Run Sync', () => {
  const snapshotName = 'users.alma-snapshot.json';
  let original: string;

  before(async () => {
    original = await fs.readFile(exampleUri(snapshotName).fsPath, 'utf8');
  });
  after(async () => {
    // Leave the snapshot as the example ships it, whatever happened, for the other tests.
    await fs.writeFile(exampleUri(snapshotName).fsPath, original);
    await fs.rm(exampleUri(snapshotName).fsPath + '.bak', { force: true });
  });

  it('Preview Sync shows the job report of the example: 10 processed, 1 created, 4 updated, 2 unchanged, 3 rejected', async () => {
    await ready('users.xml');
    const model = (await vscode.commands.executeCommand('almaSis.previewSync')) as Model | undefined;
    assert.ok(model, 'the command returns the model it shows');
    assert.deepEqual(model.summary, { processed: 10, created: 1, updated: 4, unchanged: 2, rejected: 3 });
    const outcomeOf = (id: string) => model.groups.find((g) => g.users.some((u) => u.id === id))?.outcome;
    assert.equal(outcomeOf('jdoe'), 'updated');
    assert.equal(outcomeOf('fkhan'), 'rejected');
    assert.equal(outcomeOf('bwong'), 'unchanged');
    const cgarcia = model.groups.flatMap((g) => g.users).find((u) => u.id === 'cgarcia');
    assert.deepEqual(cgarcia?.fields.map((f) => [f.field, f.action]), [['user_group', 'revert-override']]);
  });

  it('Run Sync writes the next snapshot (previous kept as .bak), then a second plan has nothing to create; Undo restores it', async () => {
    await ready('users.xml');
    const snapshot = exampleUri(snapshotName).fsPath;
    const result = (await vscode.commands.executeCommand('almaSis.runSync', { confirm: true })) as RunSyncResult;
    assert.equal(result.written, true, `Run Sync wrote nothing: ${result.reason}`);
    assert.equal(result.snapshot, snapshot);
    assert.equal(await fs.readFile(snapshot + '.bak', 'utf8'), original, 'the previous snapshot is kept as .bak');
    const next = JSON.parse(await fs.readFile(snapshot, 'utf8')) as { users: { user: { primary_id: string } }[] };
    assert.ok(next.users.some((u) => u.user.primary_id === 'gnguyen'), 'the created user is in the new snapshot');

    // Planned again against the advanced snapshot: gnguyen exists now, the updates are done.
    const model = (await vscode.commands.executeCommand('almaSis.previewSync')) as Model;
    assert.equal(model.summary.created, 0, model.summaryText);
    assert.equal(model.summary.updated, 0, model.summaryText);

    const undo = (await vscode.commands.executeCommand('almaSis.undoRunSync', { confirm: true })) as { restored: boolean; message?: string };
    assert.equal(undo.restored, true, undo.message);
    assert.equal(await fs.readFile(snapshot, 'utf8'), original, 'Undo puts the previous snapshot back');
  });
});
