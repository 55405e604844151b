/**
 * Real Users API answers (`../shared/corpus/api`) against real SIS files (`../shared/corpus/sis`):
 * - every answer imports into a snapshot (`alma-sis snapshot import`);
 * - the SIS file that says exactly what Alma holds (each answer written back as the SIS user it
 *   came from) plans as `unchanged` for every user (read as external): the API's own shape (`[]`, `null`,
 *   `{"value": null, "desc": ""}`, no `pin_number`, booleans as strings or not) makes no change;
 * - every real SIS file, planned against that snapshot (where users are shared, and as new users
 *   where not), asks for no change Alma would not make: nothing listed that is empty on both
 *   sides, no field the SIS load never writes, no PIN the API could not show, no preferred name
 *   cleared by a blank.
 * Skipped, with a message, when the shared corpus is absent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUserExport } from '../../shared/src/snapshot/import';
import { cli } from '../engine/cliHelper';
import { CORPUS_SIS, HAVE_SHARED, SHARED } from './shared';

const CORPUS_API = path.join(SHARED, 'corpus', 'api');
const HAVE_API = HAVE_SHARED && fs.existsSync(CORPUS_API);
if (!HAVE_API) console.warn(`corpus plan tests skipped: ${CORPUS_API} not found (the shared corpus lives beside the repository as ../shared, or set ALMA_SIS_SHARED)`);

/** API list names → the SIS wrapper and item elements (the Users API JSON shape, docs/plan.md). */
const LISTS: Readonly<Record<string, readonly [string, string]>> = {
  user_identifier: ['user_identifiers', 'user_identifier'],
  user_note: ['user_notes', 'user_note'],
  user_block: ['user_blocks', 'user_block'],
  user_statistic: ['user_statistics', 'user_statistic'],
  rs_library: ['rs_libraries', 'rs_library'],
  library_notice: ['library_notices', 'library_notice'],
  address: ['addresses', 'address'],
  email: ['emails', 'email'],
  phone: ['phones', 'phone'],
  address_type: ['address_types', 'address_type'],
  email_type: ['email_types', 'email_type'],
  phone_type: ['phone_types', 'phone_type'],
};
/** What the SIS load never reads (the validator calls them ignored-by-sis): not written back. */
const NOT_SENT = new Set(['record_type', 'account_type', 'external_id', 'password', 'force_password_change', 'full_name', 'status_date', 'last_patron_activity_date', 'requests', 'loans', 'fees', 'user_role', 'proxy_for_user', 'link', 'source_link_id', 'source_institution_code', 'linking_id', 'segment_type', 'created_by', 'created_date', 'category_type', 'note_owner', 'block_owner', 'statistic_owner', 'researcher']);
const ATTRIBUTES = new Set(['preferred', 'preferred_sms']);

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One API value as SIS XML: codes with their `desc`, lists in their wrappers, empty things left out. */
function toXml(name: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  if (Array.isArray(v)) {
    const wrap = LISTS[name];
    if (!wrap) return '';
    // The SIS sends only its own (External) items; staff's Internal ones stay in Alma.
    const own = v.filter((x) => String((x as { segment_type?: unknown })?.segment_type ?? '').toLowerCase() !== 'internal');
    const items = own.map((x) => toXml(wrap[1], x)).join('');
    return `<${wrap[0]}>${items}</${wrap[0]}>`;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('value' in o && Object.keys(o).every((k) => k === 'value' || k === 'desc' || k === 'link')) {
      if (o.value === null || o.value === undefined || o.value === '') return '';
      const desc = typeof o.desc === 'string' && o.desc !== '' ? ` desc="${esc(o.desc)}"` : '';
      return `<${name}${desc}>${esc(String(o.value))}</${name}>`;
    }
    let attrs = '';
    let body = '';
    for (const [k, x] of Object.entries(o)) {
      if (NOT_SENT.has(k)) continue;
      if (ATTRIBUTES.has(k)) {
        if (x !== null && x !== undefined && x !== '') attrs += ` ${k}="${String(x)}"`;
      } else body += toXml(k, x);
    }
    // The schema requires the type wrappers and the note's booleans even when the answer omits them.
    if (name === 'user_note') for (const b of ['user_viewable', 'popup_note']) if (!body.includes(`<${b}>`)) body += `<${b}>false</${b}>`;
    if (name === 'contact_info') {
      const order = ['addresses', 'emails', 'phones'];
      const parts = order.map((w) => new RegExp(`<${w}>.*?</${w}>`, 's').exec(body)?.[0] ?? '');
      body = parts.join('');
    }
    return `<${name}${attrs}>${body}</${name}>`;
  }
  return `<${name}>${esc(String(v))}</${name}>`;
}

function userAsSis(user: Record<string, unknown>): string {
  return toXml('user', user);
}

let dir: string;
let snapshotPath: string;
let apiUsers: Record<string, unknown>[] = [];

beforeAll(async () => {
  if (!HAVE_API) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-corpus-plan-'));
  for (const f of fs.readdirSync(CORPUS_API).sort()) {
    const { users, problems } = readUserExport(fs.readFileSync(path.join(CORPUS_API, f), 'utf8'));
    expect(problems.filter((p) => p.severity === 'error'), f).toEqual([]);
    apiUsers.push(...users);
  }
  // One user per primary id (the same fixture user is stored as JSON and as XML).
  const seen = new Set<string>();
  apiUsers = apiUsers.filter((u) => !seen.has(String(u.primary_id).toLowerCase()) && seen.add(String(u.primary_id).toLowerCase()));
  // Internal users would only be rejected ("User is not external"): their answers are read as
  // external ones too, so that every real answer's shape is compared.
  apiUsers = apiUsers.map((u) => ({ ...u, account_type: { value: 'EXTERNAL', desc: 'External' } }));
  const exportPath = path.join(dir, 'export.json');
  fs.writeFileSync(exportPath, JSON.stringify({ user: apiUsers, total_record_count: apiUsers.length }));
  snapshotPath = path.join(dir, 'corpus.alma-snapshot.json');
  const r = await cli(['snapshot', 'import', '--users', exportPath, '--out', snapshotPath]);
  expect(r.code, r.err).toBe(0);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Field {
  field: string;
  before: unknown;
  incoming: unknown;
  after: unknown;
  action: string;
}
const empty = (v: unknown) => v === null || (Array.isArray(v) && v.length === 0);

describe.skipIf(!HAVE_API)('real Users API answers against real SIS files', () => {
  it('the file that says what Alma holds plans every user as unchanged', async () => {
    expect(apiUsers.length).toBeGreaterThanOrEqual(4);
    const file = path.join(dir, 'round-trip.xml');
    fs.writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n${apiUsers.map(userAsSis).join('\n')}\n</users>\n`);
    const r = await cli(['plan', file, '--snapshot', snapshotPath, '--format', 'json']);
    const plan = JSON.parse(r.out);
    expect(plan.users).toHaveLength(apiUsers.length);
    for (const u of plan.users) {
      expect({ id: u.primaryId, outcome: u.outcome, fields: u.fields, segments: u.segments, reasons: u.reasons }).toEqual({ id: u.primaryId, outcome: 'unchanged', fields: [], segments: [], reasons: [] });
    }
  });

  it('every real SIS file asks for no change Alma would not make', async () => {
    const files = fs.readdirSync(CORPUS_SIS).filter((f) => f.endsWith('.xml')).sort();
    let planned = 0;
    for (const f of files) {
      for (const matchBy of ['primary_id', 'BARCODE']) {
        const r = await cli(['plan', path.join(CORPUS_SIS, f), '--snapshot', snapshotPath, '--format', 'json', '--match-by', matchBy]);
        if (r.code === 2) continue; // not a file Alma can read as a whole
        const plan = JSON.parse(r.out);
        for (const u of plan.users) {
          planned++;
          for (const x of u.fields as Field[]) {
            const where = `${f} (${matchBy}) ${u.primaryId} ${x.field}`;
            // Nothing against nothing is no change, unless Alma writes a default.
            if (x.action !== 'default' && x.action !== 'keep-protected') expect(empty(x.before) && empty(x.after), where).toBe(false);
            // Fields the SIS load never writes.
            expect(['account_type', 'external_id', 'password', 'force_password_change', 'record_type', 'full_name', 'status_date'], where).not.toContain(x.field);
            // The API never shows a PIN: without one in the snapshot, nothing to compare.
            if (x.field === 'pin_number' && u.outcome !== 'created') expect(empty(x.before), where).toBe(false);
            // A blank preferred name never clears Alma's.
            if (x.field.startsWith('pref_')) expect(x.action, where).not.toBe('clear');
          }
        }
      }
    }
    expect(planned).toBeGreaterThan(10);
  });
});
