import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { poll, positionOf, ready } from './helpers';

/** Inlay hints through `vscode.executeInlayHintProvider`: what Alma will hold after the sync. */
describe('inlay hints', () => {
  function label(h: vscode.InlayHint): string {
    return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
  }

  it('after a protected value: what Alma keeps instead of the file\'s value', async () => {
    const { doc } = await ready('users.xml');
    const all = new vscode.Range(new vscode.Position(0, 0), doc.lineAt(doc.lineCount - 1).range.end);
    const hints = await poll('inlay hints', async () => {
      const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, all);
      return h && h.length > 0 ? h : undefined;
    });
    const onLine = (line: number) => hints.filter((h) => h.position.line === line).map(label);
    // bwong (third user): the file's GRAD is not written, the manual STAFF stays.
    const bwongGroup = positionOf(doc, '</user_group>', 2);
    const labels = onLine(bwongGroup.line);
    assert.ok(labels.some((l) => l.includes('STAFF') && /protected/.test(l)), `hints on bwong's user_group: ${JSON.stringify(labels)}`);
    const hint = hints.find((h) => h.position.line === bwongGroup.line && label(h).includes('STAFF'));
    assert.ok(hint && hint.position.character >= bwongGroup.character, 'the hint sits after the value');
  });
});
