import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, LANGUAGE_ID, openExample, poll, type AlmaSisApi } from './helpers';

describe('activation', () => {
  it('the packaged extension activates on an SIS file, claims it and starts the language server', async () => {
    const ext = vscode.extensions.getExtension<AlmaSisApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const editor = await openExample('users.xml');
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    // users.xml has a plain .xml name: the extension recognises it by its <users> root.
    const doc = await poll(`the ${LANGUAGE_ID} language on users.xml`, () => (editor.document.languageId === LANGUAGE_ID ? editor.document : vscode.window.activeTextEditor?.document.languageId === LANGUAGE_ID ? vscode.window.activeTextEditor.document : undefined));
    assert.equal(doc.languageId, LANGUAGE_ID);
    await api.serverReady;
    // The status bar names the snapshot in use (the example's settings point at it).
    await poll('the snapshot in the status bar', () => (api.statusText()?.includes('users.alma-snapshot.json') ? true : undefined), 20_000, () => String(api.statusText()));
  });
});

