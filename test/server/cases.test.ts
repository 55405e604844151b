/**
 * Walks `test/fixtures/server/cases/*`: each folder holds `input.xml` with a `|` marking the
 * cursor and `expected.json` saying what the request at the cursor must answer. The document
 * is opened inside the fixture workspace, so it uses that workspace's snapshot (and, when the
 * case's settings say so, its code tables). Adding a case means adding a folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionList, Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import { cursor, fileUri, startTestServer, type TestClient } from './harness';

const fixtures = join(__dirname, '../fixtures/server');
const ws = join(fixtures, 'workspace');
const casesDir = join(fixtures, 'cases');

interface Expected {
  request: 'hover' | 'completion' | 'definition';
  settings?: Record<string, unknown>;
  contains?: string[];
  notContains?: string[];
  labels?: string[];
  notLabels?: string[];
  details?: Record<string, string>;
  file?: string;
  lineContains?: string;
}

const cases = readdirSync(casesDir).sort();

describe('cursor fixtures', () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await startTestServer({ folder: ws });
  });
  afterAll(async () => {
    await client.close();
  });

  it('has cases', () => expect(cases.length).toBeGreaterThan(5));

  for (const name of cases) {
    it(name, async () => {
      const expected = JSON.parse(readFileSync(join(casesDir, name, 'expected.json'), 'utf8')) as Expected;
      const { text, position } = cursor(readFileSync(join(casesDir, name, 'input.xml'), 'utf8'));
      client.config = expected.settings ?? {};
      await client.configChanged();
      // Beside the workspace's snapshot, under a name of its own.
      const uri = fileUri(join(ws, `${name}.xml`));
      await client.open(uri, text);
      const params = { textDocument: { uri }, position };
      try {
        if (expected.request === 'hover') {
          const hover = (await client.connection.sendRequest('textDocument/hover', params)) as Hover | null;
          expect(hover).not.toBeNull();
          const value = (hover!.contents as MarkupContent).value;
          for (const s of expected.contains ?? []) expect(value).toContain(s);
          for (const s of expected.notContains ?? []) expect(value).not.toContain(s);
        } else if (expected.request === 'completion') {
          const list = (await client.connection.sendRequest('textDocument/completion', params)) as CompletionList | null;
          expect(list).not.toBeNull();
          const labels = list!.items.map((i) => i.label);
          for (const l of expected.labels ?? []) expect(labels).toContain(l);
          for (const l of expected.notLabels ?? []) expect(labels).not.toContain(l);
          for (const [label, detail] of Object.entries(expected.details ?? {})) {
            expect(list!.items.find((i) => i.label === label)?.detail).toBe(detail);
          }
        } else {
          const loc = (await client.connection.sendRequest('textDocument/definition', params)) as Location | null;
          expect(loc).not.toBeNull();
          expect(loc!.uri).toBe(fileUri(join(ws, expected.file!)));
          const line = readFileSync(join(ws, expected.file!), 'utf8').split('\n')[loc!.range.start.line];
          expect(line).toContain(expected.lineContains);
        }
      } finally {
        await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      }
    });
  }
});
