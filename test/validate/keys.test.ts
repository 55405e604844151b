import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsFrom } from '../../shared/src/settings';
import { userKeys } from '../../shared/src/sis/keys';
import { readSisDocument } from '../../shared/src/sis/read';
import { fileWideProblems } from '../../shared/src/validate/file';
import { analyzeUser } from '../../shared/src/validate/user';

const xml = `<users>
<user><primary_id> JDoe </primary_id><user_identifiers>
  <user_identifier><id_type>BARCODE</id_type><value>B1</value></user_identifier>
  <user_identifier><id_type>UNIV_ID</id_type><value>u-1</value></user_identifier>
  <user_identifier><id_type>UNIV_ID</id_type><value/></user_identifier>
</user_identifiers></user>
<user><first_name>No id</first_name></user>
</users>`;

describe('userKeys', () => {
  const doc = readSisDocument(xml);
  const [u1, u2] = doc.users;
  const slice = (u: typeof u1, s: number, e: number) => xml.slice(u.start + s, u.start + e);

  it('matches on primary_id, trimmed, compared lower-cased', () => {
    const k = userKeys(u1.element, DEFAULT_SETTINGS);
    expect(k.matchValue).toBe('JDoe');
    expect(k.matchKey).toBe('jdoe');
    expect(k.primaryId).toBe('JDoe');
    expect(slice(u1, k.matchStart, k.matchEnd)).toBe(' JDoe ');
    expect(k.identifiers.map((i) => [i.type, i.value])).toEqual([['primary_id', 'JDoe'], ['BARCODE', 'B1'], ['UNIV_ID', 'u-1'], ['UNIV_ID', '']]);
    expect(slice(u1, k.identifiers[2].start, k.identifiers[2].end)).toBe('u-1');
    expect(slice(u1, k.identifiers[3].start, k.identifiers[3].end)).toBe('value');
  });

  it('matches on an identifier type, ignoring the case of the type and skipping empty values', () => {
    const k = userKeys(u1.element, settingsFrom({ matchBy: 'univ_id' }).settings);
    expect(k.matchValue).toBe('u-1');
    expect(k.matchKey).toBe('u-1');
  });

  it('has no match value when the user lacks it; the range is the user name', () => {
    const k = userKeys(u2.element, DEFAULT_SETTINGS);
    expect(k.matchValue).toBeNull();
    expect(k.matchKey).toBeNull();
    expect(slice(u2, k.matchStart, k.matchEnd)).toBe('user');
    expect(k.identifiers).toEqual([]);
  });
});

describe('per-user results are pure and reusable', () => {
  it('analysing the same element twice gives equal results, and the file-wide check needs only the keys', () => {
    const text = `<users>${'<user><primary_id>a</primary_id><first_name>A</first_name></user>'.repeat(3)}</users>`;
    const doc = readSisDocument(text);
    const ctx = { today: '2026-01-01' };
    const first = doc.users.map((u) => analyzeUser(u.element, ctx));
    const again = doc.users.map((u) => analyzeUser(u.element, ctx));
    expect(again).toEqual(first);
    const dup = fileWideProblems(doc.users.map((u, i) => ({ start: u.start, keys: first[i].keys })));
    expect(dup.map((p) => [p.code, text.slice(p.start, p.end)])).toEqual([['duplicate-user', 'a'], ['duplicate-user', 'a']]);
    expect(dup.map((p) => p.start)).toEqual([doc.users[1].start + first[1].keys.matchStart, doc.users[2].start + first[2].keys.matchStart]);
  });
});
