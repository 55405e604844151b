import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import {
  ERROR_KINDS,
  errorPlan,
  fileUser,
  generateSisXml,
  generateSnapshot,
  writeSisXml,
} from '../../tools/generate';
import { parseGenArgs, runGen } from '../../tools/genfiles';

const XSD = resolve(__dirname, '../../../shared/schema/rest_users.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const canValidate = hasXmllint && existsSync(XSD);
if (!canValidate) {
  console.warn(`skipping XSD checks of the generator: ${hasXmllint ? `${XSD} is missing (../shared not present)` : 'xmllint is not installed (apt-get install libxml2-utils)'}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'gen-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function xmllint(path: string): { ok: boolean; stderr: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, path], { encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr };
}

const users = (xml: string): string[] => xml.split('<user>').slice(1);

describe('generator: determinism', () => {
  it('gives the same files for the same seed and different ones for another seed', () => {
    const a = generateSisXml({ users: 300, seed: 42, errors: 5 });
    const b = generateSisXml({ users: 300, seed: 42, errors: 5 });
    const c = generateSisXml({ users: 300, seed: 43, errors: 5 });
    expect(a.xml).toBe(b.xml);
    expect(a.summary).toEqual(b.summary);
    expect(c.xml).not.toBe(a.xml);
    expect(generateSnapshot({ users: 300, seed: 42 }).json).toBe(generateSnapshot({ users: 300, seed: 42 }).json);
    expect(generateSnapshot({ users: 300, seed: 43 }).json).not.toBe(generateSnapshot({ users: 300, seed: 42 }).json);
  });

  it('recomputes any single user on its own (what lets XML and snapshot stream separately)', () => {
    const { xml } = generateSisXml({ users: 50, seed: 9 });
    const u17 = fileUser({ users: 50, seed: 9 }, 17);
    expect(users(xml)[17]).toContain(`<primary_id>${u17.primaryId}</primary_id>`);
  });

  it('hands the file over one user at a time (streamed, never whole)', () => {
    let pieces = 0;
    let largest = 0;
    writeSisXml({ users: 2000, seed: 1 }, (p) => {
      pieces++;
      largest = Math.max(largest, p.length);
    });
    expect(pieces).toBe(2002);
    expect(largest).toBeLessThan(10_000);
  });
});

describe('generator: the SIS file', () => {
  const { xml } = generateSisXml({ users: 1500, seed: 7 });

  it('has the field mix of the corpus', () => {
    const all = users(xml);
    const share = (re: RegExp) => all.filter((u) => re.test(u)).length / all.length;
    expect(all).toHaveLength(1500);
    // dates with and without Z, codes with and without desc
    expect(share(/<expiry_date>\d{4}-\d\d-\d\dZ</)).toBeGreaterThan(0.1);
    expect(share(/<expiry_date>\d{4}-\d\d-\d\d</)).toBeGreaterThan(0.1);
    expect(share(/<user_group desc="/)).toBeGreaterThan(0.1);
    expect(share(/<user_group>/)).toBeGreaterThan(0.1);
    // segments, types and flags
    expect(share(/<address_type/)).toBeGreaterThan(0.5);
    expect(share(/<email_type/)).toBeGreaterThan(0.5);
    expect(share(/<phone_type/)).toBeGreaterThan(0.3);
    expect(share(/preferred_sms="true"/)).toBeGreaterThan(0.02);
    expect(share(/<id_type>BARCODE</)).toBeGreaterThan(0.2);
    expect(share(/UNIV_ID</)).toBeGreaterThan(0.2);
    expect(share(/<statistic_category/)).toBeGreaterThan(0.3);
    expect(share(/<user_note[ >]/)).toBeGreaterThan(0.01);
    expect(share(/<user_block[ >]/)).toBeGreaterThan(0.002);
    // 1 to 3 identifiers per user
    const idCounts = all.map((u) => (u.match(/<user_identifier[ >]/g) ?? []).length);
    expect(Math.min(...idCounts)).toBe(1);
    expect(Math.max(...idCounts)).toBe(3);
    // characters that must be escaped, and non-ASCII names
    expect(xml).toContain('&amp;');
    expect(xml).toMatch(/[éëöü]/);
  });

  it('has unique primary ids and identifier values (case-insensitive) without --errors', () => {
    const ids = [...xml.matchAll(/<primary_id>([^<]*)</g)].map((m) => m[1].toLowerCase());
    expect(new Set(ids).size).toBe(ids.length);
    const values = [...xml.matchAll(/<\/id_type>\s*<value>([^<]*)</g)].map((m) => m[1].toLowerCase());
    expect(new Set(values).size).toBe(values.length);
  });

  it('is well-formed XML', () => {
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml);
    expect(parsed.users.user).toHaveLength(1500);
  });

  it.skipIf(!canValidate)('is valid against Alma\'s rest_users.xsd (xmllint)', () => {
    for (const seed of [1, 2]) {
      const path = join(tmp, `valid-${seed}.xml`);
      runGen({ opts: { users: 2000, seed }, out: tmp, snapshot: false, name: `valid-${seed}` });
      const r = xmllint(path);
      expect(r.stderr.split('\n').slice(0, 5).join('\n')).toMatch(/validates/);
      expect(r.ok).toBe(true);
    }
  });
});

describe('generator: deliberate errors', () => {
  const opts = { users: 400, seed: 11, errors: ERROR_KINDS.length };
  const { xml, summary } = generateSisXml(opts);

  it('puts one error of each kind into distinct users and says where', () => {
    expect(summary.errors.map((e) => e.kind).sort()).toEqual([...ERROR_KINDS].sort());
    expect(new Set(summary.errors.map((e) => e.index)).size).toBe(ERROR_KINDS.length);
    const lines = xml.split('\n');
    for (const e of summary.errors) expect(lines[e.line - 1].trim()).toBe('<user>');
    const byKind = new Map(summary.errors.map((e) => [e.kind, users(xml)[e.index]]));
    expect(byKind.get('bad-date')).toMatch(/<expiry_date>\d{4}-13-01</);
    expect(byKind.get('bad-boolean')).toContain('preferred="TRUE"');
    expect(byKind.get('missing-primary-id')).not.toContain('<primary_id>');
    expect(byKind.get('empty-identifier-value')).toContain('<value/>');
    expect(byKind.get('empty-statistic-category')).toContain('<statistic_category desc=""/>');
    expect(byKind.get('too-long')).toMatch(/<first_name>[^<]{256}</);
    expect(byKind.get('contact-info-order')!.indexOf('<emails')).toBeLessThan(byKind.get('contact-info-order')!.indexOf('<addresses'));
    const dupId = summary.errors.find((e) => e.kind === 'duplicate-primary-id')!;
    expect(dupId.primaryId).toBe(fileUser(opts, dupId.index - 1, new Map()).primaryId);
    const dupIdent = users(xml)[summary.errors.find((e) => e.kind === 'duplicate-identifier')!.index - 1].match(/<value>([^<]+)</)![1];
    expect(byKind.get('duplicate-identifier')).toContain(`<value>${dupIdent}</value>`);
    const email = byKind.get('missing-email-types')!.match(/<email [^>]*>[\s\S]*?<\/email>/)![0];
    expect(email).not.toContain('email_types');
  });

  it('spreads K errors over K users even when K exceeds the kinds', () => {
    expect(errorPlan({ users: 1000, seed: 1, errors: 25 }).size).toBe(25);
    expect(errorPlan({ users: 3, seed: 1, errors: 25 }).size).toBeLessThanOrEqual(3);
  });

  it.skipIf(!canValidate)('the schema errors are the ones xmllint finds', () => {
    runGen({ opts, out: tmp, snapshot: false, name: 'errors' });
    const r = xmllint(join(tmp, 'errors.xml'));
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain("'xs:date'");
    expect(r.stderr).toContain("'TRUE' is not a valid value");
    expect(r.stderr).toContain('maxLength');
    expect(r.stderr).toMatch(/Element 'emails': This element is not expected/);
    const errs = JSON.parse(readFileSync(join(tmp, 'errors.errors.json'), 'utf8'));
    expect(errs.errors).toHaveLength(ERROR_KINDS.length);
  });
});

describe('generator: the snapshot (docs/plan.md)', () => {
  const opts = { users: 2000, seed: 5 };
  const { json, stats } = generateSnapshot(opts);
  const snap = JSON.parse(json);
  const { xml } = generateSisXml(opts);
  const fileIds = new Set([...xml.matchAll(/<primary_id>([^<]*)</g)].map((m) => m[1]));

  type Entry = { user: Record<string, unknown> & { primary_id: string; contact_info: Record<string, unknown[]> }; sync?: { protected: Record<string, { lastSisValue: unknown }> } };
  const entries: Entry[] = snap.users;

  it('has the contract shape', () => {
    expect(snap.format).toBe('alma-sis-snapshot');
    expect(snap.version).toBe(1);
    expect(snap.profile.matchBy).toBe('primary_id');
    expect(entries.length).toBe(stats.users);
    for (const { user } of entries) {
      expect(typeof user.primary_id).toBe('string');
      expect(user.user_group).toEqual({ value: expect.any(String), desc: expect.any(String) });
      expect(user.account_type).toEqual({ value: expect.stringMatching(/^(EXTERNAL|INTERNAL)$/), desc: expect.any(String) });
      for (const k of ['user_identifier', 'user_statistic', 'user_note', 'user_block', 'user_role']) expect(Array.isArray(user[k])).toBe(true);
      for (const k of ['address', 'email', 'phone']) expect(Array.isArray(user.contact_info[k])).toBe(true);
      for (const id of user.user_identifier as { id_type: unknown; value: unknown; segment_type: unknown }[]) {
        expect(id.id_type).toEqual({ value: expect.any(String), desc: expect.any(String) });
        expect(typeof id.value).toBe('string');
        expect(['External', 'Internal']).toContain(id.segment_type);
      }
      for (const a of user.contact_info.address as { address_type: unknown[] }[]) expect(a.address_type.length).toBeGreaterThan(0);
    }
  });

  it('has users only in the snapshot, users new in the file, and internal segments', () => {
    const snapIds = new Set(entries.map((e) => e.user.primary_id));
    expect(entries.filter((e) => !fileIds.has(e.user.primary_id)).length).toBe(stats.onlyInSnapshot);
    expect(stats.onlyInSnapshot).toBeGreaterThan(0);
    expect([...fileIds].filter((id) => !snapIds.has(id)).length).toBe(stats.newInFile);
    expect(stats.newInFile).toBeGreaterThan(0);
    const internal = entries.filter((e) => JSON.stringify(e.user).includes('"segment_type":"Internal"'));
    expect(internal.length).toBe(stats.internalSegments);
    expect(stats.internalSegments).toBeGreaterThan(0);
    expect(entries.filter((e) => (e.user.account_type as { value: string }).value === 'INTERNAL').length).toBe(stats.internalAccounts);
  });

  it('protects a share of fields, some of which revert (lastSisValue = the incoming value)', () => {
    const fileUsers = new Map(users(xml).map((u) => [u.match(/<primary_id>([^<]*)</)![1], u]));
    const prot = entries.filter((e) => e.sync?.protected);
    expect(prot.length / entries.length).toBeGreaterThan(0.05);
    let reverting = 0;
    let keeping = 0;
    for (const e of prot) {
      for (const [field, p] of Object.entries(e.sync!.protected)) {
        expect(p).toHaveProperty('lastSisValue');
        const raw = fileUsers.get(e.user.primary_id);
        if (!raw || typeof p.lastSisValue !== 'string') continue;
        const incoming = raw.match(new RegExp(`<${field}(?: desc="[^"]*")?>([^<]*)</${field}>`))?.[1];
        const manual = e.user[field];
        const manualValue = typeof manual === 'object' && manual ? (manual as { value: string }).value : manual;
        expect(manualValue).not.toBe(incoming);
        if (incoming === p.lastSisValue) reverting++;
        else keeping++;
      }
    }
    expect(reverting).toBeGreaterThan(0);
    expect(keeping).toBeGreaterThan(0);
    expect(stats.revertingFields).toBeGreaterThanOrEqual(reverting);
  });
});

describe('gen command line', () => {
  it('parses its flags and refuses bad ones with a message', () => {
    expect(parseGenArgs(['--users', '10', '--seed=3', '--errors', '2', '--snapshot', '--out', 'x'])).toEqual({
      opts: { users: 10, seed: 3, errors: 2 },
      out: 'x',
      snapshot: true,
      name: 'users',
    });
    expect(() => parseGenArgs([])).toThrow(/--users is required/);
    expect(() => parseGenArgs(['--users', 'ten'])).toThrow(/--users needs a whole number/);
    expect(() => parseGenArgs(['--users', '5', '--bogus'])).toThrow(/unknown argument "--bogus"/);
    expect(() => parseGenArgs(['--users', '5', '--name', '../x'])).toThrow(/plain file name/);
  });

  it('writes the file, the snapshot and the error list', () => {
    const out = join(tmp, 'cli');
    const r = runGen({ opts: { users: 120, seed: 2, errors: 3 }, out, snapshot: true, name: 'campus' });
    expect(r.files.map((f) => f.path.slice(out.length + 1))).toEqual(['campus.xml', 'campus.errors.json', 'campus.alma-snapshot.json']);
    expect(readFileSync(join(out, 'campus.xml'), 'utf8')).toBe(generateSisXml({ users: 120, seed: 2, errors: 3 }).xml);
    expect(readFileSync(join(out, 'campus.alma-snapshot.json'), 'utf8')).toBe(generateSnapshot({ users: 120, seed: 2, errors: 3 }).json);
    expect(r.files[0].bytes).toBe(Buffer.byteLength(readFileSync(join(out, 'campus.xml'), 'utf8')));
  });

  it.skipIf(!existsSync(resolve(__dirname, '../../dist/tools/gen.js')))('exits 2 with a usage message on bad usage (built bundle)', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [resolve(__dirname, '../../dist/tools/gen.js'), '--users', '-1'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/^gen: --users needs a whole number/);
  });
});
