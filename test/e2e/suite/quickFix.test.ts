import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, rangeOf, ready, waitForDiagnostics } from './helpers';

/** Quick fixes through `vscode.executeCodeActionProvider`, applied as the light bulb would. */
describe('quick fixes', () => {
  /** The quick fixes with an edit at the diagnostic (the workbench adds its own, command-only, "Fix"/"Explain"). */
  async function fixesAt(uri: vscode.Uri, diag: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diag.range, vscode.CodeActionKind.QuickFix.value, 10)) ?? [];
    const fixes = actions.filter((a) => a.edit && a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
    assert.ok(fixes.length > 0, `a quick fix with an edit for ${codeOf(diag)}; got ${JSON.stringify(actions.map((a) => ({ title: a.title, kind: a.kind?.value, edit: !!a.edit, diagnostics: a.diagnostics?.map(codeOf) })))}`);
    return fixes;
  }

  afterEach(async () => {
    // Leave the example as it was: drop the unsaved edit.
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('TRUE → true: the fix edits the text and the diagnostic goes away', async () => {
    const { doc } = await ready('broken-users.xml');
    const diags = await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => codeOf(d) === 'invalid-boolean'));
    const diag = diags.find((d) => codeOf(d) === 'invalid-boolean');
    assert.ok(diag);
    const [fix] = await fixesAt(doc.uri, diag);
    const where = rangeOf(doc, 'preferred="TRUE"', 0, 'TRUE');
    assert.ok(await vscode.workspace.applyEdit(fix.edit!), 'the edit applies');
    assert.equal(doc.getText(where), 'true', `the fix "${fix.title}" writes true`);
    assert.equal(doc.isDirty, true);
    await waitForDiagnostics(doc.uri, (ds) => !ds.some((d) => codeOf(d) === 'invalid-boolean'));
  });

  it('a missing <email_types> wrapper is added around <email_type>', async () => {
    const { doc } = await ready('broken-users.xml');
    const diags = await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => codeOf(d) === 'missing-types-wrapper'));
    const diag = diags.find((d) => codeOf(d) === 'missing-types-wrapper')!;
    const fix = (await fixesAt(doc.uri, diag)).find((a) => a.title.includes('email_types'));
    assert.ok(fix, 'the fix names the wrapper it adds');
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    assert.match(doc.getText(), /<email_types>\s*<email_type>school<\/email_type>\s*<\/email_types>/);
    await waitForDiagnostics(doc.uri, (ds) => !ds.some((d) => codeOf(d) === 'missing-types-wrapper'));
  });
});
