/**
 * Deterministic generator of realistic SIS user files (Alma "Users Synchronize" input, Alma's
 * `rest_user.xsd`) and matching Users-API snapshots (docs/plan.md), for tests, benchmarks and the docs.
 *
 * Pure: no Node built-ins. Output is handed piece by piece to a `write` callback so a caller can
 * stream 100k users (~160 MB) to disk without holding the file. Every user is derived from
 * (seed, index) alone, so the XML and the snapshot can be produced in separate passes and any
 * user can be recomputed on its own (`fileUser(opts, i)`).
 *
 * The field mix follows the real files in `shared/corpus/sis/` (Berkeley: no `desc`, dates
 * without `Z`, `segment_type="Internal"` in the file; MIT: `desc` everywhere, dates with `Z`,
 * numeric identifier types, `pref_*` before the identifiers, a patron role; Boston College:
 * two addresses with start/end dates) and the XSD (`rest_user.xsd`) so that a file generated
 * without `errors` is schema-valid.
 */

// ---------------------------------------------------------------------------------------------
// Randomness: mulberry32 seeded from a mix of (seed, index, salt), so each user has its own stream.

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes numbers into one 32-bit seed (FNV-style). */
export function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A seeded random source (mulberry32). */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

const SALT_FILE = 1;
const SALT_SNAP = 2;
const SALT_MEMBERSHIP = 3;

// ---------------------------------------------------------------------------------------------
// Vocabulary (invented names; a few non-ASCII and XML-special characters on purpose).

const FIRST = [
  'James', 'Mary', 'Thor', 'Jane', 'Alex', 'Priya', 'Wei', 'Fatima', 'José', 'Zoë', 'Liam', 'Olga',
  'Mohammed', 'Aiko', 'Chidi', 'Sofia', 'Noah', 'Emma', 'Mateo', 'Amara', 'Lukas', 'Ingrid', 'Kwame',
  'Yuki', 'Ravi', 'Elena', 'Tomás', 'Hannah', 'Omar', 'Grace', 'Björn', 'Leila', 'Daniel', 'Nia',
  'Sven', 'Chloé', 'Arjun', 'Maya', 'Ivan', 'Ana', 'Hiro', 'Esther', 'Kofi', 'Rosa', 'Dmitri', 'Lucía',
];
const MIDDLE = ['A', 'B', 'D', 'J', 'Q', 'Marie', 'Lee', 'Janeth', 'Karl', 'Ann', 'Ray'];
const LAST = [
  'Odinson', 'Patterson', 'Doe', 'Example', 'Smith', 'García', 'Nguyễn', 'Müller', "O'Neill", 'Kowalski',
  'Okafor', 'Tanaka', 'Singh', 'Johansson', 'Rossi', 'Dubois', 'Ivanova', 'Haddad', 'Kim', 'Chen',
  'Martínez', 'Brown', 'Wilson', 'Andersen', 'Mensah', 'Papadopoulos', 'Novak', 'Silva', 'Cohen',
  'Fischer', 'Walker', 'Sato', 'Kaur', 'Lopez', 'Hughes', 'Van der Berg', 'Eriksson', 'Abebe', '王',
];
const STREETS = ['Main Street', 'Palace Place', 'Commonwealth Ave', 'Smith St', 'Oak Road', 'Elm Court', 'Sproul Hall', 'Mass Ave', 'Hillside Dr', 'Harbor Way'];
const CITIES: readonly (readonly [string, string, string])[] = [
  ['Berkeley', 'CA', '947'], ['Cambridge', 'MA', '021'], ['Newton', 'MA', '024'], ['Chestnut Hill', 'MA', '024'],
  ['Asgard', 'Midgard', '000'], ['Portland', 'OR', '972'], ['Princeton', 'NJ', '085'], ['Atlanta', 'GA', '303'],
];
const DEPARTMENTS = ['Undergraduate Admissions', 'ONeill Library', 'Physics', 'History & Classics', 'Chemistry', 'Library Systems', 'Music', ''];

interface CodeDef {
  readonly value: string;
  readonly desc: string;
}
const GROUPS: readonly CodeDef[] = [
  { value: 'GRADSTUD', desc: 'Graduate Student' }, { value: 'UNDERGRAD', desc: 'Undergraduate' },
  { value: 'FACULTY', desc: 'Faculty' }, { value: 'STAFF', desc: 'Staff' }, { value: 'NONACAD', desc: 'Non-academic staff' },
  { value: '32', desc: 'Student' }, { value: '27', desc: 'Staff - Lincoln Labs' }, { value: '08', desc: 'BC Staff' },
];
const CAMPUSES: readonly CodeDef[] = [
  { value: 'UCB_Campus', desc: 'Berkeley campus' }, { value: 'MAIN', desc: 'Main campus' }, { value: 'NORTH', desc: 'North campus' },
];
const STAT_CATEGORIES: readonly CodeDef[] = [
  { value: 'SN', desc: '' }, { value: 'ZQ', desc: 'Unknown' }, { value: 'NK', desc: 'LL-Homeland Protection & Air Traffic Con' },
  { value: 'ZZ', desc: '' }, { value: 'HIST', desc: 'History' }, { value: 'PHYS', desc: 'Physics' },
];
const TITLES: readonly CodeDef[] = [{ value: 'DR', desc: 'Dr.' }, { value: 'MS', desc: 'Ms.' }, { value: 'MR', desc: 'Mr.' }, { value: 'PROF', desc: 'Prof.' }];
const JOB_CATEGORIES: readonly CodeDef[] = [{ value: 'LIBRARIAN', desc: 'Librarian' }, { value: 'ADMIN', desc: 'Administrator' }, { value: 'RA', desc: 'Research assistant' }];
const GENDERS: readonly CodeDef[] = [{ value: 'MALE', desc: 'Male' }, { value: 'FEMALE', desc: 'Female' }, { value: 'OTHER', desc: 'Other' }];
const LANGUAGES: readonly CodeDef[] = [{ value: 'en', desc: 'English' }, { value: 'fr', desc: 'French' }, { value: 'de', desc: 'German' }, { value: 'es', desc: 'Spanish' }];
const RS_LIBRARIES = ['MAIN', 'LAW', 'MED', 'SCI'];
const NOTICES = ['FulUserBorrowingActivityLetter', 'FulUserOverdueNoticeLetter', 'FulUserLoansCourtesyLetter'];
const NOTE_TYPES: readonly CodeDef[] = [{ value: 'OTHER', desc: 'Other' }, { value: 'LIBRARY', desc: 'Library' }, { value: 'CIRCULATION', desc: 'Circulation' }, { value: 'REGISTAR', desc: 'Registrar' }];
const ADDRESS_TYPES: readonly CodeDef[] = [{ value: 'home', desc: 'Home' }, { value: 'work', desc: 'Work' }, { value: 'school', desc: 'School' }, { value: 'alternative', desc: 'Alternative' }];
const EMAIL_TYPES: readonly CodeDef[] = [{ value: 'personal', desc: 'Personal' }, { value: 'work', desc: 'Work' }, { value: 'school', desc: 'School' }];
const PHONE_TYPES: readonly CodeDef[] = [{ value: 'home', desc: 'Home' }, { value: 'mobile', desc: 'Mobile' }, { value: 'office', desc: 'Office' }];

// ---------------------------------------------------------------------------------------------
// One model, two serialisations: a small element tree that is written as SIS XML and converted
// to the Users API JSON shape for the snapshot.

/** How a node maps to JSON: a code field `{value, desc}`, a boolean, a wrapper list, a record or plain text. */
type Kind = 'text' | 'code' | 'bool' | 'list' | 'record';

export interface GenNode {
  name: string;
  kind: Kind;
  text?: string;
  /** `desc` of a code field; undefined = the attribute is not written. */
  desc?: string;
  attrs?: [string, string][];
  children?: GenNode[];
}

const text = (name: string, value: string): GenNode => ({ name, kind: 'text', text: value });
const bool = (name: string, value: string): GenNode => ({ name, kind: 'bool', text: value });
const code = (name: string, c: CodeDef, withDesc: boolean): GenNode => ({ name, kind: 'code', text: c.value, desc: withDesc ? c.desc : undefined });
const list = (name: string, children: GenNode[]): GenNode => ({ name, kind: 'list', children });
const record = (name: string, children: GenNode[], attrs?: [string, string][]): GenNode => ({ name, kind: 'record', children, attrs });

/** The kinds of deliberate error `errors: K` spreads over K users, in turn. */
export const ERROR_KINDS = [
  'bad-date',
  'bad-boolean',
  'missing-email-types',
  'duplicate-identifier',
  'empty-identifier-value',
  'empty-statistic-category',
  'too-long',
  'contact-info-order',
  'duplicate-primary-id',
  'missing-primary-id',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface GenOptions {
  /** Users in the SIS file. */
  users: number;
  seed: number;
  /** Deliberate errors, one per chosen user (0 = a schema-valid file). */
  errors?: number;
}

export interface FileUser {
  index: number;
  primaryId: string;
  /** Root `<user>` node. */
  node: GenNode;
  /** Set when this user carries a deliberate error. */
  error?: ErrorKind;
}

/** Style of the institution the user looks like it came from (corpus/sis). */
type Style = 'berkeley' | 'mit' | 'bc';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function date(rng: Rng, fromYear: number, toYear: number, z: boolean): string {
  const y = rng.int(fromYear, toYear);
  const m = rng.int(1, 12);
  const d = rng.int(1, 28);
  return `${y}-${pad(m, 2)}-${pad(d, 2)}${z ? 'Z' : ''}`;
}

function dateTime(rng: Rng, fromYear: number, toYear: number): string {
  return `${date(rng, fromYear, toYear, false)}T${pad(rng.int(0, 23), 2)}:${pad(rng.int(0, 59), 2)}:${pad(rng.int(0, 59), 2)}.${pad(rng.int(0, 999), 3)}Z`;
}

/** Users chosen to carry an error, spread evenly; map index → kind. */
export function errorPlan(opts: GenOptions): Map<number, ErrorKind> {
  const plan = new Map<number, ErrorKind>();
  const k = Math.min(opts.errors ?? 0, opts.users);
  for (let j = 0; j < k; j++) {
    let index = Math.floor(((j + 0.5) * opts.users) / k);
    // The duplicate kinds need an earlier user to copy from.
    const kind = ERROR_KINDS[j % ERROR_KINDS.length];
    if ((kind === 'duplicate-identifier' || kind === 'duplicate-primary-id') && index === 0) index = Math.min(1, opts.users - 1);
    if (!plan.has(index)) plan.set(index, kind);
  }
  return plan;
}

function primaryIdOf(index: number, style: Style, first: string, last: string): string {
  // Unique by index whatever the style, so matching and duplicates stay under control.
  const ascii = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase() || 'x';
  switch (style) {
    case 'berkeley':
      return String(10000000 + index);
    case 'mit':
      return `${ascii(first).slice(0, 1)}${ascii(last).slice(0, 7)}${index}@EXAMPLE.EDU`.toUpperCase();
    default:
      return `${ascii(first).slice(0, 1)}${ascii(last).slice(0, 6)}${pad(index, 5)}`;
  }
}

/** The SIS record of user `index` (0-based; indexes ≥ `users` are the snapshot-only users). */
export function fileUser(opts: GenOptions, index: number, errors = errorPlan(opts)): FileUser {
  const rng = new Rng(mix(opts.seed, index, SALT_FILE));
  const r = rng.float();
  const style: Style = r < 0.5 ? 'berkeley' : r < 0.85 ? 'mit' : 'bc';
  const desc = style !== 'berkeley';
  const z = style === 'mit';
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const middle = rng.chance(0.4) ? rng.pick(MIDDLE) : undefined;
  let primaryId = primaryIdOf(index, style, first, last);
  const error = errors.get(index);
  const c: GenNode[] = [];

  if (error === 'duplicate-primary-id') primaryId = fileUser(opts, index - 1, new Map()).primaryId;
  if (style !== 'berkeley' || rng.chance(0.5)) c.push(code('record_type', { value: 'PUBLIC', desc: 'Public' }, desc));
  if (error !== 'missing-primary-id') c.push(text('primary_id', primaryId));
  c.push(text('first_name', error === 'too-long' ? first.padEnd(256, 'x') : first));
  if (middle) c.push(text('middle_name', middle));
  c.push(text('last_name', last));
  if (style === 'berkeley' && rng.chance(0.3)) c.push(text('full_name', [first, middle, last].filter(Boolean).join(' ')));
  if (rng.chance(0.08)) c.push(text('pin_number', pad(rng.int(0, 9999), 4)));
  if (rng.chance(0.12)) c.push(code('user_title', rng.pick(TITLES), desc));
  if (rng.chance(0.1)) c.push(code('job_category', rng.pick(JOB_CATEGORIES), desc));
  if (rng.chance(0.5)) c.push(text('job_description', rng.pick(DEPARTMENTS)));
  if (rng.chance(0.2)) c.push(code('gender', rng.pick(GENDERS), desc));
  c.push(code('user_group', rng.pick(GROUPS), desc));
  if (rng.chance(0.7)) c.push(code('campus_code', rng.chance(0.8) ? rng.pick(CAMPUSES) : { value: '', desc: '' }, desc));
  if (style === 'mit' && rng.chance(0.5)) c.push(code('cataloger_level', { value: '00', desc: '[00] Default Level' }, true));
  if (style !== 'berkeley') c.push(code('preferred_language', rng.chance(0.9) ? LANGUAGES[0] : rng.pick(LANGUAGES), desc));
  if (rng.chance(0.15)) c.push(text('birth_date', date(rng, 1950, 2006, z)));
  const expiryYear = rng.int(2025, 2031);
  const expiry = error === 'bad-date' ? `${expiryYear}-13-01` : `${expiryYear}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}${z ? 'Z' : ''}`;
  c.push(text('expiry_date', expiry));
  if (error !== 'bad-date' && rng.chance(0.85)) c.push(text('purge_date', `${expiryYear + 1}${expiry.slice(4)}`));
  if (style !== 'berkeley' || rng.chance(0.5)) c.push(code('account_type', { value: 'EXTERNAL', desc: 'External' }, desc));
  if (style !== 'berkeley') c.push(text('external_id', 'SIS'));
  c.push(code('status', rng.chance(0.97) ? { value: 'ACTIVE', desc: 'Active' } : { value: 'INACTIVE', desc: 'Inactive' }, desc));

  // contact_info: addresses, emails, phones, in that order (an XSD sequence).
  const [city, state, zip] = rng.pick(CITIES);
  const addresses: GenNode[] = [];
  const nAddr = rng.chance(0.08) ? 0 : rng.chance(0.12) ? 2 : 1;
  for (let a = 0; a < nAddr; a++) {
    const ac: GenNode[] = [text('line1', `${rng.int(1, 999)} ${rng.pick(STREETS)}`)];
    if (rng.chance(0.4)) ac.push(text('line2', rng.chance(0.2) ? 'Smith & Wesson Hall' : `#${rng.int(1, 40)}`));
    if (rng.chance(0.15)) ac.push(text('line3', `Room ${rng.int(100, 599)}`));
    ac.push(text('city', city), text('state_province', state), text('postal_code', `${zip}${pad(rng.int(0, 99), 2)}`));
    if (rng.chance(0.3)) ac.push(code('country', { value: 'USA', desc: 'United States' }, desc));
    if (rng.chance(0.2)) ac.push(text('address_note', 'User Address Type: Mailing address'));
    if (style === 'bc' || rng.chance(0.1)) ac.push(text('start_date', date(rng, 2015, 2024, z)), text('end_date', date(rng, 2025, 2030, z)));
    ac.push(list('address_types', [code('address_type', a === 0 ? rng.pick(ADDRESS_TYPES) : ADDRESS_TYPES[1], desc)]));
    addresses.push(record('address', ac, segmentAttrs(rng, style, a === nAddr - 1 ? 'true' : 'false')));
  }
  const emails: GenNode[] = [];
  const nEmail = rng.chance(0.05) ? 0 : rng.chance(0.1) ? 2 : 1;
  const emailUser = primaryId.includes('@') ? primaryId.split('@')[0].toLowerCase() : `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
  for (let e = 0; e < nEmail; e++) {
    const ec: GenNode[] = [text('email_address', e === 0 ? `${emailUser}${index}@example.edu` : `${emailUser}${index}@mail.example.com`)];
    if (rng.chance(0.05)) ec.push(text('description', 'Campus mail'));
    if (error !== 'missing-email-types' || e > 0) ec.push(list('email_types', [code('email_type', e === 0 ? EMAIL_TYPES[1] : EMAIL_TYPES[0], desc)]));
    const preferred = error === 'bad-boolean' && e === 0 ? 'TRUE' : e === 0 ? 'true' : 'false';
    emails.push(record('email', ec, segmentAttrs(rng, style, preferred)));
  }
  if (error === 'missing-email-types' && nEmail === 0) {
    emails.push(record('email', [text('email_address', `${emailUser}${index}@example.edu`)], [['preferred', 'true']]));
  }
  if (error === 'bad-boolean' && nEmail === 0) {
    emails.push(record('email', [text('email_address', `${emailUser}${index}@example.edu`), list('email_types', [code('email_type', EMAIL_TYPES[1], desc)])], [['preferred', 'TRUE']]));
  }
  const phones: GenNode[] = [];
  const nPhone = rng.chance(0.35) ? 0 : rng.chance(0.15) ? 2 : 1;
  for (let p = 0; p < nPhone; p++) {
    const pc = [text('phone_number', `${rng.int(200, 999)}-555-${pad(rng.int(0, 9999), 4)}`), list('phone_types', [code('phone_type', rng.pick(PHONE_TYPES), desc)])];
    const attrs = segmentAttrs(rng, style, p === 0 ? 'true' : 'false');
    attrs.splice(1, 0, ['preferred_sms', p === 0 && rng.chance(0.3) ? 'true' : 'false']);
    phones.push(record('phone', pc, attrs));
  }
  const lists = [list('addresses', addresses), list('emails', emails), list('phones', phones)];
  if (error === 'contact-info-order') lists.reverse();
  const contact = record('contact_info', lists);

  // Identifiers: 1–3, BARCODE / UNIV_ID (Berkeley, Princeton) or numeric types with desc (MIT, BC).
  const ids: GenNode[] = [];
  // Values embed the index, so they are unique across the file (and distinct per type).
  const idTypes: readonly (readonly [CodeDef, string])[] =
    style === 'berkeley'
      ? [[{ value: 'BARCODE', desc: 'Barcode' }, `B${pad(index, 8)}`], [{ value: 'UNIV_ID', desc: 'University ID' }, `9${pad(index, 8)}`], [{ value: 'BARCODE', desc: 'Barcode' }, `A${pad(index, 7)}`]]
      : [[{ value: 'UNIV_ID', desc: 'University ID' }, `9${pad(index, 8)}`], [{ value: '01', desc: 'Barcode' }, `2${pad(index, 13)}`], [{ value: '02', desc: 'Additional' }, `3${pad(index, 8)}`]];
  const nIds = rng.chance(0.35) ? 1 : rng.chance(0.85) ? 2 : 3;
  for (let k = 0; k < nIds; k++) {
    const value = idTypes[k][1];
    const ic: GenNode[] = [code('id_type', idTypes[k][0], desc), text('value', value)];
    if (rng.chance(0.05)) ic.push(text('note', 'Issued at the service desk'));
    if (rng.chance(0.9)) ic.push(text('status', 'ACTIVE'));
    ids.push(record('user_identifier', ic, style === 'berkeley' ? [['segment_type', 'Internal']] : [['segment_type', 'External']]));
  }
  if (error === 'duplicate-identifier') {
    const other = fileUser(opts, index - 1, new Map());
    const theirs = findChild(findChild(other.node, 'user_identifiers')!.children![0], 'value')!.text!;
    ids.push(record('user_identifier', [code('id_type', idTypes[0][0], desc), text('value', theirs)], [['segment_type', 'External']]));
  }
  if (error === 'empty-identifier-value') {
    ids.push(record('user_identifier', [code('id_type', idTypes[1][0], desc), text('value', '')], [['segment_type', 'External']]));
  }

  const stats: GenNode[] = [];
  const nStats = rng.chance(0.35) ? 0 : rng.chance(0.8) ? 1 : 2;
  for (let s = 0; s < nStats; s++) {
    const sc: GenNode[] = [code('statistic_category', rng.pick(STAT_CATEGORIES), desc)];
    if (style === 'mit') sc.push(code('category_type', { value: 'DEPT', desc: 'Department' }, true));
    if (rng.chance(0.05)) sc.push(text('statistic_note', 'From the registrar'));
    stats.push(record('user_statistic', sc, [['segment_type', 'External']]));
  }
  if (error === 'empty-statistic-category') stats.push(record('user_statistic', [code('statistic_category', { value: '', desc: '' }, true)], [['segment_type', 'External']]));

  const notes: GenNode[] = [];
  if (rng.chance(0.08)) {
    notes.push(
      record('user_note', [
        code('note_type', rng.pick(NOTE_TYPES), desc),
        text('note_text', rng.chance(0.5) ? 'Loaded from the SIS' : 'Library card replaced <lost> & reissued'),
        bool('user_viewable', rng.chance(0.3) ? 'true' : 'false'),
        bool('popup_note', 'false'),
        ...(rng.chance(0.5) ? [text('created_by', 'SIS'), text('created_date', dateTime(rng, 2020, 2025))] : []),
      ], [['segment_type', 'External']]),
    );
  }
  const blocks: GenNode[] = [];
  if (rng.chance(0.02)) {
    blocks.push(
      record('user_block', [
        code('block_type', { value: 'GENERAL', desc: 'General' }, desc),
        code('block_description', { value: 'CONSORTIA', desc: 'Consortia block' }, desc),
        text('block_status', 'ACTIVE'),
        text('block_note', 'Blocked by the bursar'),
        text('expiry_date', dateTime(rng, 2025, 2030)),
      ], [['segment_type', 'External']]),
    );
  }

  const prefs: GenNode[] = [];
  if (rng.chance(0.12)) prefs.push(text('pref_first_name', first === 'James' ? 'Jim' : first.slice(0, 3)));
  if (rng.chance(0.05)) prefs.push(text('pref_last_name', last));
  const tail: GenNode[] = [];
  tail.push(list('user_identifiers', ids));
  if (style === 'mit' && rng.chance(0.35)) {
    tail.push(list('user_roles', [record('user_role', [code('status', { value: 'ACTIVE', desc: 'Active' }, true), code('scope', { value: '01EXAMPLE_INST', desc: 'Example Institute' }, true), code('role_type', { value: '200', desc: 'Patron' }, true), list('parameters', [])])]));
  }
  // MIT writes empty wrappers (`<user_blocks />`) for half of its users.
  const empties = style === 'mit' && rng.chance(0.5);
  if (blocks.length || empties) tail.push(list('user_blocks', blocks));
  if (notes.length || empties) tail.push(list('user_notes', notes));
  if (stats.length || empties) tail.push(list('user_statistics', stats));
  if (rng.chance(0.03)) tail.push(list('rs_libraries', [record('rs_library', [code('code', { value: rng.pick(RS_LIBRARIES), desc: 'Resource sharing library' }, desc)])]));
  if (rng.chance(0.03)) tail.push(list('library_notices', [record('library_notice', [code('code', { value: rng.pick(NOTICES), desc: 'Borrowing activity letter' }, desc), bool('value', rng.chance(0.5) ? 'true' : 'false')])]));
  // MIT writes the preferred names before the identifiers; the others after (xs:all allows both).
  if (style === 'mit') c.push(contact, ...prefs, ...tail);
  else c.push(contact, ...tail, ...prefs);
  if (style === 'mit' && rng.chance(0.3)) c.push(bool('is_researcher', 'false'));

  return { index, primaryId, node: record('user', c), error };
}

function segmentAttrs(rng: Rng, style: Style, preferred: string): [string, string][] {
  const attrs: [string, string][] = [['preferred', preferred]];
  if (style === 'berkeley') attrs.push(['segment_type', rng.chance(0.5) ? 'Internal' : 'External']);
  else if (rng.chance(0.8)) attrs.push(['segment_type', 'External']);
  return attrs;
}

function findChild(node: GenNode, name: string): GenNode | undefined {
  return node.children?.find((c) => c.name === name);
}

// ---------------------------------------------------------------------------------------------
// XML

function escText(s: string): string {
  return s.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}
function escAttr(s: string): string {
  return s.replace(/[&<"]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&quot;'));
}

export function toXml(node: GenNode, indent: string, step = '  '): string {
  let attrs = '';
  if (node.desc !== undefined) attrs += ` desc="${escAttr(node.desc)}"`;
  for (const [k, v] of node.attrs ?? []) attrs += ` ${k}="${escAttr(v)}"`;
  if (node.kind === 'list' || node.kind === 'record') {
    const kids = node.children ?? [];
    if (kids.length === 0) return `${indent}<${node.name}${attrs}/>\n`;
    let out = `${indent}<${node.name}${attrs}>\n`;
    for (const k of kids) out += toXml(k, indent + step, step);
    return `${out}${indent}</${node.name}>\n`;
  }
  const t = node.text ?? '';
  if (t === '') return `${indent}<${node.name}${attrs}/>\n`;
  return `${indent}<${node.name}${attrs}>${escText(t)}</${node.name}>\n`;
}

export interface InjectedError {
  index: number;
  kind: ErrorKind;
  /** The primary_id of the user carrying the error (as written, or the one it would have had). */
  primaryId: string;
  /** 1-based line of the user's `<user>` start tag. */
  line: number;
}

export interface XmlSummary {
  users: number;
  /** UTF-16 code units written (bytes are counted by the caller). */
  chars: number;
  errors: InjectedError[];
}

/** Write the SIS file piece by piece (one piece per user). */
export function writeSisXml(opts: GenOptions, write: (piece: string) => void): XmlSummary {
  const plan = errorPlan(opts);
  const errors: InjectedError[] = [];
  let line = 1;
  let chars = 0;
  const emit = (s: string) => {
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) line++;
    chars += s.length;
    write(s);
  };
  emit('<?xml version="1.0" encoding="UTF-8"?>\n<users>\n');
  for (let i = 0; i < opts.users; i++) {
    const u = fileUser(opts, i, plan);
    if (u.error) errors.push({ index: i, kind: u.error, primaryId: u.primaryId, line });
    emit(toXml(u.node, '  '));
  }
  emit('</users>\n');
  return { users: opts.users, chars, errors };
}

/** The whole SIS file as one string (small sizes: tests). */
export function generateSisXml(opts: GenOptions): { xml: string; summary: XmlSummary } {
  const parts: string[] = [];
  const summary = writeSisXml(opts, (p) => parts.push(p));
  return { xml: parts.join(''), summary };
}

// ---------------------------------------------------------------------------------------------
// Snapshot (docs/plan.md): the Users API JSON shape plus `sync.protected`.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function toJsonValue(node: GenNode): Json {
  switch (node.kind) {
    case 'text':
      return node.text ?? '';
    case 'bool':
      return node.text === 'true' || node.text === '1';
    case 'code':
      return { value: node.text ?? '', desc: node.desc ?? '' };
    default:
      return recordToJson(node);
  }
}

function recordToJson(node: GenNode): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const child of node.children ?? []) {
    if (child.kind === 'list') {
      // Wrappers collapse to an array named after the repeated child, as the Users API writes them.
      const itemName = child.name === 'addresses' ? 'address' : child.name === 'rs_libraries' ? 'rs_library' : child.name.replace(/s$/, '');
      out[itemName] = (child.children ?? []).map(toJsonValue);
    } else {
      out[child.name] = toJsonValue(child);
    }
  }
  for (const [k, v] of node.attrs ?? []) out[k] = k === 'preferred' || k === 'preferred_sms' ? v === 'true' : v;
  return out;
}

/** A field that staff changed by hand (`sync.protected`, docs/plan.md). */
const PROTECTABLE = ['user_group', 'campus_code', 'preferred_language', 'pin_number', 'user_title', 'job_category', 'pref_first_name', 'rs_libraries'] as const;

const MEMBERSHIP = { newInFile: 0.08, onlySnapshotShare: 0.05 };

/** Whether file user `index` is absent from the snapshot (a new user for the plan). */
export function isNewInFile(opts: GenOptions, index: number): boolean {
  return mulberry32(mix(opts.seed, index, SALT_MEMBERSHIP))() < MEMBERSHIP.newInFile;
}

/** Number of users that exist only in the snapshot (indexes users..users+n-1). */
export function snapshotOnlyCount(opts: GenOptions): number {
  return Math.max(opts.users > 0 ? 1 : 0, Math.round(opts.users * MEMBERSHIP.onlySnapshotShare));
}

export interface SnapshotStats {
  users: number;
  matched: number;
  onlyInSnapshot: number;
  newInFile: number;
  internalAccounts: number;
  protectedFields: number;
  /** Protected fields whose lastSisValue equals the incoming value (the sync reverts them). */
  revertingFields: number;
  internalSegments: number;
  changedUsers: number;
}

function fileRsLibraries(fu: FileUser): string[] {
  const wrapper = findChild(fu.node, 'rs_libraries');
  return (wrapper?.children ?? []).map((lib) => findChild(lib, 'code')?.text ?? '').filter((c) => c !== '');
}

function codeValue(v: Json | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'object' && !Array.isArray(v)) return codeValue(v.value);
  return null;
}

/**
 * The snapshot entry for user `index`: what Alma holds now. Built from the file record and then
 * drifted (older values, manual changes with `sync.protected`, internal segments) so that a
 * plan has every outcome to show. Returns undefined for users new in the file.
 */
export function snapshotEntry(opts: GenOptions, index: number, stats?: SnapshotStats): { [k: string]: Json } | undefined {
  const onlyInSnapshot = index >= opts.users;
  if (!onlyInSnapshot && isNewInFile(opts, index)) return undefined;
  // Snapshot-only users are made from a file-user model at an index the file does not reach,
  // so their ids cannot collide with the file's.
  const fu = fileUser(opts, index, new Map());
  const rng = new Rng(mix(opts.seed, index, SALT_SNAP));
  const user = recordToJson(fu.node);
  // The Users API always answers with these.
  user.record_type = user.record_type ?? { value: 'PUBLIC', desc: 'Public' };
  user.account_type = { value: 'EXTERNAL', desc: 'External' };
  user.external_id = 'SIS';
  user.full_name = [user.first_name, user.middle_name, user.last_name].filter((x) => typeof x === 'string' && x).join(' ');
  user.preferred_language = user.preferred_language ?? { value: 'en', desc: 'English' };
  user.status = user.status ?? { value: 'ACTIVE', desc: 'Active' };
  user.status_date = date(rng, 2019, 2024, true);
  user.password = '';
  user.requests = null;
  user.loans = null;
  user.fees = null;
  for (const k of ['user_identifier', 'user_role', 'user_block', 'user_note', 'user_statistic', 'proxy_for_user']) user[k] = user[k] ?? [];
  const contact = (user.contact_info ?? { address: [], email: [], phone: [] }) as { [k: string]: Json[] };
  user.contact_info = contact;
  if (!Array.isArray(user.user_role) || user.user_role.length === 0) {
    user.user_role = [{ status: { value: 'ACTIVE', desc: 'Active' }, scope: { value: '01EXAMPLE_INST', desc: 'Example Institute' }, role_type: { value: '200', desc: 'Patron' }, parameter: [] }];
  }
  // The API writes segment_type on every segment; the file's own segment_type means nothing to SIS.
  for (const seg of [...contact.address, ...contact.email, ...contact.phone, ...(user.user_identifier as Json[]), ...(user.user_statistic as Json[]), ...(user.user_note as Json[]), ...(user.user_block as Json[])]) {
    (seg as { [k: string]: Json }).segment_type = 'External';
  }
  // Some Users API answers spell booleans as strings (seen in public API clients' stored answers).
  if (rng.chance(0.1)) for (const e of contact.email) (e as { [k: string]: Json }).preferred = String((e as { [k: string]: Json }).preferred);

  if (stats) {
    stats.users++;
    if (onlyInSnapshot) stats.onlyInSnapshot++;
    else stats.matched++;
  }
  if (!onlyInSnapshot && rng.chance(0.004)) {
    // A staff account that happens to share the id: the sync rejects it ("User is not external").
    user.account_type = { value: 'INTERNAL', desc: 'Internal' };
    if (stats) stats.internalAccounts++;
  }

  // Drift: about 45% of users hold something older than the file.
  if (rng.chance(0.45)) {
    if (stats) stats.changedUsers++;
    const what = rng.int(0, 5);
    if (what === 0) user.last_name = rng.pick(LAST);
    else if (what === 1 && contact.email.length) (contact.email[0] as { [k: string]: Json }).email_address = `old.${index}@example.org`;
    else if (what === 2) user.expiry_date = date(rng, 2020, 2024, rng.chance(0.5));
    else if (what === 3 && contact.address.length) (contact.address[0] as { [k: string]: Json }).line1 = `${rng.int(1, 999)} ${rng.pick(STREETS)}`;
    else if (what === 4) user.user_group = { ...rng.pick(GROUPS) };
    else contact.phone.push({ phone_number: `617-555-${pad(rng.int(0, 9999), 4)}`, preferred: false, preferred_sms: false, segment_type: 'External', phone_type: [{ value: 'home', desc: 'Home' }] });
  }

  // Internal segments, which the sync keeps (Ex Libris Developer Network blog "External user data behavior of SIS synchronization and API").
  if (rng.chance(0.15)) {
    const which = rng.int(0, 2);
    if (which === 0) (user.user_note as Json[]).push({ note_type: { value: 'CIRCULATION', desc: 'Circulation' }, note_text: 'Lost card fee waived', user_viewable: false, popup_note: false, created_by: 'staff', created_date: dateTime(rng, 2021, 2025), segment_type: 'Internal' });
    else if (which === 1) (user.user_identifier as Json[]).push({ id_type: { value: 'INST_ID', desc: 'Institution ID' }, value: `I${pad(index, 8)}`, status: 'ACTIVE', segment_type: 'Internal' });
    else contact.address.push({ line1: 'Library Annex', city: 'Cambridge', preferred: false, segment_type: 'Internal', address_type: [{ value: 'work', desc: 'Work' }] });
    if (stats) stats.internalSegments++;
  }

  // Manual changes: about 12% of users have 1–2 protected fields.
  const sync: { [k: string]: Json } = {};
  if (rng.chance(0.12)) {
    const prot: { [k: string]: Json } = {};
    const count = rng.chance(0.7) ? 1 : 2;
    for (let n = 0; n < count; n++) {
      const field = rng.pick(PROTECTABLE);
      if (prot[field] !== undefined) continue;
      const incoming = field === 'rs_libraries' ? null : codeValue(user[field]);
      const revert = rng.chance(0.4);
      let manual: Json;
      let last: Json;
      switch (field) {
        case 'user_group':
        case 'campus_code':
        case 'preferred_language':
        case 'user_title':
        case 'job_category': {
          const table = field === 'user_group' ? GROUPS : field === 'campus_code' ? CAMPUSES : field === 'preferred_language' ? LANGUAGES : field === 'user_title' ? TITLES : JOB_CATEGORIES;
          const others = table.filter((c) => c.value !== incoming);
          const m = rng.pick(others);
          manual = { value: m.value, desc: m.desc };
          const older = others.filter((c) => c.value !== m.value);
          last = revert && incoming !== null ? incoming : older.length ? rng.pick(older).value : null;
          break;
        }
        case 'pin_number':
          manual = pad(rng.int(0, 9999), 4);
          last = revert && incoming !== null ? incoming : null;
          break;
        case 'pref_first_name':
          manual = rng.pick(FIRST);
          last = revert && incoming !== null ? incoming : null;
          break;
        default: {
          // rs_libraries: a list of codes; lastSisValue is a list too (docs/plan.md).
          const fileLibs = fileRsLibraries(fu);
          manual = [{ code: { value: 'LAW', desc: 'Law library' } }, { code: { value: 'MED', desc: 'Medical library' } }];
          last = revert ? fileLibs : ['MAIN'];
          user.rs_library = manual;
          break;
        }
      }
      if (field !== 'rs_libraries') user[field] = manual;
      prot[field] = { lastSisValue: last };
      if (stats) {
        stats.protectedFields++;
        // Reverts when lastSisValue equals the incoming value (lists compared without order).
        const incomingList = field === 'rs_libraries' ? fileRsLibraries(fu) : undefined;
        const same = incomingList ? Array.isArray(last) && last.length > 0 && JSON.stringify([...last].sort()) === JSON.stringify([...incomingList].sort()) : incoming !== null && last === incoming;
        if (same) stats.revertingFields++;
      }
    }
    sync.protected = prot;
  }

  const entry: { [k: string]: Json } = { user };
  if (Object.keys(sync).length) entry.sync = sync;
  return entry;
}

/** Write the snapshot piece by piece: one user per line, file users first, then snapshot-only ones. */
export function writeSnapshot(opts: GenOptions, write: (piece: string) => void): SnapshotStats {
  const stats: SnapshotStats = { users: 0, matched: 0, onlyInSnapshot: 0, newInFile: 0, internalAccounts: 0, protectedFields: 0, revertingFields: 0, internalSegments: 0, changedUsers: 0 };
  write('{\n"format": "alma-sis-snapshot",\n"version": 1,\n"profile": {"matchBy": "primary_id", "recordType": "PUBLIC", "profileCode": "SIS"},\n"users": [\n');
  let first = true;
  const total = opts.users + snapshotOnlyCount(opts);
  for (let i = 0; i < total; i++) {
    const entry = snapshotEntry(opts, i, stats);
    if (!entry) {
      stats.newInFile++;
      continue;
    }
    write((first ? '' : ',\n') + JSON.stringify(entry));
    first = false;
  }
  write('\n]\n}\n');
  return stats;
}

export function generateSnapshot(opts: GenOptions): { json: string; stats: SnapshotStats } {
  const parts: string[] = [];
  const stats = writeSnapshot(opts, (p) => parts.push(p));
  return { json: parts.join(''), stats };
}
