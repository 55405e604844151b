/**
 * The server's caches across the versions of an open document (the users' findings with their
 * grouping, `findings.ts`; the users' code lenses, `features/codeLens.ts`): after any edit, the
 * diagnostics and the lenses are exactly those of the same text freshly opened.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver';
import { readSnapshotText } from '../../shared/src/analysis';
import { DEFAULT_EDITOR_OPTIONS } from '../../shared/src/editorSettings';
import { settingsFrom, type Settings } from '../../shared/src/settings';
import { readSisDocument, updateSisDocument } from '../../shared/src/sis/read';
import type { FeedContext } from '../../shared/src/engine/types';
import { snapshotProfile } from '../../shared/src/snapshot/snapshot';
import { snapshotFromBytes, type SnapshotOnDisk } from '../../server/src/io/snapshotFile';
import { applyChanges, EditableTextDocument } from '../../server/src/lsp/documents';
import { codeLenses } from '../../server/src/lsp/features/codeLens';
import { createEnv, DocumentModel, type Env } from '../../server/src/lsp/model';
import { generateSisXml, generateSnapshot, Rng } from '../../tools/generate';
import { randomEdit } from '../../tools/fuzz/mutate';
import { berkeleyStyleFile } from '../berkeleyFile';

const URI = 'file:///campus/users.xml';

function inputs(users: number, seed: number): { text: string; env: () => Env } {
  const text = generateSisXml({ users, seed, errors: Math.ceil(users / 8) }).xml;
  const snapText = generateSnapshot({ users, seed }).json;
  const { settings } = settingsFrom(snapshotProfile(readSnapshotText(snapText).snapshot!));
  // As the server holds it: the file's bytes, indexed.
  const snapshot = snapshotFromBytes('/campus/users.alma-snapshot.json', Buffer.from(snapText), () => settings);
  return { text, env: () => envOf(settings, snapshot) };
}

function envOf(settings: Settings, snapshot?: SnapshotOnDisk): Env {
  const loaded = snapshot ? { path: snapshot.path, generation: 1, value: snapshot, source: 'setting' as const } : undefined;
  return createEnv('k', new WeakMap(), settings, DEFAULT_EDITOR_OPTIONS, [], loaded, undefined);
}

/** An open document as the server keeps it: edited in place, one Env, each version's model made from the one before. */
class OpenDocument {
  private readonly doc: EditableTextDocument;
  private sis;
  model: DocumentModel;
  text: string;

  constructor(
    text: string,
    private readonly env: Env,
  ) {
    this.text = text;
    this.doc = new EditableTextDocument(URI, 'alma-sis', 1, text);
    this.sis = readSisDocument(text);
    this.model = new DocumentModel(this.doc, this.sis, env);
  }

  edit(start: number, end: number, insert: string): void {
    const range = { start: this.doc.positionAt(start), end: this.doc.positionAt(end) };
    const { doc, span } = applyChanges(this.doc, [{ range, text: insert }], this.doc.version + 1);
    this.sis = span ? updateSisDocument(this.sis, doc, span) : readSisDocument(doc.getText());
    this.text = this.text.slice(0, start) + insert + this.text.slice(end);
    this.model = new DocumentModel(doc, this.sis, this.env, this.model);
  }

  /** Replaces the first occurrence of `what` at or after `from`. */
  replace(what: string, by: string, from = 0): void {
    const at = this.text.indexOf(what, from);
    expect(at).toBeGreaterThanOrEqual(0);
    this.edit(at, at + what.length, by);
  }
}

async function expectSameAsFresh(open: OpenDocument, env: Env): Promise<Diagnostic[]> {
  const fresh = new DocumentModel(TextDocument.create(URI, 'alma-sis', 1, open.text), readSisDocument(open.text), env);
  const got = await open.model.diagnostics();
  expect(got).toEqual(await fresh.diagnostics());
  expect(codeLenses(open.model, 1)).toEqual(codeLenses(fresh, 1));
  return got!;
}

describe('the server keeps per-user findings and lenses across edits', () => {
  it('random edits (typing, lines added and removed, users added and broken): every version as a fresh open says', async () => {
    const { text, env } = inputs(60, 3);
    const open = new OpenDocument(text, env());
    await open.model.diagnostics();
    codeLenses(open.model, 1);
    const rng = new Rng(11);
    for (let k = 0; k < 60; k++) {
      const kind = k % 4;
      if (kind === 0) {
        const e = randomEdit(open.text, rng);
        open.edit(e.start, e.end, e.insert);
      } else if (kind === 1) {
        // A letter typed in a last name (the usual edit: one user's element changes).
        const at = open.text.indexOf('<last_name>', rng.int(0, open.text.length - 1));
        if (at >= 0) open.edit(at + 11, at + 12, rng.chance(0.5) ? 'Q' : '');
      } else if (kind === 2) {
        // A line added or removed: every user after it moves.
        const at = open.text.indexOf('\n', rng.int(0, open.text.length - 1));
        if (at >= 0) open.edit(at, at + (rng.chance(0.5) ? 1 : 0), rng.chance(0.5) ? '\n  ' : '');
      } else {
        // Two users' lenses and plans: a whole user copied elsewhere (more users), or removed.
        const s = open.text.indexOf('<user>', rng.int(0, open.text.length - 1));
        const e = s >= 0 ? open.text.indexOf('</user>', s) : -1;
        if (e >= 0) {
          if (rng.chance(0.5)) open.edit(s, s, open.text.slice(s, e + 7) + '\n');
          else open.edit(s, e + 7, '');
        }
      }
      // Not every version is published (the debounce folds a burst): ask only now and then.
      if (k % 3 === 2) await expectSameAsFresh(open, env());
    }
    await expectSameAsFresh(open, env());
  });

  it('an edit creating a duplicate across users, and one removing it, updates both users', async () => {
    const { text, env } = inputs(30, 5);
    const open = new OpenDocument(text, env());
    const before = await expectSameAsFresh(open, env());
    const ids = [...open.text.matchAll(/<primary_id>([^<]+)<\/primary_id>/g)].map((m) => m[1]);
    const second = open.text.indexOf(`<primary_id>${ids[20]}<`);
    open.replace(`<primary_id>${ids[20]}<`, `<primary_id>${ids[4]}<`, second);
    const dup = await expectSameAsFresh(open, env());
    const lineOf = (id: string) => open.model.doc.positionAt(open.text.indexOf(`<primary_id>${id}<`)).line;
    const about = (line: number) => dup.filter((d) => d.range.start.line === line && !before.some((b) => b.range.start.line === line && b.message === d.message));
    // The later user is told of the duplicate, and the first holder is pointed at.
    expect(about(lineOf(ids[4])).length + about(open.model.doc.positionAt(second).line).length).toBeGreaterThan(0);
    open.replace(`<primary_id>${ids[4]}<`, `<primary_id>${ids[20]}<`, second);
    expect(await expectSameAsFresh(open, env())).toEqual(before);
    // An earlier user takes later users' identifiers: the later users' plans change, not their text.
    const values = [...open.text.matchAll(/<value>([^<]+)<\/value>/g)].map((m) => m[1]);
    open.replace(`<primary_id>${ids[2]}<`, `<primary_id>${ids[25]}<`);
    open.replace(`<value>${values[1]}<`, `<value>${values[values.length - 3]}<`);
    open.replace(`<value>${values[2]}<`, `<value>${values[values.length - 1]}<`);
    await expectSameAsFresh(open, env());
  });

  it('an edit that makes a finding stop repeating ungroups it; one that makes it repeat groups it again', async () => {
    const settings = settingsFrom({}).settings;
    const text = berkeleyStyleFile(3);
    const open = new OpenDocument(text, envOf(settings));
    const grouped = (ds: Diagnostic[]) => ds.find((d) => d.code === 'empty-value')!;
    expect(grouped((await expectSameAsFresh(open, envOf(settings)))!).message).toMatch(/<middle_name>.*\(and 2 more users\)$/);
    // Remove the empty <middle_name/> of the first two users: the third's is the only one left.
    open.replace('<middle_name/>', '');
    open.replace('<middle_name/>', '');
    const alone = grouped((await expectSameAsFresh(open, envOf(settings)))!);
    expect(alone.message).toMatch(/^Empty <middle_name>: .*user\.$/);
    expect(alone.relatedInformation).toBeUndefined();
    expect(alone.range.start.line).toBe(open.model.doc.positionAt(open.text.indexOf('<middle_name/>')).line);
    open.replace('<last_name>', '<middle_name/><last_name>');
    expect(grouped((await expectSameAsFresh(open, envOf(settings)))!).message).toMatch(/\(and 1 more users\)$/);
  });

  it('versions asked out of order (a stale run after a newer one) still get their own diagnostics', async () => {
    const { text, env } = inputs(20, 9);
    const open = new OpenDocument(text, env());
    await open.model.diagnostics();
    const older = open.model;
    const olderText = open.text;
    open.replace('<last_name>', '<last_name>Z', open.text.length >> 1);
    await expectSameAsFresh(open, env());
    const fresh = new DocumentModel(TextDocument.create(URI, 'alma-sis', 1, olderText), readSisDocument(olderText), env());
    // The older model's document object was edited in place: compare what does not depend on it.
    const codes = (ds: Diagnostic[] | undefined) => ds!.map((d) => `${String(d.code)} ${d.message}`);
    expect(codes(await older.diagnostics())).toEqual(codes(await fresh.diagnostics()));
    await expectSameAsFresh(open, env());
  });
});

/** A full garbage collection, for counting what the caches still hold (never for timing). */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Objects a WeakRef was made to in this task stay until it ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
}

describe('a long edit session leaves the caches bounded', () => {
  it('old versions\' feeds are not kept by the users planned under them (counted after a full collection)', async () => {
    const { text, env: makeEnv } = inputs(80, 21);
    const env = makeEnv();
    const open = new OpenDocument(text, env);
    const feeds: WeakRef<FeedContext>[] = [];
    const rng = new Rng(5);
    for (let burst = 0; burst < 30; burst++) {
      // Bursts of ten letters in ten users' last names (the debounce folds them into one
      // version): more users changed than the file-wide facts are reused for, so a new feed.
      for (let k = 0; k < 10; k++) {
        const at = open.text.indexOf('<last_name>', rng.int(0, open.text.length - 1));
        if (at >= 0) open.edit(at + 11, at + 12, rng.chance(0.5) ? 'Q' : 'R');
      }
      await open.model.diagnostics();
      feeds.push(new WeakRef(open.model.analysis.fileFacts().feed!));
      // A hover and the lenses after typing: users planned under this version's feed.
      const users = open.model.sis.users;
      for (let k = 0; k < 3; k++) open.model.plan(users[rng.int(0, users.length - 1)]);
      codeLenses(open.model, 1);
    }
    expect(new Set(feeds.map((f) => f.deref())).size).toBeGreaterThan(20);
    await collectGarbage();
    // The current version's feed (held by its model and by the findings), no older one.
    expect(feeds.filter((f) => f.deref() !== undefined).length).toBeLessThanOrEqual(1);
    await expectSameAsFresh(open, env);
  });
});
