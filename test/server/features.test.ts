import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeAction,
  CodeLens,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  InlayHint,
  TextEdit,
} from 'vscode-languageserver-protocol';
import { Commands, type UserPreviewArgs } from '../../shared/src/protocol';
import { fileUri, positionAt, startTestServer, type TestClient } from './harness';

const ws = join(__dirname, '../fixtures/server/workspace');
const usersXml = readFileSync(join(ws, 'users.xml'), 'utf8');

function offsetAt(text: string, p: { line: number; character: number }): number {
  const lines = text.split('\n');
  let o = 0;
  for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
  return o + p.character;
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  for (const e of sorted) text = text.slice(0, offsetAt(text, e.range.start)) + e.newText + text.slice(offsetAt(text, e.range.end));
  return text;
}

function lineOf(text: string, needle: string): number {
  return positionAt(text, text.indexOf(needle)).line;
}

describe('features', () => {
  let client: TestClient;
  const uri = fileUri(join(ws, 'users.xml'));
  beforeAll(async () => {
    client = await startTestServer({ folder: ws });
    await client.open(uri, usersXml);
    await client.diagnosticsFor(uri, 1);
  });
  afterAll(async () => {
    await client.close();
  });

  it('code lenses: per user and per protected field, titled when resolved, opening the user preview', async () => {
    const lenses = (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    // Unresolved: positions only.
    expect(lenses.every((l) => l.command === undefined)).toBe(true);
    const resolved = await Promise.all(lenses.map((l) => client.connection.sendRequest('codeLens/resolve', l) as Promise<CodeLens>));
    const titles = resolved.map((l) => [l.range.start.line, l.command?.title]);
    expect(titles).toEqual([
      [lineOf(usersXml, '<user>'), '2 changes, 1 protected kept'],
      [lineOf(usersXml, '<user_group desc="Graduate">'), 'keeps manual value STAFF'],
      [lineOf(usersXml, '<primary_id>asmith') - 1, '1 change, 1 manual change undone'],
      [lineOf(usersXml, '<user_group>UG</user_group>\n    <preferred_language>'), 'reverts manual value STAFF → UG'],
      [lineOf(usersXml, '<primary_id>newbie') - 1, 'new user'],
      [lineOf(usersXml, '<primary_id>intern') - 1, 'rejected: User is not external'],
    ]);
    const cmd = resolved[4].command!;
    expect(cmd.command).toBe(Commands.showUserPreview);
    expect(cmd.arguments?.[0]).toEqual({ uri, index: 2, line: lineOf(usersXml, '<primary_id>newbie') - 1 } satisfies UserPreviewArgs);
  });

  it('inlay hints: what Alma will hold where it differs from the file, and list outcomes, in the range asked', async () => {
    const all = (await client.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: positionAt(usersXml, usersXml.length) },
    })) as InlayHint[];
    const labels = all.map((h) => [h.position.line, h.label]);
    expect(labels).toContainEqual([lineOf(usersXml, '<user_group desc="Graduate">'), '→ STAFF (protected)']);
    expect(labels).toContainEqual([lineOf(usersXml, '</emails>'), '1 external removed · 1 added · 1 external kept · 1 internal kept']);
    // Only the first user's lines: nothing from later users.
    const firstUser = (await client.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: lineOf(usersXml, '<primary_id>asmith'), character: 0 } },
    })) as InlayHint[];
    expect(firstUser.every((h) => h.position.line < lineOf(usersXml, '<primary_id>asmith'))).toBe(true);
    expect(firstUser.length).toBe(2);
  });

  it('inlay hints: fields the file leaves out, after the <user> start tag', async () => {
    // asmith without its preferred_language: Alma holds en, and en is also the default.
    const uri2 = fileUri(join(ws, 'absent.xml'));
    const text = usersXml.replace('<last_name>Doe-Smith</last_name>', '<last_name>Doe-Smith</last_name>').replace('    <campus_code>MAIN</campus_code>\n', '');
    await client.open(uri2, text);
    const hints = (await client.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri: uri2 },
      range: { start: { line: 0, character: 0 }, end: positionAt(text, text.length) },
    })) as InlayHint[];
    expect(hints.map((h) => [h.position, h.label])).toContainEqual([{ line: lineOf(text, '<user>'), character: '  <user>'.length }, 'not in the file: campus_code cleared']);
  });

  it('inlay hints: turned off by the setting', async () => {
    const c = await startTestServer({ folder: ws, config: { inlayHints: false } });
    await c.open(uri, usersXml);
    const hints = (await c.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: positionAt(usersXml, usersXml.length) },
    })) as InlayHint[];
    expect(hints).toEqual([]);
    await c.close();
  });

  it('document symbols: one per user (primary id and name) with its fields', async () => {
    const symbols = (await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as DocumentSymbol[];
    expect(symbols.map((s) => [s.name, s.detail])).toEqual([
      ['jdoe', 'Jane Doe-Smith'],
      ['asmith', 'Alan Smith'],
      ['newbie', 'Nora Newman'],
      ['intern', 'Ivan Inside'],
    ]);
    const fields = symbols[0].children!.map((c) => c.name);
    expect(fields).toEqual(['primary_id', 'first_name', 'last_name', 'user_group', 'campus_code', 'expiry_date', 'status', 'contact_info', 'user_identifiers']);
    expect(symbols[0].children![3].detail).toBe('GRAD');
    expect(symbols[0].children![7].children![0].name).toBe('emails');
  });

  it('folding ranges: the root, every user and every multi-line element', async () => {
    const ranges = (await client.connection.sendRequest('textDocument/foldingRange', { textDocument: { uri } })) as FoldingRange[];
    const starts = ranges.map((r) => r.startLine);
    expect(starts).toContain(lineOf(usersXml, '<users>'));
    for (const id of ['jdoe', 'asmith', 'newbie', 'intern']) expect(starts).toContain(lineOf(usersXml, `<primary_id>${id}`) - 1);
    expect(starts).toContain(lineOf(usersXml, '<emails>'));
    const user = ranges.find((r) => r.startLine === lineOf(usersXml, '<primary_id>newbie') - 1)!;
    expect(user.endLine).toBe(lineOf(usersXml, '<primary_id>intern') - 3);
  });
});

describe('quick fixes', () => {
  const broken = usersXml
    .replace('<email preferred="true">', '<email preferred="TRUE">')
    .replace('<expiry_date>2031-06-30</expiry_date>', '<expiry_date>2031-6-3</expiry_date>')
    .replace('<email>\n          <email_address>jd@example.org</email_address>\n          <email_types>\n            <email_type>personal</email_type>\n          </email_types>\n        </email>',
      '<email preferred="true">\n          <email_address>jd@example.org</email_address>\n        </email>\n        <email preferred="true">\n          <email_address>x@example.org</email_address>\n          <email_types/>\n        </email>')
    .replace('<first_name>Alan</first_name>', '<first_name>Alan</first_name>\n    <campus_code/>')
    .replace('<campus_code>MAIN</campus_code>', '<campus_code></campus_code>')
    .replace('</users>', '  <user>\n    <primary_id>NEWBIE</primary_id>\n    <last_name>Again</last_name>\n  </user>\n</users>');
  let client: TestClient;
  let diagnostics: Diagnostic[];
  const uri = fileUri(join(ws, 'fixes.xml'));
  beforeAll(async () => {
    client = await startTestServer({ folder: ws });
    await client.open(uri, broken);
    diagnostics = await client.diagnosticsFor(uri, 1);
  });
  afterAll(async () => {
    await client.close();
  });

  async function fix(code: string, title?: RegExp, onLine?: string): Promise<{ action: CodeAction; text: string }> {
    const d = diagnostics.find((x) => x.code === code && (!onLine || broken.split('\n')[x.range.start.line].includes(onLine)));
    expect(d, `a ${code} diagnostic`).toBeDefined();
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: d!.range,
      context: { diagnostics: [d] },
    })) as CodeAction[];
    const action = title ? actions.find((a) => title.test(a.title)) : actions[0];
    expect(action, `a fix for ${code}`).toBeDefined();
    return { action: action!, text: applyEdits(broken, action!.edit!.changes![uri]) };
  }

  it('TRUE → true', async () => {
    const { text } = await fix('invalid-boolean');
    expect(text).toBe(broken.replace('preferred="TRUE"', 'preferred="true"'));
  });

  it('a date without its leading zeros', async () => {
    const { text } = await fix('invalid-date');
    expect(text).toBe(broken.replace('2031-6-3<', '2031-06-03<'));
  });

  it('the missing email_types wrapper', async () => {
    const { text } = await fix('missing-types-wrapper');
    expect(text).toBe(broken.replace('<email_address>jd@example.org</email_address>\n', '<email_address>jd@example.org</email_address>\n          <email_types/>\n'));
  });

  it('a second preferred="true"', async () => {
    const { text } = await fix('multiple-preferred');
    const d = diagnostics.find((x) => x.code === 'multiple-preferred')!;
    const line = broken.split('\n')[d.range.start.line];
    expect(text.split('\n')[d.range.start.line]).toBe(line.replace(' preferred="true"', ''));
    expect(text.length).toBe(broken.length - ' preferred="true"'.length);
  });

  it('an empty element that would wipe data: keep what Alma holds, or remove it', async () => {
    const { text: kept } = await fix('empty-value', /Keep what Alma holds now: MAIN/, '<campus_code></campus_code>');
    expect(kept).toBe(broken.replace('<campus_code></campus_code>', '<campus_code>MAIN</campus_code>'));
    const { text: removed } = await fix('empty-value', /Remove/, '<campus_code></campus_code>');
    expect(removed).toBe(broken.replace('\n    <campus_code></campus_code>', ''));
  });

  it('a grouped finding: its later occurrences are related information, and keep their quick fixes', async () => {
    // Both empty campus codes (two users) are one grouped empty-value diagnostic, at the first.
    const grouped = diagnostics.filter((x) => x.code === 'empty-value');
    expect(grouped).toHaveLength(1);
    expect(broken.split('\n')[grouped[0].range.start.line]).toContain('<campus_code></campus_code>');
    expect(grouped[0].message).toMatch(/\(and 1 more users\)$/);
    const later = grouped[0].relatedInformation?.find((r) => broken.split('\n')[r.location.range.start.line].includes('<campus_code/>'));
    expect(later, 'the second empty campus_code as related information').toBeDefined();
    // With the cursor there, no diagnostic of its own: the fixes come all the same.
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: later!.location.range,
      context: { diagnostics: [] },
    })) as CodeAction[];
    const remove = actions.find((a) => /Remove/.test(a.title));
    expect(remove, `a fix at the later occurrence; got ${actions.map((a) => a.title).join(', ')}`).toBeDefined();
    expect(applyEdits(broken, remove!.edit!.changes![uri])).toBe(broken.replace('\n    <campus_code/>', ''));
  });

  it('a duplicate user: remove the later one', async () => {
    const { text } = await fix('duplicate-user');
    expect(text).toBe(usersXml
      .replace('<email preferred="true">', '<email preferred="TRUE">')
      .replace('<expiry_date>2031-06-30</expiry_date>', '<expiry_date>2031-6-3</expiry_date>')
      .replace(/<email>\n {10}<email_address>jd@example.org<\/email_address>\n {10}<email_types>\n {12}<email_type>personal<\/email_type>\n {10}<\/email_types>\n {8}<\/email>/,
        '<email preferred="true">\n          <email_address>jd@example.org</email_address>\n        </email>\n        <email preferred="true">\n          <email_address>x@example.org</email_address>\n          <email_types/>\n        </email>')
      .replace('<first_name>Alan</first_name>', '<first_name>Alan</first_name>\n    <campus_code/>')
      .replace('<campus_code>MAIN</campus_code>', '<campus_code></campus_code>'));
  });
});

describe('broken input', () => {
  it('a broken user hides nothing else: diagnostics, hovers and lenses for the others still work', async () => {
    const ws2 = join(__dirname, '../fixtures/server/workspace');
    const c = await startTestServer({ folder: ws2 });
    const uri = fileUri(join(ws2, 'broken.xml'));
    const text = usersXml.replace('<last_name>Doe-Smith</last_name>', '<last_name>Doe-Smith</last_nam>').replace('<first_name>Alan</first_name>', '<first_name>Alan &bogus; <</first_name>');
    await c.open(uri, text);
    const diags = await c.diagnosticsFor(uri, 1);
    expect(diags.map((d) => d.code)).toContain('not-well-formed');
    const at = text.indexOf('<primary_id>intern') + 14;
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: positionAt(text, at) })) as { contents: { value: string } };
    expect(hover.contents.value).toContain('User is not external');
    const lenses = (await c.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    expect(lenses.length).toBeGreaterThanOrEqual(4);
    expect(c.logs.filter((l) => l.includes('failed'))).toEqual([]);
    await c.close();
  });

  it('requests on a document that is not open, or at positions outside any user, answer empty', async () => {
    const c = await startTestServer({});
    const uri = 'untitled:nothing';
    expect(await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } })).toBeNull();
    await c.open(uri, '<?xml version="1.0"?>\n<users>\n</users>\n');
    expect(await c.diagnosticsFor(uri, 1)).toBeDefined();
    expect(await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 2 } })).toBeNull();
    expect(await c.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })).toEqual([]);
    expect(await c.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: 1, character: 2 } })).toBeNull();
    await c.close();
  });
});
