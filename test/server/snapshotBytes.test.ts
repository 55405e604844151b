/**
 * The language server keeps a snapshot file as its bytes and index (`snapshotFromBytes`) where it
 * used to parse it whole. Over generated files and snapshots (internal users, protected fields,
 * drift), everything it shows must be what the parsed snapshot gives: the index's answers, every
 * diagnostic, every user's plan view, the codes hovers and completion offer.
 */
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analysisInputs, codeLabel, codeOffers, protectedFieldsOf, readSnapshotText } from '../../shared/src/analysis';
import { DEFAULT_EDITOR_OPTIONS } from '../../shared/src/editorSettings';
import { indexSnapshot } from '../../shared/src/engine/plan';
import type { SnapshotIndex } from '../../shared/src/engine/types';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { snapshotProfile } from '../../shared/src/snapshot/snapshot';
import { indexWithSettings, snapshotFromBytes } from '../../server/src/io/snapshotFile';
import { createEnv, DocumentModel, type Env } from '../../server/src/lsp/model';
import { generateSisXml, generateSnapshot } from '../../tools/generate';

const sortedMap = (m: Iterable<[string, readonly number[]]>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function sameIndex(held: SnapshotIndex, parsed: SnapshotIndex): void {
  expect(held.size).toBe(parsed.size);
  expect(sortedMap(held.byMatch)).toEqual(sortedMap(parsed.byMatch));
  expect(sortedMap(held.byIdentifier)).toEqual(sortedMap(parsed.byIdentifier));
  for (let k = -1; k <= parsed.size; k++) {
    expect(held.internalOrProtected(k)).toBe(parsed.internalOrProtected(k));
    expect(held.protectedFields(k)).toEqual(parsed.protectedFields(k));
    expect(held.record(k)).toEqual(parsed.record(k));
    const [h, p] = [held.entry(k), parsed.entry(k)];
    expect(h === undefined ? undefined : { user: h.user, protected: [...h.protected] }).toEqual(p === undefined ? undefined : { user: p.user, protected: [...p.protected] });
  }
}

describe('a snapshot held as bytes', () => {
  for (const seed of [3, 11]) {
    it(`shows what the parsed snapshot shows (seed ${seed})`, async () => {
      const text = generateSisXml({ users: 300, seed, errors: 40 }).xml;
      let n = 0;
      // Some matched users internal, so that every kind of snapshot diagnostic occurs.
      const snapText = generateSnapshot({ users: 300, seed }).json.replace(/"EXTERNAL"/g, (m) => (n++ % 9 === 4 ? '"INTERNAL"' : m));
      const parsed = readSnapshotText(snapText).snapshot!;
      const { settings } = settingsFrom(snapshotProfile(parsed));
      const held = snapshotFromBytes('/campus/users.alma-snapshot.json', Buffer.from(snapText), () => settings);
      sameIndex(held.index, indexSnapshot(parsed, settings));
      // Another Match ID than the profile's: indexed again.
      const other = settingsFrom({ ...snapshotProfile(parsed), matchBy: 'BARCODE' }).settings;
      sameIndex(indexWithSettings(held, other), indexSnapshot(parsed, other));

      const fromBytes = createEnv('k', new WeakMap(), settings, DEFAULT_EDITOR_OPTIONS, [], { path: held.path, generation: 1, value: held, source: 'setting' }, undefined);
      const fromParsed: Env = { ...createEnv('p', new WeakMap(), settings, DEFAULT_EDITOR_OPTIONS, [], undefined, undefined), inputs: analysisInputs(settings, { snapshot: parsed, today: fromBytes.inputs.validation.today }) };
      const doc = TextDocument.create('file:///campus/users.xml', 'alma-sis', 1, text);
      const a = new DocumentModel(doc, readSisDocument(text), fromBytes);
      const b = new DocumentModel(doc, readSisDocument(text), fromParsed);
      const diagnostics = (await a.diagnostics())!;
      expect(diagnostics).toEqual(await b.diagnostics());
      expect(diagnostics.some((d) => d.code === 'user-not-external')).toBe(true);
      let withProtected = 0;
      for (let i = 0; i < a.sis.users.length; i++) {
        const [u, v] = [a.sis.users[i], b.sis.users[i]];
        expect(a.plan(u)).toEqual(b.plan(v));
        const fields = protectedFieldsOf(a.analysis.inputs, a.keys(u));
        expect(fields).toEqual(protectedFieldsOf(b.analysis.inputs, b.keys(v)));
        if (fields.length > 0) withProtected++;
      }
      expect(withProtected).toBeGreaterThan(0);
      for (const names of [['user', 'user_group'], ['user', 'campus_code'], ['user', 'user_identifiers', 'user_identifier', 'id_type'], ['user', 'contact_info', 'emails', 'email', 'email_types', 'email_type']]) {
        const offers = codeOffers(a.analysis.inputs, names);
        expect(offers).toEqual(codeOffers(b.analysis.inputs, names));
        for (const o of offers) expect(codeLabel(a.analysis.inputs, names, o.code)).toBe(codeLabel(b.analysis.inputs, names, o.code));
      }
      expect(codeOffers(a.analysis.inputs, ['user', 'user_group']).length).toBeGreaterThan(0);
    });
  }

  it('says why a snapshot cannot be used', () => {
    expect(() => snapshotFromBytes('x', Buffer.from('{ "format": "alma-sis-snapshot", "users": [ '), () => settingsFrom(undefined).settings)).toThrow(/cannot use the snapshot/);
    expect(() => snapshotFromBytes('x', Buffer.from([0x7b, 0xff, 0x7d]), () => settingsFrom(undefined).settings)).toThrow(/not UTF-8/);
  });
});
