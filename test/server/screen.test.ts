/**
 * The language server plans, for diagnostics, only the users whose plan can hold a snapshot
 * diagnostic (`mayHaveSnapshotProblems`). Over generated files and snapshots (with errors, and
 * with protected fields, internal users and taken identifiers mixed in), the diagnostics must
 * be exactly those of planning every user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { readSnapshotText, snapshotProblems } from '../../shared/src/analysis';
import { createEnv, DocumentModel } from '../../server/src/lsp/model';
import { snapshotFromBytes } from '../../server/src/io/snapshotFile';
import { readSisDocument } from '../../shared/src/sis/read';
import { snapshotProfile } from '../../shared/src/snapshot/snapshot';
import { DEFAULT_EDITOR_OPTIONS } from '../../shared/src/editorSettings';
import { settingsFrom } from '../../shared/src/settings';

const root = join(__dirname, '../..');
const gen = join(root, 'dist/tools/gen.js');

describe.skipIf(!existsSync(gen))('snapshot diagnostics with the cheap screen', () => {
  it('equal planning every user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alma-screen-'));
    try {
      execFileSync(process.execPath, [gen, '--users', '400', '--seed', '7', '--errors', '30', '--snapshot', '--out', dir], { stdio: 'ignore' });
      const text = readFileSync(join(dir, 'users.xml'), 'utf8');
      let snapText = readFileSync(join(dir, 'users.alma-snapshot.json'), 'utf8');
      // Make some matched users internal, so every kind of snapshot diagnostic occurs.
      let n = 0;
      snapText = snapText.replace(/"EXTERNAL"/g, (m) => (n++ % 7 === 3 ? '"INTERNAL"' : m));
      const snap = readSnapshotText(snapText).snapshot;
      expect(snap).toBeDefined();
      const { settings } = settingsFrom(snapshotProfile(snap!));
      const held = snapshotFromBytes('x', Buffer.from(snapText), () => settings);
      const env = createEnv('k', new WeakMap(), settings, DEFAULT_EDITOR_OPTIONS, [], { path: 'x', generation: 1, value: held, source: 'setting' }, undefined);
      const doc = TextDocument.create('file:///x.xml', 'alma-sis', 1, text);
      const model = new DocumentModel(doc, readSisDocument(text), env);
      const got = (await model.diagnostics())!.filter((d) => ['identifier-taken', 'user-not-external', 'reverts-override'].includes(String(d.code)));
      const all: string[] = [];
      for (const u of model.sis.users) {
        const plan = model.plan(u)!;
        for (const p of snapshotProblems(u.element, plan, model.keys(u), 'information')) {
          all.push(`${p.code}@${u.start + p.start}-${u.start + p.end}`);
        }
      }
      const key = (d: { code?: unknown; range: { start: { line: number; character: number }; end: { line: number; character: number } } }) =>
        `${String(d.code)}@${doc.offsetAt(d.range.start)}-${doc.offsetAt(d.range.end)}`;
      expect(got.map(key).sort()).toEqual(all.sort());
      expect(new Set(got.map((d) => d.code)).size).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
