/**
 * The language server under fuzz (issue 8): the built `dist/server.js` over stdio, fed mutated
 * documents and random incremental edits, asked every feature after each edit. No request may
 * fail or go unanswered, no handler may throw (the server logs "… failed" when one does), the
 * process must not die. Skipped when `dist/server.js` is not built (`npm run build`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedBases } from '../../tools/fuzz/mutate';
import { pathToUri, startServer, withDeadline } from '../../tools/fuzz/lspClient';
import { fuzzServer } from '../../tools/fuzz/server';

const SERVER = path.resolve(__dirname, '../../dist/server.js');
const HAVE = fs.existsSync(SERVER);
if (!HAVE) console.warn('server fuzz tests skipped: dist/server.js not built (npm run build)');

describe.skipIf(!HAVE)('language server under fuzz', { timeout: 300_000 }, () => {
  it('answers every request after random edits of mutated documents, never fails a handler, never dies', async () => {
    const bases = generatedBases(77, 6);
    const result = await fuzzServer({ serverPath: SERVER, deadline: Date.now() + 20_000, seed: 77, bases, log: () => undefined, requestMs: 60_000 });
    console.log(
      `server fuzz: ${result.documents} documents, ${result.edits} edits, ${result.requests} requests, peak RSS ${(result.peakRss / 1e6).toFixed(0)} MB`,
    );
    expect(result.findings.map((f) => `${f.property}: ${f.message}`)).toEqual([]);
    expect(result.requests).toBeGreaterThan(0);
  });

  it('folding ranges and symbols of a 10,000-deep document (the recursive walk overflowed the stack)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-deep-'));
    const server = await startServer({ serverPath: SERVER, rootPath: dir });
    try {
      const uri = pathToUri(path.join(dir, 'deep.xml'));
      const deep = '<a>\n'.repeat(10_000) + '</a>\n'.repeat(10_000);
      const text = `<users>\n<user>\n<primary_id>u1</primary_id>\n${deep}</user>\n</users>\n`;
      await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version: 1, text } });
      const folds = await withDeadline(server.connection.sendRequest('textDocument/foldingRange', { textDocument: { uri } }), 60_000);
      expect(Array.isArray(folds) && folds.length).toBeGreaterThan(10_000);
      await withDeadline(server.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } }), 60_000);
      expect(server.logs.filter((l) => l.type === 1).map((l) => l.message)).toEqual([]);
      expect(server.exited()).toBeUndefined();
    } finally {
      await server.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
