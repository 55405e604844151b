/**
 * The plan's notes and the user's own errors in the language server: a hover on `<user>` shows
 * the notes, a hover on the field a note is about shows it too, and with `codeTablesPath` a user
 * with an unknown code is rejected in the plan, as the command line does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUri, positionAt, startTestServer, type TestClient } from './harness';

const snapshot = {
  format: 'alma-sis-snapshot',
  version: 1,
  users: [
    { user: { primary_id: 'omar', last_name: 'Haddad', account_type: { value: 'EXTERNAL' }, status: { value: 'INACTIVE' }, preferred_language: { value: 'en' }, user_group: { value: 'UG' }, user_identifier: [], rs_library: [] } },
    { user: { primary_id: 'lea', last_name: 'Moreau', account_type: { value: 'EXTERNAL' }, status: { value: 'ACTIVE' }, preferred_language: { value: 'en' }, user_group: { value: 'UG' } } },
  ],
};
const text = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<users>',
  '  <user><primary_id>omar</primary_id><last_name>Haddad</last_name><user_group>UG</user_group><preferred_language>en</preferred_language></user>',
  '  <user><primary_id>lea</primary_id><last_name>Moreau</last_name><user_group>BOGUS</user_group><preferred_language>en</preferred_language><status>ACTIVE</status></user>',
  '</users>',
  '',
].join('\n');

let dir: string;
let client: TestClient;
let uri: string;
const hover = async (offset: number) => ((await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: positionAt(text, offset) })) as { contents: { value: string } }).contents.value;

beforeAll(async () => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'alma-notes-'));
  fs.writeFileSync(join(dir, 'users.alma-snapshot.json'), JSON.stringify(snapshot));
  fs.writeFileSync(join(dir, 'code-tables.json'), JSON.stringify({ format: 'alma-sis-code-tables', version: 1, tables: { UserGroups: ['UG', 'GRAD'] } }));
  fs.writeFileSync(join(dir, 'users.xml'), text);
  client = await startTestServer({ folder: dir, config: { codeTablesPath: 'code-tables.json' } });
  uri = fileUri(join(dir, 'users.xml'));
  await client.open(uri, text);
  await client.diagnosticsFor(uri, 1);
});

afterAll(async () => {
  await client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('plan notes and user errors in the language server', () => {
  it('a hover on <user> shows the note; a hover on the field it is about too', async () => {
    const onUser = await hover(text.indexOf('<user>') + 2);
    expect(onUser).toContain('**Note** (status)');
    expect(onUser).toMatch(/reactivating the user/);
    const onLastName = await hover(text.indexOf('<last_name>Haddad') + 3);
    expect(onLastName).not.toContain('**Note**');
  });

  it('with codeTablesPath, a user with an unknown code is rejected with the diagnostic\'s message', async () => {
    const onUser = await hover(text.indexOf('<user><primary_id>lea') + 2);
    expect(onUser).toContain('**Outcome: rejected**');
    expect(onUser).toContain('"BOGUS" is not a code of the UserGroups table.');
    const diags = await client.diagnosticsFor(uri, 1);
    expect(diags.find((d) => d.code === 'unknown-code')).toBeDefined();
  });
});
