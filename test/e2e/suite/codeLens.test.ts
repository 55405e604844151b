import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeLenses, poll, positionOf, ready } from './helpers';

const SHOW_USER_PREVIEW = 'almaSis.showUserPreview';

/** Code lenses through `vscode.executeCodeLensProvider` (resolved), as the editor shows them. */
describe('code lenses', () => {
  /** The resolved lens titles on the line of `pos`. */
  async function titlesAt(uri: vscode.Uri, line: number): Promise<string[]> {
    return (await codeLenses(uri)).filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
  }

  it('one on each <user>, with its outcome, opening that user\'s preview', async () => {
    const { doc } = await ready('users.xml');
    const userLines = new Set<number>();
    for (let n = 0; n < 10; n++) userLines.add(positionOf(doc, '<user>', n).line);
    const lenses = await poll('resolved code lenses on the 10 users', async () => {
      const ls = (await codeLenses(doc.uri)).filter((l) => userLines.has(l.range.start.line) && l.command?.title);
      return ls.length >= 10 ? ls : undefined;
    });
    const onUsers = lenses.filter((l) => l.command?.command === SHOW_USER_PREVIEW);
    assert.equal(new Set(onUsers.map((l) => l.range.start.line)).size, 10, 'a lens opening the preview on each of the 10 users');
    const byLine = (n: number) => onUsers.find((l) => l.range.start.line === positionOf(doc, '<user>', n).line);
    // The eighth user is new, the seventh rejected (Internal in Alma).
    assert.match(byLine(7)?.command?.title ?? '', /new user/);
    assert.match(byLine(6)?.command?.title ?? '', /^rejected: User is not external/);
    // Its argument names the user: URI, index (as in the plan JSON) and line of the start tag.
    const arg = byLine(6)?.command?.arguments?.[0] as { uri: string; index: number; line: number };
    assert.equal(arg.index, 6);
    assert.equal(arg.line, positionOf(doc, '<user>', 6).line);
    assert.equal(vscode.Uri.parse(arg.uri).path, doc.uri.path);
  });

  it('on protected fields: kept or reverted manual values', async () => {
    const { doc } = await ready('users.xml');
    const bwongGroup = positionOf(doc, '<user_group', 2).line; // third user
    const cgarciaGroup = positionOf(doc, '<user_group', 3).line; // fourth user
    assert.ok((await titlesAt(doc.uri, bwongGroup)).includes('keeps manual value STAFF'), JSON.stringify(await titlesAt(doc.uri, bwongGroup)));
    assert.ok((await titlesAt(doc.uri, cgarciaGroup)).includes('reverts manual value FACULTY → GRAD'), JSON.stringify(await titlesAt(doc.uri, cgarciaGroup)));
  });

  it('the lens command opens the compare view of that user', async () => {
    const { doc } = await ready('users.xml');
    const lens = (await codeLenses(doc.uri)).find((l) => l.command?.command === SHOW_USER_PREVIEW && l.range.start.line === positionOf(doc, '<user>', 0).line);
    assert.ok(lens?.command, 'a lens on the first user');
    const result = (await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []))) as { left: string; right: string; outcome: string } | undefined;
    assert.ok(result, 'the command returns what it opened');
    assert.equal(result.outcome, 'updated');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    assert.ok(tabs.some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === result.right), 'a diff editor shows the user after the sync');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
