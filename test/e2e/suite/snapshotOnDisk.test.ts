import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { codeLenses, exampleUri, poll, positionOf, ready } from './helpers';

/**
 * docs/editors.md: a change to the snapshot file on disk is picked up without a restart. The
 * snapshot is edited with plain file writes (as another program or `alma-sis apply` would), not
 * through the editor, and the lenses must follow.
 */
describe('snapshot changed on disk', () => {
  const snapshotName = 'users.alma-snapshot.json';
  let original: string;
  before(async () => {
    original = await fs.readFile(exampleUri(snapshotName).fsPath, 'utf8');
  });
  after(async () => {
    await fs.writeFile(exampleUri(snapshotName).fsPath, original);
  });

  async function groupLensOfBwong(doc: vscode.TextDocument): Promise<string[]> {
    const line = positionOf(doc, '<user_group', 2).line; // the third user, bwong
    return (await codeLenses(doc.uri)).filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
  }

  it('updates the code lenses when the snapshot file is rewritten, and again when it is restored', async () => {
    const { doc } = await ready('users.xml');
    await poll('the lens "keeps manual value STAFF" on bwong', async () => ((await groupLensOfBwong(doc)).includes('keeps manual value STAFF') ? true : undefined));

    // Now the SIS is said to have sent GRAD before staff set STAFF: the file's GRAD undoes it.
    const snap = JSON.parse(original) as { users: { user: { primary_id: string }; sync?: { protected?: Record<string, { lastSisValue: unknown }> } }[] };
    const bwong = snap.users.find((u) => u.user.primary_id === 'bwong');
    assert.ok(bwong?.sync?.protected?.user_group, 'the example protects bwong\'s user_group');
    bwong.sync.protected.user_group.lastSisValue = 'GRAD';
    await fs.writeFile(exampleUri(snapshotName).fsPath, JSON.stringify(snap, null, 2) + '\n');

    let last: string[] = [];
    await poll(
      'the lens to become "reverts manual value STAFF → GRAD"',
      async () => ((last = await groupLensOfBwong(doc)).includes('reverts manual value STAFF → GRAD') ? true : undefined),
      20_000,
      () => JSON.stringify(last),
    );

    await fs.writeFile(exampleUri(snapshotName).fsPath, original);
    await poll('the lens to come back after the restore', async () => ((last = await groupLensOfBwong(doc)).includes('keeps manual value STAFF') ? true : undefined), 20_000, () => JSON.stringify(last));
  });
});
