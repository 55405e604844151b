import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, openExample } from './helpers';

describe('activation', () => {
  it('the packaged extension is installed and activates on an SIS file', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    await openExample('users.xml');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });
});
