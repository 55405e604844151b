/**
 * Properties over generated files and snapshots (fast-check):
 * - applying a plan, then planning the same file again, gives every non-rejected user `unchanged`;
 * - a user absent from the file is byte-identical after apply;
 * - internal segments survive any file;
 * - the summary counts equal the per-user outcomes.
 * Values come from small pools so that matches, collisions and protections happen often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlan, planFile } from '../../shared/src/engine';
import { recordFromApi } from '../../shared/src/sis/record';
import { parseSnapshot, serializeSnapshot } from '../../shared/src/snapshot/snapshot';
import { incoming, settings, snapshotText, type SnapUser } from './helpers';

const IDS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'U1', 'U3'];
const NAMES = ['Doe', 'Smith', 'Lee', ''];
const GROUPS = ['GRAD', 'UG', 'STAFF', 'FACULTY'];
const LANGS = ['en', 'de', 'fr'];
const LIBS = ['MAIN', 'LAW', 'MED'];
const BARCODES = ['B1', 'B2', 'B3', 'b1', 'u2'];
const MAILS = ['a@x', 'b@x', 'c@x'];

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

interface GenUser {
  id: string;
  last?: string;
  group?: string;
  lang?: string;
  job?: string;
  libs?: string[];
  barcodes: string[];
  mails: { addr: string; preferred: boolean }[];
  pin?: string;
  pref?: string;
  status?: string;
  researcher?: string;
}

const genUser: fc.Arbitrary<GenUser> = fc.record({
  id: fc.constantFrom(...IDS),
  last: opt(fc.constantFrom(...NAMES)),
  group: opt(fc.constantFrom(...GROUPS)),
  lang: opt(fc.constantFrom(...LANGS)),
  job: opt(fc.constantFrom('Lab', 'Desk')),
  libs: opt(fc.subarray(LIBS)),
  barcodes: fc.array(fc.constantFrom(...BARCODES), { maxLength: 2 }),
  mails: fc.array(fc.record({ addr: fc.constantFrom(...MAILS), preferred: fc.boolean() }), { maxLength: 2 }),
  pin: opt(fc.constantFrom('1111', '2222', '')),
  pref: opt(fc.constantFrom('Jo', 'Al', '')),
  status: opt(fc.constantFrom('ACTIVE', 'INACTIVE')),
  researcher: opt(fc.constantFrom('Ada', 'Ben')),
});

const genAlma = fc.record({
  base: genUser,
  internal: fc.boolean(),
  internalMail: opt(fc.constantFrom(...MAILS)),
  internalBarcode: opt(fc.constantFrom('I1', 'I2')),
  protect: fc.subarray(['user_group', 'preferred_language', 'rs_libraries', 'pin_number', 'pref_first_name'] as const),
  /** Written as the Users API answers: every list present ([] when empty), empty codes as {"value": null}, no pin_number. */
  apiShape: fc.boolean(),
  last: fc.constantFrom<string | null>('GRAD', 'en', null, 'MAIN'),
});

type AlmaGen = typeof genAlma extends fc.Arbitrary<infer T> ? T : never;

function toXml(u: GenUser): string {
  let s = `<primary_id>${u.id}</primary_id>`;
  if (u.last !== undefined) s += `<last_name>${u.last}</last_name>`;
  if (u.group !== undefined) s += `<user_group desc="d">${u.group}</user_group>`;
  if (u.lang !== undefined) s += `<preferred_language>${u.lang}</preferred_language>`;
  if (u.job !== undefined) s += `<job_description>${u.job}</job_description>`;
  if (u.libs !== undefined) s += `<rs_libraries>${u.libs.map((l) => `<rs_library><code>${l}</code></rs_library>`).join('')}</rs_libraries>`;
  if (u.mails.length > 0) {
    s += `<contact_info><emails>${u.mails.map((m) => `<email preferred="${m.preferred}"><email_address>${m.addr}</email_address><email_types><email_type>school</email_type></email_types></email>`).join('')}</emails></contact_info>`;
  }
  if (u.barcodes.length > 0) {
    s += `<user_identifiers>${u.barcodes.map((b) => `<user_identifier><id_type>BARCODE</id_type><value>${b}</value></user_identifier>`).join('')}</user_identifiers>`;
  }
  if (u.pin !== undefined) s += `<pin_number>${u.pin}</pin_number>`;
  if (u.pref !== undefined) s += `<pref_first_name>${u.pref}</pref_first_name>`;
  if (u.status !== undefined) s += `<status>${u.status}</status>`;
  if (u.researcher !== undefined) s += `<researcher><researcher_first_name>${u.researcher}</researcher_first_name><researcher_alternate_emails/></researcher>`;
  return `  <user>${s}</user>\n`;
}

function toAlma(a: AlmaGen): SnapUser {
  const u = a.base;
  const user: Record<string, unknown> = {
    primary_id: u.id,
    account_type: { value: a.internal ? 'INTERNAL' : 'EXTERNAL' },
    status: 'ACTIVE',
    user_role: [{ role_type: { value: '200' } }],
  };
  if (u.last !== undefined) user.last_name = u.last;
  if (u.group !== undefined) user.user_group = { value: u.group, desc: 'x' };
  if (u.lang !== undefined) user.preferred_language = u.lang;
  if (u.job !== undefined) user.job_description = u.job;
  if (u.libs !== undefined) user.rs_library = u.libs.map((l) => ({ code: { value: l } }));
  const mails = u.mails.map((m) => ({ email_address: m.addr, preferred: String(m.preferred), email_type: [{ value: 'school' }], segment_type: 'External' }));
  if (a.internalMail) mails.push({ email_address: a.internalMail, preferred: 'false', email_type: [{ value: 'work' }], segment_type: 'Internal' });
  user.contact_info = { email: mails };
  const ids = u.barcodes.map((b) => ({ id_type: { value: 'BARCODE' }, value: b }) as Record<string, unknown>);
  if (a.internalBarcode) ids.push({ id_type: { value: 'BARCODE' }, value: a.internalBarcode, segment_type: 'Internal' });
  user.user_identifier = ids;
  if (u.pref !== undefined) user.pref_first_name = u.pref;
  if (u.status !== undefined) user.status = { value: u.status };
  if (u.researcher !== undefined) user.researcher = { researcher_first_name: u.researcher, researcher_alternate_email: [] };
  if (a.apiShape) {
    // What a real GET returns: empty lists as [], empty codes as {"value": null} or "", no pin_number.
    for (const k of ['user_note', 'user_block', 'user_statistic', 'rs_library', 'library_notice', 'proxy_for_user']) user[k] ??= [];
    user.contact_info = { address: [], phone: [], ...(user.contact_info as object) };
    for (const k of ['campus_code', 'job_category', 'user_title', 'gender']) user[k] ??= { value: null, desc: '' };
    for (const k of ['job_description', 'pref_first_name', 'pref_middle_name', 'pref_last_name', 'birth_date']) user[k] ??= '';
    user.researcher ??= null;
  } else if (u.pin !== undefined) {
    user.pin_number = u.pin;
  }
  const entry: SnapUser = { user };
  if (a.protect.length > 0) {
    const prot: Record<string, unknown> = {};
    for (const f of a.protect) prot[f] = { lastSisValue: f === 'rs_libraries' ? (a.last === null ? (a.apiShape ? [] : null) : [a.last]) : a.last === null && a.apiShape ? { value: null } : a.last };
    entry.sync = { protected: prot };
  }
  return entry;
}

const genCase = fc.record({
  file: fc.array(genUser, { minLength: 1, maxLength: 6 }),
  alma: fc.array(genAlma, { maxLength: 6 }),
  extraAbsent: fc.boolean(),
  emptyProtected: fc.constantFrom('clear', 'keep'),
  mode: fc.constantFrom('synchronize', 'synchronize', 'import'),
});

type CaseGen = typeof genCase extends fc.Arbitrary<infer T> ? T : never;

function build(c: CaseGen) {
  const xml = `<?xml version="1.0"?>\n<users>\n${c.file.map(toXml).join('')}</users>\n`;
  // Snapshot primary ids are unique (ignoring case), as in Alma.
  const seen = new Set<string>();
  const alma = c.alma.filter((a) => !seen.has(a.base.id.toLowerCase()) && seen.add(a.base.id.toLowerCase())).map(toAlma);
  if (c.extraAbsent) alma.push({ user: { primary_id: 'zz-absent', account_type: { value: 'EXTERNAL' }, last_name: 'Away' }, note: 'x' });
  const text = snapshotText(alma);
  const snap = parseSnapshot(text).snapshot!;
  const s = settings({ emptyProtectedField: c.emptyProtected, mode: c.mode });
  return { xml, text, snap, s };
}

describe('engine properties', () => {
  it('apply, then plan the same file again: every user not rejected is unchanged (snapshots in the Users API shape too: empty lists, no pin_number)', () => {
    fc.assert(
      fc.property(genCase, (c) => {
        const { xml, snap, s } = build(c);
        const inc = incoming(xml);
        const first = planFile(inc, snap, s);
        const next = parseSnapshot(serializeSnapshot(applyPlan(snap, first, inc, s))).snapshot!;
        const second = planFile(inc, next, s);
        first.users.forEach((u, k) => {
          if (u.outcome !== 'rejected') expect({ k, outcome: second.users[k].outcome, fields: second.users[k].fields.filter((f) => f.action !== 'keep-protected').map((f) => f.field), segments: second.users[k].segments.map((g) => g.list) }).toEqual({ k, outcome: 'unchanged', fields: [], segments: [] });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('users absent from the file, rejected users and users that change nothing are byte-identical after apply', () => {
    fc.assert(
      fc.property(genCase, (c) => {
        const { xml, text, snap, s } = build(c);
        const inc = incoming(xml);
        const p = planFile(inc, snap, s);
        const out = serializeSnapshot(applyPlan(snap, p, inc, s));
        // Updated users, and those whose PIN the Users API could not show (apply stores the file's).
        const touched = new Set(p.users.filter((u) => u.outcome === 'updated' || (u.unknownInAlma?.length ?? 0) > 0).map((u) => u.match!.snapshotIndex));
        snap.users.forEach((e, k) => {
          if (!touched.has(k)) expect(out).toContain(text.slice(e.span!.start, e.span!.end));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('internal segments survive any file', () => {
    fc.assert(
      fc.property(genCase, (c) => {
        const { xml, snap, s } = build(c);
        const inc = incoming(xml);
        const next = applyPlan(snap, planFile(inc, snap, s), inc, s);
        snap.users.forEach((e, k) => {
          const before = recordFromApi(e.user);
          const after = recordFromApi(next.users[k].user);
          for (const list of ['emails', 'identifiers'] as const) {
            const keys = (r: typeof before) => r.segments[list].filter((i) => i.segmentType === 'Internal').map((i) => i.key);
            expect(keys(after)).toEqual(keys(before));
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('summary counts equal the per-user outcomes', () => {
    fc.assert(
      fc.property(genCase, (c) => {
        const { xml, snap, s } = build(c);
        const p = planFile(incoming(xml), snap, s);
        const count = (o: string) => p.users.filter((u) => u.outcome === o).length;
        expect(p.summary).toEqual({ processed: p.users.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), rejected: count('rejected') });
        expect(p.summary.processed).toBe(c.file.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('robustness', () => {
  const FRAGMENTS = [
    '<primary_id>a</primary_id>', '<primary_id>', '</primary_id>', '<user_group desc="x">G</user_group>', '<user_group/>', '<contact_info>', '</contact_info>',
    '<emails><email preferred="TRUE"><email_address>x</email_address></email></emails>', '<user_identifiers><user_identifier><value>a</value></user_identifier></user_identifiers>',
    '<rs_libraries><rs_library><code/></rs_library><rs_library>X</rs_library></rs_libraries>', '<library_notices><library_notice><value>maybe</value></library_notice></library_notices>',
    '<user_notes><user_note><note_type><x/></note_type></user_note></user_notes>', '&amp;', '&bogus;', '<![CDATA[<user>]]>', '<!-- c -->', '<user>', '</user>', '<', '>', 'text', '"',
    '<preferred_language>  </preferred_language>', '<is_researcher>yes</is_researcher>', '<user_statistics><user_statistic/></user_statistics>',
  ];
  it('planning and applying never throw, whatever the file holds', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })), { maxLength: 12 }), { maxLength: 5 }), (users) => {
        const xml = `<users>${users.map((u) => `<user>${u.join('')}</user>`).join('\n')}</users>`;
        const snap = parseSnapshot(snapshotText([{ user: { primary_id: 'a', account_type: 'EXTERNAL', rs_library: [{ code: 'X' }] }, sync: { protected: { rs_libraries: { lastSisValue: [] } } } }])).snapshot!;
        const s = settings();
        const inc = incoming(xml);
        const p = planFile(inc, snap, s);
        expect(p.summary.processed).toBe(inc.length);
        const next = serializeSnapshot(applyPlan(snap, p, inc, s));
        expect(parseSnapshot(next).snapshot).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });
});
