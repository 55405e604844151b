import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, LANGUAGE_ID, openExample, type AlmaSisApi } from './helpers';

describe('activation', () => {
  it('the packaged extension activates on an SIS file, claims it and starts the language server', async () => {
    const ext = vscode.extensions.getExtension<AlmaSisApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const editor = await openExample('users.xml');
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    // users.xml has a plain .xml name: the extension recognises it by its <users> root.
    const doc = await poll(() => (editor.document.languageId === LANGUAGE_ID ? editor.document : vscode.window.activeTextEditor?.document.languageId === LANGUAGE_ID ? vscode.window.activeTextEditor.document : undefined));
    assert.equal(doc.languageId, LANGUAGE_ID);
    await api.serverReady;
  });
});

async function poll<T>(probe: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`the document was not given the ${LANGUAGE_ID} language within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
