/**
 * Matching, outcomes and rejections (M1–M3, M8, M9, import mode), in Alma's words.
 */
import { describe, expect, it } from 'vitest';
import { indexSnapshot, planUser, prepareFeed, RULES, SOURCES, summarize } from '../../shared/src/engine';
import { almaUser, incoming, plan, settings, sisFile, snapshot } from './helpers';

const barcode = (v: string, seg = 'External') => ({ id_type: { value: 'BARCODE' }, value: v, segment_type: seg });
const xmlId = (type: string, v: string) => `<user_identifiers><user_identifier><id_type>${type}</id_type><value>${v}</value></user_identifier></user_identifiers>`;

describe('matching (M1)', () => {
  it('matches primary_id ignoring case', () => {
    const p = plan(sisFile('<primary_id>JDOE</primary_id><last_name>X</last_name>'), [{ user: almaUser('jdoe') }]);
    expect(p.users[0].outcome).toBe('updated');
    expect(p.users[0].match).toEqual({ rule: 'match-primary-id', snapshotIndex: 0 });
    expect(p.users[0].matchValue).toBe('JDOE');
  });

  it('matches on an identifier type when matchBy names one (case-insensitive value, any segment type)', () => {
    const p = plan(sisFile('<primary_id>jdoe</primary_id>' + xmlId('UNIV_ID', 'U-77')), [
      { user: almaUser('someone-else', { user_identifier: [{ id_type: { value: 'UNIV_ID' }, value: 'u-77', segment_type: 'Internal' }] }) },
    ], { matchBy: 'UNIV_ID' });
    expect(p.users[0].match?.rule).toBe('match-identifier');
    expect(p.users[0].matchValue).toBe('U-77');
    expect(p.users[0].outcome).toBe('updated'); // primary_id set, the internal identifier stays
  });

  it('no match → created (M2), with the rule', () => {
    const p = plan(sisFile('<primary_id>new</primary_id>'), [{ user: almaUser('other') }]);
    expect(p.users[0].outcome).toBe('created');
    expect(p.users[0].rule).toBe('create-new-user');
  });

  it('a user without the Match ID value is rejected', () => {
    const p = plan(sisFile('<primary_id>x</primary_id>'), [], { matchBy: 'UNIV_ID' });
    expect(p.users[0].outcome).toBe('rejected');
    expect(p.users[0].rule).toBe('reject-missing-match-id');
    expect(p.users[0].matchValue).toBeNull();
  });
});

describe('rejections in Alma\'s wording', () => {
  it('M3: a matched INTERNAL user → "User is not external"', () => {
    const p = plan(sisFile('<primary_id>fkhan</primary_id>'), [{ user: almaUser('fkhan', { account_type: { value: 'INTERNAL' } }) }]);
    expect(p.users[0].outcome).toBe('rejected');
    expect(p.users[0].reasons).toEqual(['User is not external']);
    expect(p.users[0].fields).toEqual([]);
  });

  it('an identifier held by another Alma user → already taken AcrossInstitution', () => {
    const p = plan(sisFile('<primary_id>hpark</primary_id>' + xmlId('BARCODE', 'b9000')), [
      { user: almaUser('hpark') },
      { user: almaUser('zold', { user_identifier: [barcode('B9000')] }) },
    ]);
    expect(p.users[0].outcome).toBe('rejected');
    expect(p.users[0].reasons).toEqual(['Identifier of type BARCODE and value b9000 is already taken AcrossInstitution']);
    expect(p.users[0].rejections[0].otherUser).toBe(1);
  });

  it('an identifier equal to another user\'s primary_id is taken too (values are unique across types)', () => {
    const p = plan(sisFile('<primary_id>new</primary_id>' + xmlId('BARCODE', 'ZOLD')), [{ user: almaUser('zold') }]);
    expect(p.users[0].reasons).toEqual(['Identifier of type BARCODE and value ZOLD is already taken AcrossInstitution']);
  });

  it('the matched user\'s own identifiers are not "taken"', () => {
    const p = plan(sisFile('<primary_id>jdoe</primary_id>' + xmlId('BARCODE', 'B1')), [{ user: almaUser('jdoe', { user_identifier: [barcode('B1', 'Internal')] }) }]);
    expect(p.users[0].outcome).not.toBe('rejected');
  });

  it('M8: the same primary id twice in the feed: the first wins, the later is rejected "in this feed"', () => {
    const p = plan(sisFile('<primary_id>g</primary_id>', '<primary_id>other</primary_id>', '<primary_id>G</primary_id>'), []);
    expect(p.users.map((u) => u.outcome)).toEqual(['created', 'created', 'rejected']);
    expect(p.users[2].reasons).toEqual(['Identifier of type primary_id and value G is already taken AcrossInstitution in this feed']);
    expect(p.users[2].rejections[0].otherUser).toBe(0);
  });

  it('M8: an identifier value shared by two users of the feed', () => {
    const p = plan(sisFile('<primary_id>a</primary_id>' + xmlId('BARCODE', 'B5'), '<primary_id>b</primary_id>' + xmlId('UNIV_ID', 'b5')), []);
    expect(p.users[1].reasons).toEqual(['Identifier of type UNIV_ID and value b5 is already taken AcrossInstitution in this feed']);
    expect(p.users[0].outcome).toBe('created');
  });

  it('M8: the same value in two slots of one user (primary id = barcode)', () => {
    const p = plan(sisFile('<primary_id>x1</primary_id>' + xmlId('BARCODE', 'X1')), []);
    expect(p.users[0].outcome).toBe('rejected');
    expect(p.users[0].rule).toBe('reject-duplicate-in-feed');
  });

  it('every rejection names a rule of the catalogue', () => {
    const p = plan(sisFile('<primary_id>a</primary_id>', '<primary_id>a</primary_id>'), []);
    for (const r of p.users[1].rejections) expect(RULES[r.rule]).toBeDefined();
  });
});

describe('import mode', () => {
  it('a matched user is not imported: unchanged with a reason; a new one is created', () => {
    const p = plan(sisFile('<primary_id>jdoe</primary_id><last_name>Other</last_name>', '<primary_id>new</primary_id>'), [{ user: almaUser('jdoe', { last_name: 'Doe' }) }], { mode: 'import' });
    expect(p.users.map((u) => u.outcome)).toEqual(['unchanged', 'created']);
    expect(p.users[0].reasons[0]).toMatch(/Import mode/);
    expect(p.users[0].rule).toBe('import-existing-user');
    expect(p.users[0].fields).toEqual([]);
  });
});

describe('outcome and summary (M9)', () => {
  it('summary counts equal the per-user outcomes', () => {
    const p = plan(sisFile('<primary_id>a</primary_id>', '<primary_id>b</primary_id><last_name>B</last_name>', '<primary_id>c</primary_id>', '<primary_id>c</primary_id>'), [
      { user: almaUser('a') },
      { user: almaUser('b') },
    ]);
    expect(p.summary).toEqual({ processed: 4, created: 1, updated: 1, unchanged: 1, rejected: 1 });
    expect(summarize(p.users)).toEqual(p.summary);
  });

  it('one user at a time against a prepared index and feed gives the same plan as the whole file', () => {
    const xml = sisFile('<primary_id>a</primary_id><last_name>A</last_name>', '<primary_id>b</primary_id>', '<primary_id>A</primary_id>');
    const s = settings();
    const snap = snapshot([{ user: almaUser('a') }]);
    const users = incoming(xml);
    const index = indexSnapshot(snap, s);
    const feed = prepareFeed(users.map((u) => ({ index: u.index, identifiers: u.record.identifiers })));
    const one = users.map((u) => planUser(u, index, feed));
    expect(one).toEqual(plan(xml, [{ user: almaUser('a') }]).users);
  });
});

describe('mandatory segment values (the messages institutions report)', () => {
  it('an identifier without a value rejects the user', () => {
    const p = plan(sisFile('<primary_id>a</primary_id><user_identifiers><user_identifier><id_type>BARCODE</id_type><value></value></user_identifier></user_identifiers>'), []);
    expect(p.users[0].outcome).toBe('rejected');
    expect(p.users[0].reasons).toEqual(['Mandatory field is missing: User identifier value']);
    expect(p.users[0].rejections[0].span).toBeDefined();
  });

  it('a statistic without a category rejects the user', () => {
    const p = plan(sisFile('<primary_id>a</primary_id><user_statistics><user_statistic><statistic_category/></user_statistic></user_statistics>'), [{ user: almaUser('a') }]);
    expect(p.users[0].reasons).toEqual(['User Rejected: missing a mandatory field: statistical category']);
  });
});

describe('the snapshot index', () => {
  it('keys read alone equal the full record\'s identifiers; records are built on demand and equal recordFromApi', async () => {
    const { apiUserKeys, recordFromApi } = await import('../../shared/src/sis/record');
    const users = [
      almaUser('A', { user_identifier: [{ id_type: { value: 'BARCODE' }, value: ' b1 ', segment_type: 'internal' }, { id_type: 'UNIV_ID', value: 7 }, { value: '' }] }),
      almaUser('b', { user_identifiers: { user_identifier: { id_type: { value: 'X' }, value: 'x1' } }, account_type: 'internal' }),
      { primary_id: { value: 'c' } },
    ];
    for (const u of users) {
      const full = recordFromApi(u);
      const keys = apiUserKeys(u);
      expect(keys.identifiers).toEqual(full.identifiers);
      expect(keys.accountType).toBe(full.accountType);
    }
    const snap = snapshot(users.map((user) => ({ user })));
    const index = indexSnapshot(snap, settings());
    expect(index.size).toBe(3);
    expect(index.record(1)).toEqual(recordFromApi(users[1]));
    expect([0, 1, 2].map((k) => index.record(k)?.accountType)).toEqual(['EXTERNAL', 'INTERNAL', null]);
    expect(index.byIdentifier.get('b1')).toEqual([0]);
  });
});

describe('the rule catalogue', () => {
  it('every rule names its source document and has one sentence; docs/plan.md names every rule', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const readme = fs.readFileSync(path.resolve(__dirname, '../../docs/plan.md'), 'utf8');
    for (const [id, info] of Object.entries(RULES)) {
      expect(Object.values(SOURCES)).toContain(info.source);
      expect(info.summary).toMatch(/^[A-Z].*\.$/);
      expect(readme, id).toContain(`\`${id}\``);
    }
  });
});
