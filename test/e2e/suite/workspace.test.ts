import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, codeOf, exampleUri, waitForDiagnostics, workspaceRoot, type AlmaSisApi } from './helpers';
import { feedDoc, feedUser } from '../../feedFixtures';

const USER = feedUser;
const DOC = feedDoc;
const isOpen = (uri: vscode.Uri) => vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());

async function write(name: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), ...name.split('/'));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** The SIS files of the workspace are checked without being opened; the files of almaSis.feed are one feed. */
describe('workspace: problems of closed files, and a feed of several files', () => {
  before(async () => {
    const api = (await activateExtension()).exports as AlmaSisApi;
    await api.serverReady;
  });

  it('lists the problems of a closed SIS file of the workspace, and of 20 files written to disk, without opening any', async () => {
    const broken = exampleUri('broken-users.xml');
    assert.equal(isOpen(broken), false);
    const d = await waitForDiagnostics(broken, (x) => x.some((y) => y.severity === vscode.DiagnosticSeverity.Error));
    assert.ok(d.length > 0);
    assert.equal(isOpen(broken), false, 'checking it must not open it');

    const uris: vscode.Uri[] = [];
    for (let i = 0; i < 20; i++) uris.push(await write(`batch/users-${String(i).padStart(2, '0')}.xml`, DOC(USER(`u${i}a`, `A${i}`), USER(`u${i}b`, `B${i}`, '\n    <birth_date>1990-13-01</birth_date>'))));
    for (const uri of uris) {
      const diags = await waitForDiagnostics(uri, (x) => x.some((y) => codeOf(y) === 'invalid-date'));
      assert.equal(diags.filter((y) => codeOf(y) === 'invalid-date').length, 1);
      assert.equal(isOpen(uri), false);
    }
    // Deleted on disk: its problems go.
    await vscode.workspace.fs.delete(uris[0]);
    await waitForDiagnostics(uris[0], (x) => x.length === 0);
  });

  it('reports a barcode repeated across the files of almaSis.feed in both, each with the other as related information', async () => {
    const students = await write('feed/students.xml', DOC(USER('amy', 'F-1'), USER('ben', 'F-77')));
    const staff = await write('feed/staff.xml', DOC(USER('carl', 'F-77'), USER('dora', 'F-3')));
    // Each file alone by default.
    await waitForDiagnostics(students, () => true);
    assert.equal(vscode.languages.getDiagnostics(students).filter((y) => codeOf(y) === 'duplicate-identifier').length, 0);
    const config = vscode.workspace.getConfiguration('almaSis');
    await config.update('feed', 'feed/*.xml', vscode.ConfigurationTarget.Workspace);
    try {
      // staff.xml comes first by name: the error is on the user of students.xml.
      const doc = await vscode.workspace.openTextDocument(students);
      await vscode.window.showTextDocument(doc);
      const dup = (await waitForDiagnostics(students, (x) => x.some((y) => codeOf(y) === 'duplicate-identifier'))).find((y) => codeOf(y) === 'duplicate-identifier')!;
      assert.equal(doc.getText(dup.range), 'F-77');
      assert.equal(dup.relatedInformation?.[0].location.uri.toString(), staff.toString());
      const note = (await waitForDiagnostics(staff, (x) => x.some((y) => codeOf(y) === 'repeated-in-later-file'))).find((y) => codeOf(y) === 'repeated-in-later-file')!;
      assert.equal(note.relatedInformation?.[0].location.uri.toString(), students.toString());
      assert.equal(note.relatedInformation?.[0].location.range.start.line, dup.range.start.line);
      assert.equal(isOpen(staff), false);
    } finally {
      await config.update('feed', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
    await waitForDiagnostics(staff, (x) => !x.some((y) => codeOf(y) === 'repeated-in-later-file'));
  });
});
