/**
 * The document pipeline (what the language server and the preview run) against the engine run
 * over the whole file at once (what the command line's plan does).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysisCaches, analysisInputs, DocumentAnalysis } from '../../shared/src/analysis';
import { incomingUsers, planFile, prepareFeed } from '../../shared/src/engine';
import { settingsFrom } from '../../shared/src/settings';
import { userKeys } from '../../shared/src/sis/keys';
import { recordFromXml } from '../../shared/src/sis/record';
import { readSisDocument, updateSisDocument } from '../../shared/src/sis/read';
import { parseSnapshot, snapshotProfile } from '../../shared/src/snapshot/snapshot';

const root = path.resolve(__dirname, '../..');
const xml = readFileSync(path.join(root, 'example/users.xml'), 'utf8');
const snapshot = parseSnapshot(readFileSync(path.join(root, 'example/users.alma-snapshot.json'), 'utf8')).snapshot!;
const { settings } = settingsFrom(snapshotProfile(snapshot));

describe('the document pipeline', () => {
  it('makes the engine\'s feed from the users\' keys alone, as from their records', () => {
    const text = readFileSync(path.join(root, 'test/fixtures/server/workspace/users.xml'), 'utf8')
      .replace('<primary_id>newbie</primary_id>', '<primary_id>newbie</primary_id><user_identifiers><user_identifier><id_type>X</id_type><value>b1001</value></user_identifier><user_identifier><id_type>Y</id_type><value> </value></user_identifier></user_identifiers>')
      .replace('<primary_id>intern</primary_id>', '<primary_id>JDOE</primary_id>');
    const sis = readSisDocument(text);
    const fromKeys = prepareFeed(sis.users.map((u) => ({ index: u.index, identifiers: userKeys(u.element, settings).identifiers })));
    const fromRecords = prepareFeed(sis.users.map((u) => ({ index: u.index, identifiers: recordFromXml(u.element).identifiers })));
    expect([...fromKeys.firstHolder].sort()).toEqual([...fromRecords.firstHolder].sort());
    expect(fromKeys.firstHolder.get('b1001')).toBe(0);
  });

  it('plans every user as the engine plans the whole file, also after edits that re-plan some users', () => {
    const inputs = analysisInputs(settings, { snapshot, today: '2026-01-01' });
    const caches = analysisCaches();
    let sis = readSisDocument(xml);
    let analysis = new DocumentAnalysis(sis, inputs, caches);
    expect(analysis.wholePlan()).toEqual(planFile(incomingUsers(sis), snapshot, settings));
    // Rename the later gnguyen (no longer "in this feed"), then give it back its id.
    let text = xml;
    for (const [from, to] of [['<primary_id>gnguyen</primary_id>', '<primary_id>gnguyen2</primary_id>'], ['<primary_id>gnguyen2</primary_id>', '<primary_id>gnguyen</primary_id>']]) {
      const at = text.lastIndexOf(from);
      text = text.slice(0, at) + to + text.slice(at + from.length);
      sis = updateSisDocument(sis, text, { start: at, end: at + from.length, newLength: to.length });
      analysis = new DocumentAnalysis(sis, inputs, caches, analysis);
      const whole = planFile(incomingUsers(readSisDocument(text)), snapshot, settings);
      expect(analysis.wholePlan()).toEqual(whole);
    }
    expect(analysis.wholePlan()!.summary.rejected).toBeGreaterThan(0);
  });
});
