/**
 * The language server publishes a harmless finding repeated across users once per document
 * (docs/diagnostics.md, "Grouped findings"), as the command line reports it, and keeps it
 * right after edits that reuse the per-user caches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { GROUPED_RELATED_LIMIT } from '../../shared/src/analysis';
import { DEFAULT_SETTINGS } from '../../shared/src/settings';
import { LineIndex } from '../../shared/src/text/lines';
import { checkText } from '../../server/src/cli/check';
import { berkeleyStyleFile } from '../berkeleyFile';
import { fileUri, startTestServer, type TestClient } from './harness';

let client: TestClient | undefined;
let dir: string | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const key = (d: { code?: unknown; message: string; range: Diagnostic['range'] }) =>
  `${String(d.code)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;

/** What `alma-sis validate` reports for the text (grouped), as keys comparable with the server's. */
function cliKeys(text: string): string[] {
  const today = new Date().toISOString().slice(0, 10);
  return checkText('x.xml', text, [], { settings: DEFAULT_SETTINGS, today }).diagnostics.map(key).sort();
}

describe('grouped findings in the language server', () => {
  it('2,000 Berkeley-style users: at most 10 warnings, the same as the command line; every rejected user its own error', async () => {
    // An empty folder: no snapshot, so the diagnostics are the file's alone.
    dir = mkdtempSync(join(tmpdir(), 'alma-lsp-group-'));
    client = await startTestServer({ folder: dir });
    const uri = fileUri(join(dir, 'berkeley.xml'));
    const text = berkeleyStyleFile(2000, { errorEvery: 100 });
    await client.open(uri, text);
    const diags = await client.diagnosticsFor(uri, 1);
    expect(diags.filter((d) => d.severity === DiagnosticSeverity.Warning).length).toBeLessThanOrEqual(10);
    expect(diags.filter((d) => d.severity === DiagnosticSeverity.Error)).toHaveLength(20);
    expect(diags.map(key).sort()).toEqual(cliKeys(text));

    const segment = diags.find((d) => d.code === 'segment-type-ignored')!;
    expect(segment.message).toMatch(/\(6,000 times in 2,000 users\)$/);
    expect(segment.relatedInformation).toHaveLength(GROUPED_RELATED_LIMIT);
    const lines = new LineIndex(text);
    const second = segment.relatedInformation![0].location;
    expect(second.uri).toBe(uri);
    const at = lines.offsetAt(second.range.start);
    expect(text.slice(at, lines.offsetAt(second.range.end))).toBe('Internal');

    // An edit in one user (the caches serve the others): still grouped, still what a full check says.
    const edited = text.indexOf('segment_type="Internal"', text.indexOf('<primary_id>10000500<'));
    await client.edit(uri, edited, edited + 'segment_type="Internal"'.length, 'segment_type="External"');
    const after = await client.diagnosticsFor(uri, 2);
    expect(after.find((d) => d.code === 'segment-type-ignored')!.message).toMatch(/\(5,999 times in 2,000 users\)$/);
    expect(after.map(key).sort()).toEqual(cliKeys(client.text(uri)));
  });
});
