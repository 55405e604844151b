/**
 * Turning what users really have into a snapshot (`alma-sis snapshot import`): a Users API
 * answer (one user, `<users>` or `{"user": [...]}`, XML or JSON) or an Alma "Export Users" XML.
 * The XML is read with fast-xml-parser: these documents are small API answers, and positions
 * are not needed here (docs/performance.md).
 *
 * With the last SIS file uploaded, a protected-type field whose value in Alma differs from what
 * that file sent must have been changed by hand: it is recorded as protected, with the file's
 * value as `lastSisValue` (Ex Libris knowledge article "Why is the Users Synchronize job still
 * overriding user account fields that were updated manually?"). Fields the Users API never
 * returns (`pin_number`) are never marked: their absence says nothing about a manual change.
 */
import { XMLParser } from 'fast-xml-parser';
import type { Settings } from '../settings';
import { coreField, coreFields, fieldValue, isEmptyValue, matchValueOf, recordFromApi, valuesEqual, type UserRecord } from '../sis/record';
import { FIELD_DEFAULTS } from '../engine/rules';
import { makeEntry, newSnapshot, type ProtectedState, type Snapshot, type SnapshotEntry } from './snapshot';

export interface ImportProblem {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

/** XML wrapper → the name of the API JSON list that replaces it (the Users API JSON shape). */
const WRAPPERS: Readonly<Record<string, string>> = {
  addresses: 'address',
  emails: 'email',
  phones: 'phone',
  user_identifiers: 'user_identifier',
  user_roles: 'user_role',
  user_blocks: 'user_block',
  user_notes: 'user_note',
  user_statistics: 'user_statistic',
  proxy_for_users: 'proxy_for_user',
  rs_libraries: 'rs_library',
  library_notices: 'library_notice',
  address_types: 'address_type',
  email_types: 'email_type',
  phone_types: 'phone_type',
  parameters: 'parameter',
};
const ITEMS = new Set([...Object.values(WRAPPERS), 'user']);
const BOOLEAN_ATTRIBUTES = new Set(['preferred', 'preferred_sms']);
const ATTR = '@_';
const TEXT = '#text';

type XmlNode = Record<string, unknown>;

function isNode(v: unknown): v is XmlNode {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One element of fast-xml-parser's output → the Users API JSON shape. */
function toApi(node: unknown): unknown {
  if (!isNode(node)) return node === undefined || node === null ? '' : String(node);
  const attrs = Object.keys(node).filter((k) => k.startsWith(ATTR));
  const kids = Object.keys(node).filter((k) => !k.startsWith(ATTR) && k !== TEXT);
  if (kids.length === 0) {
    const text = node[TEXT] === undefined ? '' : String(node[TEXT]);
    if (attrs.length === 0) return text;
    // A code with its description (`<user_group desc="Staff">08</user_group>`), or a counter with a link.
    const out: XmlNode = { value: text };
    for (const a of attrs) out[a.slice(ATTR.length)] = node[a];
    return out;
  }
  const out: XmlNode = {};
  for (const a of attrs) {
    const name = a.slice(ATTR.length);
    const raw = String(node[a]);
    out[name] = BOOLEAN_ATTRIBUTES.has(name) && /^(true|false)$/i.test(raw.trim()) ? raw.trim().toLowerCase() === 'true' : raw;
  }
  for (const k of kids) {
    if (k === '__proto__') continue; // never a field of Alma's, and never the prototype
    const v = node[k];
    const item = WRAPPERS[k];
    if (item) {
      const inner = isNode(v) ? v[item] : undefined;
      out[item] = (Array.isArray(inner) ? inner : inner === undefined ? [] : [inner]).map(toApi);
    } else if (k === 'contact_info' && isNode(v)) {
      const ci = toApi(v) as XmlNode;
      for (const l of ['address', 'email', 'phone']) if (!(l in ci)) ci[l] = [];
      out[k] = ci;
    } else if (Array.isArray(v)) {
      out[k] = toApi(v[0]); // a repeated element: the first one counts, as in the SIS reader
    } else {
      out[k] = toApi(v);
    }
  }
  return out;
}

/** The users of a Users API XML answer or an "Export Users" file. */
function usersFromXml(text: string, problems: ImportProblem[]): Record<string, unknown>[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    textNodeName: TEXT,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name, _path, isLeaf, isAttribute) => !isAttribute && !isLeaf && ITEMS.has(name),
  });
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    problems.push({ severity: 'error', message: `not well-formed XML: ${msg.split('\n')[0]}` });
    return [];
  }
  if (!isNode(doc)) return [];
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith(ATTR));
  if (rootName === undefined) {
    problems.push({ severity: 'error', message: 'the XML has no root element' });
    return [];
  }
  const root = doc[rootName];
  const rawUsers = rootName === 'user' ? (Array.isArray(root) ? root : [root]) : isNode(root) ? root.user : undefined;
  if (rootName !== 'user' && rootName !== 'users') {
    problems.push({ severity: 'warning', message: `the root element is <${rootName}>, not <users> or <user>; reading its <user> elements` });
  }
  const list = Array.isArray(rawUsers) ? rawUsers : rawUsers === undefined ? [] : [rawUsers];
  return list.map((u) => toApi(u)).filter(isNode);
}

/** The users of a Users API JSON answer: one user, `{"user": [...]}`, or a plain list. */
function usersFromJson(text: string, problems: ImportProblem[]): Record<string, unknown>[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    problems.push({ severity: 'error', message: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
    return [];
  }
  if (Array.isArray(doc)) return doc.filter(isNode);
  if (!isNode(doc)) {
    problems.push({ severity: 'error', message: 'expected a JSON object (a user, or {"user": [...]})' });
    return [];
  }
  if (doc.format === 'alma-sis-snapshot') {
    problems.push({ severity: 'error', message: 'this is already a snapshot (format "alma-sis-snapshot")' });
    return [];
  }
  if (Array.isArray(doc.user)) return doc.user.filter(isNode);
  if (isNode(doc.user)) return [doc.user];
  if ('primary_id' in doc) return [doc];
  problems.push({ severity: 'error', message: 'no users found: expected a user object (with primary_id) or {"user": [...]}' });
  return [];
}

/** Users API JSON users from an export (XML or JSON, told apart by the first character). */
export function readUserExport(text: string): { users: Record<string, unknown>[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const t = text.replace(/^\ufeff/, '').trimStart();
  const users = t.startsWith('<') ? usersFromXml(t, problems) : t.startsWith('{') || t.startsWith('[') ? usersFromJson(t, problems) : [];
  if (!t.startsWith('<') && !t.startsWith('{') && !t.startsWith('[')) {
    problems.push({ severity: 'error', message: 'neither XML nor JSON (expected a Users API answer or an Alma "Export Users" file)' });
  }
  users.forEach((u, k) => {
    if (typeof u.primary_id !== 'string' || u.primary_id.trim() === '') {
      problems.push({ severity: 'warning', message: `user ${k + 1} of the export has no primary_id` });
    }
  });
  return { users, problems };
}

export interface ImportResult {
  readonly snapshot: Snapshot;
  /** Protected fields found by comparing with the last SIS file. */
  readonly protectedFound: number;
  readonly usersWithProtection: number;
  /** Users of the last SIS file that match a user of the export. */
  readonly matchedLastSis: number;
  /**
   * Fields the export cannot show (the Users API never returns them), with how many users of
   * the last SIS file send a value for them: the snapshot learns those values on the next apply.
   */
  readonly unknownFields: readonly { readonly field: string; readonly sentBy: number }[];
  /** Match ID values of the last SIS file's users that the export lacks (file order). */
  readonly missingFromExport: readonly string[];
  /**
   * External users of the export that the last SIS file does not send (leavers, or users of
   * another profile): the job leaves them alone; administrators want to see them.
   */
  readonly notInLastSis: readonly string[];
}

/** What the SIS file would have left in the field: its value, or Alma's default when empty. */
function sisWouldLeave(field: string, v: ReturnType<typeof fieldValue>) {
  return isEmptyValue(v) && FIELD_DEFAULTS[field] !== undefined ? FIELD_DEFAULTS[field] : v;
}

/**
 * Build a snapshot from exported users; with the records of the last SIS file, mark the
 * protected-type fields (settings.protectedFields) that differ from what that file sent.
 */
export function importSnapshot(
  users: readonly Record<string, unknown>[],
  settings: Settings,
  lastSis?: readonly UserRecord[],
  profile?: Readonly<Record<string, unknown>>,
): ImportResult {
  const bySis = new Map<string, UserRecord>();
  for (const r of lastSis ?? []) {
    const mv = matchValueOf(r, settings.matchBy);
    if (mv !== null && !bySis.has(mv.toLowerCase())) bySis.set(mv.toLowerCase(), r);
  }
  let protectedFound = 0;
  let usersWithProtection = 0;
  let matchedLastSis = 0;
  const exported = new Set<string>();
  const notInLastSis: string[] = [];
  const entries: SnapshotEntry[] = users.map((user) => {
    const prot = new Map<string, ProtectedState>();
    if (lastSis) {
      const current = recordFromApi(user);
      const mv = matchValueOf(current, settings.matchBy);
      if (mv !== null) exported.add(mv.toLowerCase());
      const sent = mv === null ? undefined : bySis.get(mv.toLowerCase());
      if (!sent && current.accountType !== 'INTERNAL') notInLastSis.push(mv ?? String(fieldValue(current, 'primary_id') ?? '(no id)'));
      if (sent) {
        matchedLastSis++;
        for (const field of settings.protectedFields) {
          // No Users API answer shows it: an export without it says nothing about a manual change.
          if (coreField(field)?.writeOnly) continue;
          const sentValue = fieldValue(sent, field);
          const now = fieldValue(current, field);
          // An export without a field that cannot be empty tells nothing about a manual change.
          if (isEmptyValue(now) && FIELD_DEFAULTS[field] !== undefined) continue;
          if (!valuesEqual(field, now, sisWouldLeave(field, sentValue))) prot.set(field, { lastSisValue: sentValue });
        }
      }
    }
    protectedFound += prot.size;
    if (prot.size > 0) usersWithProtection++;
    return makeEntry(user, prot);
  });
  const missingFromExport: string[] = [];
  const seen = new Set<string>();
  for (const r of lastSis ?? []) {
    const mv = matchValueOf(r, settings.matchBy);
    if (mv === null || seen.has(mv.toLowerCase())) continue;
    seen.add(mv.toLowerCase());
    if (!exported.has(mv.toLowerCase())) missingFromExport.push(mv);
  }
  const unknownFields = coreFields()
    .filter((f) => f.writeOnly)
    .map((f) => ({ field: f.name, sentBy: (lastSis ?? []).filter((r) => !isEmptyValue(fieldValue(r, f.name))).length }));
  const base = newSnapshot([], profile);
  return { snapshot: { root: base.root, users: entries }, protectedFound, usersWithProtection, matchedLastSis, unknownFields, missingFromExport, notInLastSis: lastSis ? notInLastSis : [] };
}

/**
 * An import as the command line and the editor both run it: the users of the export's text,
 * compared with the users of the last SIS file uploaded when given (`recordFromXml` of each
 * `<user>`). `result` is undefined when the export cannot be read (an error in `problems` says why).
 */
export function importExport(
  exportText: string,
  lastSis: readonly UserRecord[] | undefined,
  settings: Settings,
  profile?: Readonly<Record<string, unknown>>,
): { readonly result?: ImportResult; readonly users: number; readonly problems: readonly ImportProblem[] } {
  const exported = readUserExport(exportText);
  if (exported.problems.some((p) => p.severity === 'error')) return { users: exported.users.length, problems: exported.problems };
  return { result: importSnapshot(exported.users, settings, lastSis, profile), users: exported.users.length, problems: exported.problems };
}
