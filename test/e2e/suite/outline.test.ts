import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { poll, ready, userRange } from './helpers';

/** The outline (document symbols): one symbol per user, its fields as children. */
describe('outline', () => {
  it('one symbol per <user>, named by primary id and name, with its fields', async () => {
    const { doc } = await ready('users.xml');
    const symbols = await poll('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
      return s && s.length > 0 ? s : undefined;
    });
    // The users may sit under a root symbol for <users>.
    const users = symbols.length === 1 && symbols[0].children.length >= 10 ? symbols[0].children : symbols;
    assert.equal(users.length, 10, JSON.stringify(symbols.map((s) => s.name)));
    const ids = ['jdoe', 'asmith', 'bwong', 'cgarcia', 'dlee', 'emuller', 'fkhan', 'gnguyen', 'hpark', 'gnguyen'];
    users.forEach((u, n) => {
      assert.ok(u.name.includes(ids[n]) || (u.detail ?? '').includes(ids[n]), `symbol ${n} "${u.name}" names ${ids[n]}`);
      assert.ok(u.range.contains(userRange(doc, n).start) && u.range.contains(userRange(doc, n).end.translate(0, -1)), `symbol ${n} covers its <user>`);
    });
    assert.ok(`${users[0].name} ${users[0].detail}`.includes('Jane'), 'the name comes with the id');
    const fields = users[2].children.map((c) => c.name);
    assert.ok(fields.some((f) => f.includes('user_group')), `bwong's fields: ${fields.join(', ')}`);
  });
});
