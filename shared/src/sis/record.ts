/**
 * One normalised model of an Alma user, built either from an SIS `<user>` element (with the
 * offsets of every field, for hovers and lenses) or from a Users API JSON user (the snapshot). The merge engine compares two of these; nothing here decides anything.
 *
 * Normalisation (docs/plan.md: "values are compared and printed as codes, lists as arrays,
 * absent/empty as null"):
 * - core fields are strings (codes without `desc`), `null` when absent, empty or all blanks;
 *   values are trimmed (Alma's loader ignores the padding that some loaders write);
 * - `rs_libraries` is a list of codes, `library_notices` a list of `{code, value}`;
 * - a segment item's content is a flat object: texts trimmed, codes without `desc`, type lists
 *   (`address_types`…) as arrays of codes, booleans as booleans (absent = false, the XSD
 *   default), nothing for absent/empty; `segment_type` is kept apart.
 *
 * Which core fields exist, which are codes and dates, comes from the schema as data
 * (`../schema/user`), never from a list kept here.
 */
import type { ElementDef } from '../schema/types';
import type { XmlElement } from '../xml/types';
import { userKeys } from './keys';
import { SEGMENT_LISTS as SCHEMA_SEGMENT_LISTS, USER_ELEMENT, elementDefAt } from '../schema/user';

/** A range of offsets (relative to the user chunk for records read from XML). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface LibraryNotice {
  readonly code: string;
  readonly value: boolean;
}

/** A normalised core-field value. */
export type FieldValue = string | null | readonly string[] | readonly LibraryNotice[];

export type FieldKind = 'text' | 'code' | 'date' | 'boolean' | 'codes' | 'notices' | 'structure';

/** What the engine needs to know about one core field; derived from the schema. */
export interface CoreFieldFact {
  readonly name: string;
  readonly kind: FieldKind;
  /** The schema marks it as one of the fields a manual change protects (docs/plan.md, "Protected fields"). */
  readonly protectedBySchema: boolean;
  /** No Users API answer shows it (the XSD tags it without `get`): a snapshot may not know its value. */
  readonly writeOnly: boolean;
  /** Compared only when the profile synchronizes the record type (`record_type`, setting `syncRecordType`). */
  readonly onlyWithSyncRecordType?: boolean;
}

/** The plan's names of the segment lists, in the schema's order. */
export type SegmentListName = (typeof SCHEMA_SEGMENT_LISTS)[number]['list'];
export const SEGMENT_LISTS: readonly SegmentListName[] = SCHEMA_SEGMENT_LISTS.map((l) => l.list);

export type SegmentType = 'External' | 'Internal';
export type ContentValue = string | boolean | readonly string[];

export interface SegmentItem {
  readonly segmentType: SegmentType;
  /** Normalised content (see the module comment), keys sorted. */
  readonly content: Readonly<Record<string, ContentValue>>;
  /** Canonical text of `content`: two items are the same segment when their keys are equal. */
  readonly key: string;
  /** The item in the Users API JSON shape, as it would be stored in a snapshot. */
  readonly json: Readonly<Record<string, unknown>>;
  /** Where the item is in the SIS file (XML records only). */
  readonly span?: Span;
}

export interface FieldEntry {
  readonly value: FieldValue;
  /** The value in the Users API JSON shape (`"x"`, `{value, desc}`, `[{code: …}]`), as the source spells it. */
  readonly json: unknown;
  /** The element in the SIS file (XML records only). */
  readonly span?: Span;
  /** The element's text content (XML records only). */
  readonly valueSpan?: Span;
}

export interface IdentifierRef {
  /** `primary_id` for the primary identifier, else the `id_type` code. */
  readonly type: string;
  readonly value: string;
  readonly segmentType: SegmentType;
  readonly span?: Span;
}

export interface UserRecord {
  readonly source: 'xml' | 'api';
  /** Every core field of `coreFields()` the source carries with a value. Absent = null. */
  readonly fields: Readonly<Record<string, FieldEntry>>;
  readonly segments: Readonly<Record<SegmentListName, readonly SegmentItem[]>>;
  /** The list wrappers as found in the source (`contact_info` lists by their own element). */
  readonly segmentSpans: Readonly<Partial<Record<SegmentListName, Span>>>;
  /** `primary_id` plus every `user_identifier` (in that order). */
  readonly identifiers: readonly IdentifierRef[];
  /** Not a compared field; `EXTERNAL`/`INTERNAL` as a code, null when absent. */
  readonly accountType: string | null;
  /** Not a compared field: the code of the SIS profile that owns the user (API records only). */
  readonly externalId: string | null;
  /** Span of the whole `<user>` element (XML) . */
  readonly span?: Span;
}

// ---------------------------------------------------------------------------------------------
// Field facts from the schema

/**
 * Fields the SIS load never reads or Alma maintains, whatever the schema tags say (docs/plan.md).
 * `record_type` is the exception the profile can switch on (Ex Libris knowledge article "How to
 * change the Alma User Record Type from Public to Staff").
 */
const NOT_COMPARED = new Set(['account_type', 'external_id', 'password', 'force_password_change', 'status_date', 'last_patron_activity_date', 'requests', 'loans', 'fees', 'full_name', 'link']);
const LIST_FIELDS: Readonly<Record<string, FieldKind>> = { rs_libraries: 'codes', library_notices: 'notices' };

function isCodeDef(def: ElementDef): boolean {
  return def.code === true || def.codeTable !== undefined || (def.attributes ?? []).some((a) => a.name === 'desc');
}

function factsFrom(user: ElementDef): CoreFieldFact[] {
  const out: CoreFieldFact[] = [];
  for (const def of user.content?.children ?? []) {
    const recordType = def.name === 'record_type';
    if ((!def.sis && !recordType) || def.outputOnly || NOT_COMPARED.has(def.name)) continue;
    const common = { name: def.name, protectedBySchema: def.protectedField === true, writeOnly: def.writeOnly === true, ...(recordType ? { onlyWithSyncRecordType: true } : {}) };
    const listKind = LIST_FIELDS[def.name];
    if (listKind) {
      out.push({ ...common, kind: listKind });
      continue;
    }
    if (!def.type) {
      // Esploro's researcher ("api sis get post put" in the XSD): one structure, compared whole.
      if (def.name === 'researcher') out.push({ ...common, kind: 'structure' });
      continue; // segment lists are not core fields
    }
    const kind: FieldKind = isCodeDef(def) ? 'code' : def.type.kind === 'date' ? 'date' : def.type.kind === 'boolean' ? 'boolean' : 'text';
    out.push({ ...common, kind });
  }
  return out;
}

let cachedFacts: readonly CoreFieldFact[] | undefined;
let cachedByName: ReadonlyMap<string, CoreFieldFact> | undefined;

/** The core fields the SIS load reads, in schema order (`primary_id` included). */
export function coreFields(): readonly CoreFieldFact[] {
  if (!cachedFacts) {
    cachedFacts = Object.freeze(factsFrom(USER_ELEMENT));
    cachedByName = new Map(cachedFacts.map((f) => [f.name, f]));
  }
  return cachedFacts;
}

export function coreField(name: string): CoreFieldFact | undefined {
  coreFields();
  return cachedByName!.get(name);
}

let cachedSegmentCodes: Readonly<Record<SegmentListName, ReadonlySet<string>>> | undefined;
/** Children of a segment item that are codes (written as `{value}` in the API JSON). */
function segmentCodeChildren(list: SegmentListName): ReadonlySet<string> {
  if (!cachedSegmentCodes) {
    const out = {} as Record<SegmentListName, ReadonlySet<string>>;
    for (const l of SCHEMA_SEGMENT_LISTS) {
      const def = elementDefAt(['user', ...l.path, l.item]);
      out[l.list] = new Set((def?.content?.children ?? []).filter((c) => c.type && isCodeDef(c)).map((c) => c.name));
    }
    cachedSegmentCodes = out;
  }
  return cachedSegmentCodes[list];
}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * Segment-item children whose values Alma derives or stamps itself (when the file sends none,
 * Alma fills them in, so the Users API always returns them): not compared, or every note and
 * block would look changed on every run.
 */
const SEGMENT_IGNORED = new Set(['segment_type', 'link', 'category_type', 'block_owner', 'note_owner', 'statistic_owner', 'created_by', 'created_date', 'item_loan_id']);
/** Boolean attributes/children of segment items; the XSD default is false. */
const SEGMENT_BOOLEANS = new Set(['preferred', 'preferred_sms', 'user_viewable', 'popup_note']);
/** Defaults of segment children (rest_user.xsd): a value equal to it is the same as none. */
const SEGMENT_DEFAULTS: Partial<Record<SegmentListName, Readonly<Record<string, string>>>> = {
  identifiers: { status: 'ACTIVE' },
  blocks: { block_type: 'GENERAL', block_status: 'ACTIVE' },
};
/** Type lists: XML wrapper → API JSON array name. */
const TYPE_LISTS: Readonly<Record<string, string>> = { address_types: 'address_type', email_types: 'email_type', phone_types: 'phone_type' };
const TYPE_LISTS_FROM_JSON: Readonly<Record<string, string>> = { address_type: 'address_types', email_type: 'email_types', phone_type: 'phone_types' };

function clean(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const t = text.trim();
  return t === '' ? null : t;
}

/** `true`/`1` → true, `false`/`0` → false (case-insensitive, as the API sample writes `"true"`); else null. */
export function booleanFrom(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const t = raw.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  return null;
}

/**
 * A boolean core field (`is_researcher`): `'true'` or null. False is the XSD default, so an
 * absent field and `false` are the same value; an unreadable one counts as absent.
 */
function booleanField(raw: unknown): string | null {
  return booleanFrom(raw) === true ? 'true' : null;
}

/** A code or a string from the API JSON: `"X"`, `{value: "X", desc}`, `{value: null}`, number. */
function scalarFromJson(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string') return clean(raw);
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw === 'object' && !Array.isArray(raw) && 'value' in raw) return scalarFromJson((raw as { value: unknown }).value);
  return null;
}

/** Dates compare with and without the `Z` that Alma's API adds (`2030-01-16Z` = `2030-01-16`). */
function dateKey(v: string): string {
  return v.endsWith('Z') || v.endsWith('z') ? v.slice(0, -1) : v;
}

function sortedCodes(v: readonly string[]): string[] {
  return [...v].sort();
}

function sortedNotices(v: readonly LibraryNotice[]): LibraryNotice[] {
  return [...v].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : Number(a.value) - Number(b.value)));
}

/**
 * Equality of two normalised values of a field: lists without regard to order (docs/plan.md),
 * dates with or without `Z`. (`primary_id` matches without regard to case, but as a value it
 * is stored as the file spells it, docs/plan.md: a change of case is a change.)
 */
export function valuesEqual(field: string, a: FieldValue, b: FieldValue): boolean {
  // Absent, null and an empty list are one value (a Users API answer writes empty lists as []).
  if (isEmptyValue(a) || isEmptyValue(b)) return isEmptyValue(a) && isEmptyValue(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    if (a.length === 0) return true;
    if (typeof a[0] === 'string' || typeof b[0] === 'string') {
      const x = sortedCodes(a as string[]);
      const y = sortedCodes(b as string[]);
      return x.every((v, i) => v === y[i]);
    }
    const x = sortedNotices(a as LibraryNotice[]);
    const y = sortedNotices(b as LibraryNotice[]);
    return x.every((v, i) => v.code === y[i].code && v.value === y[i].value);
  }
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  if (coreField(field)?.kind === 'date') return dateKey(a) === dateKey(b);
  return a === b;
}

/** Empty for the engine: null or an empty list. */
export function isEmptyValue(v: FieldValue): boolean {
  return v === null || (Array.isArray(v) && v.length === 0);
}

/** A value as plain JSON for the plan (lists in the order their source gives them). */
export function valueToJson(v: FieldValue): string | null | string[] | { code: string; value: boolean }[] {
  if (v === null || typeof v === 'string') return v;
  if (v.length === 0) return [];
  if (typeof v[0] === 'string') return [...(v as string[])];
  return (v as LibraryNotice[]).map((n) => ({ code: n.code, value: n.value }));
}

/** Canonical, order-independent text of a segment's content. */
/**
 * The comparison key of a segment's content. `finishContent` inserts the keys in sorted order
 * (and none is an array index, which JSON would move first), so the object serialises the same
 * way for equal content without sorting again.
 */
function contentKey(content: Readonly<Record<string, ContentValue>>): string {
  return JSON.stringify(content);
}

function finishContent(raw: Record<string, ContentValue>, list: SegmentListName): Record<string, ContentValue> {
  const out: Record<string, ContentValue> = {};
  const keys = Object.keys(raw);
  if (keys.length > 1) keys.sort();
  const defaults = SEGMENT_DEFAULTS[list];
  for (const k of keys) {
    let v = raw[k];
    if (typeof v === 'string') {
      if (k.endsWith('_date')) v = dateKey(v);
      // Identifier values are case-insensitive in Alma (stored lower-cased since 2018 (developer blog "Case-insensitive identifiers and emails in Alma")).
      if (list === 'identifiers' && k === 'value') v = v.toLowerCase();
      const fallback = defaults === undefined ? undefined : defaults[k];
      if (typeof fallback === 'string' && fallback === v.toUpperCase()) continue; // the XSD's default: same as absent
    } else if (v === false) {
      if (SEGMENT_BOOLEANS.has(k)) continue; // false is the default: same as absent
    } else if (Array.isArray(v) && v.length === 0) continue; // an empty type list: same as none
    out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structures compared whole (Esploro's `researcher`)

type Canonical = string | Canonical[] | { [k: string]: Canonical };

/**
 * The comparable form of a structure in either shape (SIS XML turned into API JSON, or the API's
 * own): absent, null, "", [], {} and {"value": null} are dropped as one value, codes lose their
 * `desc`, a list wrapper (`{"x_emails": {"x_email": [...]}}`) is read as its list, lists compare
 * without regard to order, dates with or without `Z`.
 */
function canonical(raw: unknown, key = ''): Canonical | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') {
    const t = raw.trim();
    if (t === '') return undefined;
    return key.endsWith('_date') ? dateKey(t) : t;
  }
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (Array.isArray(raw)) {
    const items = raw.map((x) => canonical(x, key)).filter((x): x is Canonical => x !== undefined);
    if (items.length === 0) return undefined;
    return items.map((x) => [JSON.stringify(x), x] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
  }
  const o = raw as Record<string, unknown>;
  const keys = Object.keys(o);
  if ('value' in o && keys.every((k) => k === 'value' || k === 'desc' || k === 'link')) return canonical(o.value, key);
  if (keys.length === 1 && Array.isArray(o[keys[0]])) return canonical(o[keys[0]], keys[0]); // a list wrapper
  const out: { [k: string]: Canonical } = {};
  for (const k of keys.sort()) {
    if (SEGMENT_IGNORED.has(k)) continue;
    const v = canonical(o[k], k);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The comparison key of a structure: its canonical JSON text, null when it holds nothing. */
function structureKey(raw: unknown): string | null {
  const c = canonical(raw);
  return c === undefined ? null : JSON.stringify(c);
}

/** An element of the SIS file in the Users API JSON shape, led by its schema definition. */
function elementToApiJson(el: XmlElement, def: ElementDef | undefined): unknown {
  if (el.children.length === 0) {
    const v = clean(el.text);
    if (v === null) return null;
    return def && isCodeDef(def) ? codeJson(v, attr(el, 'desc')) : v;
  }
  const out: Record<string, unknown> = {};
  for (const c of el.children) {
    const cdef = def?.content?.byName.get(c.name);
    const only = cdef?.content?.children.length === 1 ? cdef.content.children[0] : undefined;
    if (only && only.maxOccurs === 'unbounded' && cdef?.content?.group === 'sequence') {
      // A wrapper: the API names the list after its item (the Users API JSON shape).
      if (!(only.name in out)) out[only.name] = c.children.filter((i) => i.name === only.name).map((i) => elementToApiJson(i, only));
      continue;
    }
    if (!(c.name in out)) out[c.name] = elementToApiJson(c, cdef);
  }
  return out;
}

function structureFromXml(el: XmlElement): unknown {
  return elementToApiJson(el, elementDefAt(['user', el.name]));
}

// ---------------------------------------------------------------------------------------------
// From XML

function childrenByName(el: XmlElement): Map<string, XmlElement> {
  const m = new Map<string, XmlElement>();
  for (const c of el.children) if (!m.has(c.name)) m.set(c.name, c);
  return m;
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attributes.find((a) => a.name === name)?.value;
}

function spanOf(el: XmlElement): Span {
  return { start: el.start, end: el.end };
}

function textSpan(el: XmlElement): Span {
  return { start: el.startTagEnd, end: el.endTagStart };
}

function codeJson(code: string, desc: string | undefined): unknown {
  return desc !== undefined && desc !== '' ? { value: code, desc } : { value: code };
}

function segmentFromXml(list: SegmentListName, el: XmlElement): SegmentItem {
  const content: Record<string, ContentValue> = {};
  const json: Record<string, unknown> = {};
  const codes = segmentCodeChildren(list);
  for (const a of el.attributes) {
    if (SEGMENT_IGNORED.has(a.name)) continue;
    const b = SEGMENT_BOOLEANS.has(a.name) ? booleanFrom(a.value) : null;
    if (b !== null) {
      content[a.name] = b;
      json[a.name] = b;
    } else {
      const v = clean(a.value);
      if (v !== null) {
        content[a.name] = v;
        json[a.name] = v;
      }
    }
  }
  for (const c of el.children) {
    if (SEGMENT_IGNORED.has(c.name)) continue;
    const typeList = TYPE_LISTS[c.name];
    if (typeList) {
      const types = c.children.map((t) => ({ code: clean(t.text), desc: attr(t, 'desc') })).filter((t) => t.code !== null);
      content[c.name] = types.map((t) => t.code as string);
      json[typeList] = types.map((t) => codeJson(t.code as string, t.desc));
      continue;
    }
    if (c.children.length > 0) continue; // nested structure the SIS does not define here
    if (SEGMENT_BOOLEANS.has(c.name)) {
      const b = booleanFrom(c.text);
      if (b !== null) {
        content[c.name] = b;
        json[c.name] = b;
      }
      continue;
    }
    const v = clean(c.text);
    if (v === null) continue;
    content[c.name] = v;
    json[c.name] = codes.has(c.name) ? codeJson(v, attr(c, 'desc')) : v;
  }
  json.segment_type = 'External';
  const finished = finishContent(content, list);
  return { segmentType: 'External', content: finished, key: contentKey(finished), json, span: spanOf(el) };
}

/**
 * Read a `<user>` element of an SIS file. Segment items are External whatever `segment_type`
 * says (the SIS load ignores it, rest_user.xsd). When an element appears twice, the first one counts.
 */
export function recordFromXml(user: XmlElement): UserRecord {
  const kids = childrenByName(user);
  const fields = newFields();
  for (const fact of coreFields()) {
    const el = kids.get(fact.name);
    if (!el) continue;
    if (fact.kind === 'codes') {
      const items = el.children.filter((c) => c.name === 'rs_library');
      const codes: string[] = [];
      const json: unknown[] = [];
      for (const it of items) {
        const codeEl = it.children.find((c) => c.name === 'code');
        const code = codeEl ? clean(codeEl.text) : null;
        if (code === null) continue;
        codes.push(code);
        json.push({ code: codeJson(code, codeEl ? attr(codeEl, 'desc') : undefined) });
      }
      fields[fact.name] = { value: codes.length > 0 ? codes : null, json, span: spanOf(el), valueSpan: textSpan(el) };
    } else if (fact.kind === 'notices') {
      const notices: LibraryNotice[] = [];
      const json: unknown[] = [];
      for (const it of el.children.filter((c) => c.name === 'library_notice')) {
        const codeEl = it.children.find((c) => c.name === 'code');
        const valueEl = it.children.find((c) => c.name === 'value');
        const code = codeEl ? clean(codeEl.text) : null;
        if (code === null) continue;
        const value = booleanFrom(valueEl?.text) ?? false;
        notices.push({ code, value });
        json.push({ code: codeJson(code, codeEl ? attr(codeEl, 'desc') : undefined), value });
      }
      fields[fact.name] = { value: notices.length > 0 ? notices : null, json, span: spanOf(el), valueSpan: textSpan(el) };
    } else if (fact.kind === 'structure') {
      const json = structureFromXml(el);
      const key = structureKey(json);
      fields[fact.name] = { value: key, json: key === null ? null : json, span: spanOf(el), valueSpan: textSpan(el) };
    } else {
      const v = fact.kind === 'boolean' ? booleanField(el.text) : clean(el.text);
      const json = v === null ? null : fact.kind === 'code' ? codeJson(v, attr(el, 'desc')) : fact.kind === 'boolean' ? true : v;
      fields[fact.name] = { value: v, json, span: spanOf(el), valueSpan: textSpan(el) };
    }
  }
  const segments = {} as Record<SegmentListName, SegmentItem[]>;
  const segmentSpans: Partial<Record<SegmentListName, Span>> = {};
  // Wrappers are one or two levels down (`contact_info/emails`): look each parent up once.
  const byParent = new Map<string, Map<string, XmlElement> | undefined>([['', kids]]);
  for (const { list, path, item } of SCHEMA_SEGMENT_LISTS) {
    let el: XmlElement | undefined = user;
    let at = '';
    for (const p of path) {
      let m = byParent.get(at);
      if (m === undefined && !byParent.has(at) && el) {
        m = childrenByName(el);
        byParent.set(at, m);
      }
      el = m?.get(p);
      at = `${at}/${p}`;
    }
    if (!el) {
      segments[list] = [];
      continue;
    }
    segmentSpans[list] = spanOf(el);
    segments[list] = el.children.filter((c) => c.name === item).map((c) => segmentFromXml(list, c));
  }
  const accountEl = kids.get('account_type');
  // Identifier slots as the validator sees them (same values, same ranges): userKeys.
  const identifiers: IdentifierRef[] = userKeys(user, { matchBy: 'primary_id' })
    .identifiers.filter((k) => k.value !== '')
    .map((k) => ({ type: k.type, value: k.value, segmentType: 'External', span: { start: k.start, end: k.end } }));
  return finishRecord('xml', fields, segments, segmentSpans, accountEl ? clean(accountEl.text) : null, null, spanOf(user), identifiers);
}

/**
 * A record's `fields`, without a prototype: V8 keeps such an object as a hash table, and
 * `fieldValue` reads every core field of both records of each planned user by name, which on
 * ordinary objects (one hidden class per set of fields) missed V8's caches: three times slower.
 */
function newFields(): Record<string, FieldEntry> {
  return Object.create(null) as Record<string, FieldEntry>;
}

function finishRecord(
  source: 'xml' | 'api',
  fields: Record<string, FieldEntry>,
  segments: Record<SegmentListName, SegmentItem[]>,
  segmentSpans: Partial<Record<SegmentListName, Span>>,
  accountType: string | null,
  externalId: string | null,
  span: Span | undefined,
  given?: IdentifierRef[],
): UserRecord {
  const account = accountType === null ? null : accountType.toUpperCase();
  if (given) return { source, fields, segments, segmentSpans, identifiers: given, accountType: account, externalId, span };
  const identifiers: IdentifierRef[] = [];
  const pid = fields.primary_id;
  if (pid && typeof pid.value === 'string') identifiers.push({ type: 'primary_id', value: pid.value, segmentType: 'External', span: pid.valueSpan });
  for (const it of segments.identifiers) {
    const type = it.content.id_type;
    const value = it.content.value;
    if (typeof value !== 'string') continue;
    identifiers.push({ type: typeof type === 'string' ? type : '', value, segmentType: it.segmentType, span: it.span });
  }
  return { source, fields, segments, segmentSpans, identifiers, accountType: account, externalId, span };
}

// ---------------------------------------------------------------------------------------------
// From the Users API JSON (the Users API JSON shape)

function asObject(raw: unknown): Record<string, unknown> | undefined {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}

function asArray(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  // A list with one element sometimes arrives as the element itself (XML→JSON converters).
  if (asObject(raw)) return [raw];
  return [];
}

/** `Internal` when the API item says so (any case, padded), else `External`. */
function segmentTypeOf(raw: unknown): SegmentType {
  if (raw === 'External') return 'External';
  if (raw === 'Internal') return 'Internal';
  return String(raw ?? '').trim().toLowerCase() === 'internal' ? 'Internal' : 'External';
}

function segmentFromJson(list: SegmentListName, raw: Record<string, unknown>): SegmentItem {
  const content: Record<string, ContentValue> = {};
  for (const k of Object.keys(raw)) {
    if (SEGMENT_IGNORED.has(k)) continue;
    const v = raw[k];
    const typeList = TYPE_LISTS_FROM_JSON[k];
    if (typeList) {
      const codes = asArray(v).map(scalarFromJson).filter((c): c is string => c !== null);
      if (codes.length > 0 || Array.isArray(v)) content[typeList] = codes;
      continue;
    }
    if (SEGMENT_BOOLEANS.has(k)) {
      const b = booleanFrom(v);
      if (b !== null) content[k] = b;
      continue;
    }
    if (Array.isArray(v)) continue; // nested lists the SIS does not send (e.g. a role's parameters)
    const s = scalarFromJson(v);
    if (s !== null) content[k] = s;
  }
  // Type wrappers are required in the file; an API item without types compares as an empty list.
  const finished = finishContent(content, list);
  return { segmentType: segmentTypeOf(raw.segment_type), content: finished, key: contentKey(finished), json: raw };
}

const JSON_LISTS: readonly { list: SegmentListName; contact: boolean; name: string }[] = [
  { list: 'identifiers', contact: false, name: 'user_identifier' },
  { list: 'addresses', contact: true, name: 'address' },
  { list: 'emails', contact: true, name: 'email' },
  { list: 'phones', contact: true, name: 'phone' },
  { list: 'notes', contact: false, name: 'user_note' },
  { list: 'blocks', contact: false, name: 'user_block' },
  { list: 'statistics', contact: false, name: 'user_statistic' },
];

/** Where a segment list lives in the API JSON user. */
export function jsonListLocation(list: SegmentListName): { contact: boolean; name: string } {
  const found = JSON_LISTS.find((l) => l.list === list)!;
  return { contact: found.contact, name: found.name };
}

/**
 * Read a Users API JSON user (snapshot `user`). Accepts code objects or bare codes, booleans
 * as booleans or strings, and null / "" / absent alike (the Users API JSON shape). Never throws: anything
 * unreadable counts as absent (the snapshot reader reports shape problems).
 */
export function recordFromApi(raw: unknown): UserRecord {
  const user = asObject(raw) ?? {};
  const fields = newFields();
  for (const fact of coreFields()) {
    if (fact.kind === 'codes') {
      const src = user.rs_library ?? asObject(user.rs_libraries)?.rs_library ?? user.rs_libraries;
      if (src === undefined || src === null) continue;
      const items = asArray(src);
      const codes = items.map((it) => scalarFromJson(asObject(it)?.code ?? it)).filter((c): c is string => c !== null);
      if (codes.length === 0) continue; // [] is absent
      fields[fact.name] = { value: codes, json: src };
    } else if (fact.kind === 'notices') {
      const src = user.library_notice ?? asObject(user.library_notices)?.library_notice ?? user.library_notices;
      if (src === undefined || src === null) continue;
      const notices: LibraryNotice[] = [];
      for (const it of asArray(src)) {
        const o = asObject(it);
        const code = scalarFromJson(o?.code);
        if (code === null) continue;
        notices.push({ code, value: booleanFrom(scalarFromJson(o?.value) ?? o?.value) ?? false });
      }
      if (notices.length === 0) continue; // [] is absent
      fields[fact.name] = { value: notices, json: src };
    } else if (fact.kind === 'structure') {
      const key = structureKey(user[fact.name]);
      if (key === null) continue;
      fields[fact.name] = { value: key, json: user[fact.name] };
    } else {
      const src = user[fact.name];
      const v = fact.kind === 'boolean' ? booleanField(src) : scalarFromJson(src);
      if (v === null) continue;
      fields[fact.name] = { value: v, json: src };
    }
  }
  const contact = asObject(user.contact_info) ?? {};
  const segments = {} as Record<SegmentListName, SegmentItem[]>;
  for (const { list, contact: inContact, name } of JSON_LISTS) {
    const holder = inContact ? contact : user;
    // Also accept the XML-like wrapper shape (`user_identifiers: {user_identifier: [...]}`).
    const wrapper = asObject(holder[`${name}s`]);
    const src = holder[name] ?? wrapper?.[name];
    segments[list] = asArray(src)
      .map(asObject)
      .filter((o): o is Record<string, unknown> => o !== undefined)
      .map((o) => segmentFromJson(list, o));
  }
  return finishRecord('api', fields, segments, {}, scalarFromJson(user.account_type), scalarFromJson(user.external_id), undefined);
}

/** Identity of a record for matching: the value of the Match ID (`primary_id` or an identifier type). */
export function matchValueOf(record: UserRecord, matchBy: string): string | null {
  if (matchBy.toLowerCase() === 'primary_id') {
    const v = record.fields.primary_id?.value;
    return typeof v === 'string' ? v : null;
  }
  const found = record.identifiers.find((i) => i.type !== 'primary_id' && i.type.toLowerCase() === matchBy.toLowerCase());
  return found ? found.value : null;
}

/** A field's normalised value (null when absent). */
export function fieldValue(record: UserRecord, field: string): FieldValue {
  return record.fields[field]?.value ?? null;
}

/**
 * The identifier slots and account type of a Users API JSON user, without building the whole
 * record: what an index of a large snapshot needs for every user (the full record is built only
 * for the users a file matches). Gives the same identifiers as `recordFromApi(raw).identifiers`.
 */
export function apiUserKeys(raw: unknown): { identifiers: IdentifierRef[]; accountType: string | null } {
  const user = asObject(raw) ?? {};
  const identifiers: IdentifierRef[] = [];
  const pid = scalarFromJson(user.primary_id);
  if (pid !== null) identifiers.push({ type: 'primary_id', value: pid, segmentType: 'External' });
  const src = user.user_identifier ?? asObject(user.user_identifiers)?.user_identifier;
  for (const it of asArray(src)) {
    const o = asObject(it);
    if (!o) continue;
    const value = scalarFromJson(o.value);
    if (value === null) continue;
    const type = scalarFromJson(o.id_type) ?? '';
    identifiers.push({ type, value, segmentType: segmentTypeOf(o.segment_type) });
  }
  const account = scalarFromJson(user.account_type);
  return { identifiers, accountType: account === null ? null : account.toUpperCase() };
}
