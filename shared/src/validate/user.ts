/**
 * Validation of one `<user>` against the schema as data (schema/user.ts) and Alma's own rules
 * (docs/diagnostics.md). A pure function of the user and the context: the language server
 * caches the result per `XmlElement` and re-validates only the users an edit touched.
 * Offsets are relative to the user chunk, like the element's.
 *
 * The validator walks the user as the scanner read it (an `ElementTable`: flat, no object per
 * element), so the command line checks a large file without building a tree per user;
 * `analyzeUser` takes an element tree and walks it through the same table.
 *
 * Ranges: a value problem covers the value's text, a structural one the element's name, an
 * attribute problem the attribute's value.
 */
import type { Problem, Severity } from '../diagnostics';
import type { AttributeDef, ComplexTypeDef, ElementDef, SimpleType } from '../schema/types';
import { USER_TYPE } from '../schema/user';
import { trimXml, userKeysOf, type UserKeys } from '../sis/keys';
import { ElementTable, fromElement } from '../xml/table';
import type { XmlElement } from '../xml/types';
import { almaSeverity, prepare, problem, xsdSeverity, type Prepared, type ValidationContext } from './context';
import {
  booleanReplacement,
  codePointLength,
  dateKey,
  fixDate,
  isXsdBoolean,
  isXsdDate,
  isXsdDateTime,
  isXsdFloat,
  isXsdInt,
  isXsdLong,
} from './values';

/** Fields newer than the April-2021 XSD, seen in Ex Libris' own JSON samples or production files (Berkeley's loader sends `pref_full_name`). */
const NEWER_FIELDS: ReadonlySet<string> = new Set(['pref_full_name', 'block_owner', 'note_owner', 'statistic_owner', 'proxy_type']);

/** Alma's own wording for empty mandatory values, where institutions have reported it (the California State University libraries' ULMS wiki). */
const ALMA_MANDATORY_MESSAGES: Readonly<Record<string, string>> = {
  'user_identifier/value': 'Mandatory field is missing: User identifier value',
  'user_statistic/statistic_category': 'User Rejected: missing a mandatory field: statistical category',
};

/** Documented as mandatory by Ex Libris (a note has a type and a text): an error in lenient mode. */
const V4_MANDATORY: ReadonlySet<string> = new Set(['user_note/note_text']);


/**
 * Position of the child named `name` in `ct`, or -1. Files nearly always list children in the
 * schema's order, so the scan starts after the previous match: usually one string comparison,
 * cheaper than hashing every freshly read name for a Map lookup (measured).
 */
function findPosition(ct: ComplexTypeDef, name: string, after: number): number {
  const ch = ct.children;
  const n = ch.length;
  for (let k = after + 1; k < n; k++) if (ch[k].name === name) return k;
  for (let k = 0; k <= after && k < n; k++) if (ch[k].name === name) return k;
  return -1;
}

class UserValidator {
  problems: Problem[] = [];
  /** The user being validated. */
  t!: ElementTable;
  private readonly counts: Uint32Array[] = [];
  /** > 0 while walking inside an element the SIS load ignores (strict mode only). */
  private ignoredDepth = 0;

  constructor(private readonly p: Prepared) {}

  /** Ready for the next user (validators are reused: their count arrays cost more than the walk). */
  reset(t: ElementTable): this {
    this.t = t;
    this.problems = [];
    this.ignoredDepth = 0;
    return this;
  }

  private add(code: Problem['code'], severity: Severity, message: string, start: number, end: number, data?: Record<string, unknown>) {
    this.problems.push(problem(code, severity, message, start, end, data));
  }

  private countsAt(depth: number, n: number): Uint32Array {
    let a = this.counts[depth];
    if (!a || a.length < n) {
      a = new Uint32Array(Math.max(n, 64));
      this.counts[depth] = a;
    } else a.fill(0, 0, n);
    return a;
  }

  private nameRange(i: number): readonly [number, number] {
    return [this.t.start[i] + 1, this.t.nameEnd[i]];
  }

  complex(el: number, ct: ComplexTypeDef, depth: number) {
    const p = this.p;
    const t = this.t;
    const elName = t.names[el];
    if (t.attrEnd[el] > t.attrFirst[el]) this.attributes(el, ct.attributes);
    if (t.hasNonSpaceText(el)) {
      const [s, e] = this.nameRange(el);
      this.add('unexpected-text', xsdSeverity(p, 'warning'), `Text inside <${elName}>, which holds only elements; Alma ignores it.`, s, e);
    }
    const n = ct.children.length;
    const counts = this.countsAt(depth, n);
    const sequence = ct.group === 'sequence';
    let lastPos = -1;
    let lastName = '';
    let lastFound = -1;
    const after = t.after;
    for (let child = el + 1, end = after[el]; child < end; child = after[child]) {
      const childName = t.names[child];
      const pos = findPosition(ct, childName, lastFound);
      if (pos < 0) {
        this.unknownElement(child, ct);
        continue;
      }
      lastFound = pos;
      const def = ct.children[pos];
      const seen = ++counts[pos];
      if (def.maxOccurs !== 'unbounded' && seen > def.maxOccurs) {
        const [s, e] = this.nameRange(child);
        const msg = def.maxOccurs === 1
          ? `<${childName}> appears more than once in <${elName}>; the schema allows it once${p.strict ? '' : ' and Alma will read only one of them'}.`
          : `More than ${def.maxOccurs} <${childName}> in <${elName}>.`;
        this.add('duplicate-element', xsdSeverity(p, 'warning'), msg, s, e, { element: childName });
      }
      if (sequence) {
        if (pos < lastPos) {
          const [s, e] = this.nameRange(child);
          this.add('element-order', xsdSeverity(p, 'warning'),
            `<${childName}> must come before <${lastName}> in <${elName}> (order: ${ct.children.map((c) => c.name).join(', ')}).`,
            s, e, { element: childName, before: lastName });
        } else {
          lastPos = pos;
          lastName = childName;
        }
      }
      let enteredIgnored = false;
      // record_type is read when the profile synchronizes it (setting syncRecordType).
      const readByProfile = depth === 0 && p.settings.syncRecordType && def.name === 'record_type';
      if (!def.sis && !readByProfile && this.ignoredDepth === 0) {
        const [s, e] = this.nameRange(child);
        this.add('ignored-by-sis', 'hint', ignoredMessage(def), s, e, elementData(childName));
        // Lenient mode judges what Alma reads; the XSD still checks what it ignores.
        if (!p.strict) continue;
        enteredIgnored = true;
        this.ignoredDepth++;
      }
      if (def.type !== undefined) this.simple(child, def, def.type, ct, depth === 0);
      else if (def.content !== undefined) {
        if (depth === 0 && !t.hasChildren(child) && !p.strict && p.protectedSet.has(def.name)) {
          // An empty protected list (e.g. <rs_libraries/>) clears the libraries staff may have set.
          const [s, e] = this.nameRange(child);
          this.add('empty-value', 'information',
            `Empty <${childName}>: a protected field; depending on the profile, Alma clears the stored list or keeps it (setting emptyProtectedField).`,
            s, e, { element: childName, protected: true });
        }
        this.complex(child, def.content, depth + 1);
      }
      if (enteredIgnored) this.ignoredDepth--;
    }
    // Required children (counts of this depth are still intact: deeper levels use their own arrays).
    const req = ct.requiredPositions;
    for (let r = 0; r < req.length; r++) if (counts[req[r]] === 0) this.missing(el, ct.children[req[r]], ct);
    // Documented as mandatory although the XSD lets them be missing (line1, city, note_text).
    const doc = ct.documentedPositions;
    for (let r = 0; r < doc.length; r++) {
      const c = doc[r];
      const d = ct.children[c];
      if (counts[c] === 0) {
        const key = `${ct.name}/${d.name}`;
        const [s, e] = this.nameRange(el);
        this.add('missing-element', almaSeverity(p, V4_MANDATORY.has(key) ? 'error' : 'warning'),
          `<${elName}> has no <${d.name}>, which Ex Libris documents as mandatory.`, s, e, { element: d.name, parent: elName });
      }
    }
  }

  private missing(el: number, req: ElementDef, ct: ComplexTypeDef) {
    const [s, e] = this.nameRange(el);
    const elName = this.t.names[el];
    if (req.name.endsWith('_types')) {
      this.add('missing-types-wrapper', 'error',
        `<${elName}> has no <${req.name}>: the schema requires the wrapper even when it lists no type, and Alma rejects the user without it.`,
        s, e, { element: req.name, parent: elName });
      return;
    }
    const alma = ALMA_MANDATORY_MESSAGES[`${ct.name}/${req.name}`];
    this.add('missing-element', 'error',
      alma ? `<${elName}> has no <${req.name}>: Alma rejects the user ("${alma}").` : `<${elName}> has no <${req.name}>, which is required.`,
      s, e, { element: req.name, parent: elName });
  }

  private unknownElement(child: number, parent: ComplexTypeDef | ElementDef) {
    const p = this.p;
    const [s, e] = this.nameRange(child);
    const childName = this.t.names[child];
    if (childName.includes(':')) {
      this.add('namespace', 'error', `<${childName}> has a namespace prefix; Alma's user schema has no namespace.`, s, e);
      return;
    }
    const parentName = parent.name;
    if ('type' in parent && parent.type !== undefined) {
      this.add('unknown-element', xsdSeverity(p, 'warning'), `<${parentName}> holds a value, not elements: <${childName}> is not allowed here.`, s, e);
      return;
    }
    const ct = parent as ComplexTypeDef;
    const suggestion = suggest(ct, childName);
    let msg = `<${childName}> is not part of Alma's user schema in <${parentName}>`;
    let sev: Severity = 'warning';
    if (NEWER_FIELDS.has(childName)) {
      msg += '; it is newer than the April-2021 XSD and may or may not be read by your Alma';
      sev = 'information';
    } else if (suggestion) msg += `; did you mean <${suggestion}>?`;
    else msg += p.strict ? '' : '; the SIS load ignores it';
    if (!msg.endsWith('?')) msg += '.';
    this.add('unknown-element', xsdSeverity(p, sev), msg, s, e, suggestion ? { element: childName, suggestion } : { element: childName });
  }

  private attributes(el: number, defs: readonly AttributeDef[] | undefined) {
    const t = this.t;
    const elName = t.names[el];
    for (let k = t.attrFirst[el], end = t.attrEnd[el]; k < end; k++) {
      const name = t.attrNames[k];
      const start = t.attrStart[k];
      if (name === 'xmlns') {
        const value = t.attrValue(k);
        if (value !== '') {
          this.add('namespace', 'error', `A default namespace ("${value}") on <${elName}>: Alma's user schema has no namespace, so nothing inside would be recognised.`, t.attrValueStart[k], t.attrValueEnd[k]);
        }
        continue;
      }
      // Declaring a prefix changes nothing by itself; xsi:* attributes are allowed everywhere,
      // except xsi:nil, which XSD allows only on elements declared nillable (none of Alma's are).
      if (name === 'xsi:nil') {
        this.add('unknown-attribute', xsdSeverity(this.p, 'warning'), `xsi:nil is not allowed on <${elName}>: no element of Alma's user schema is nillable.`, start, start + name.length, { attribute: name });
        continue;
      }
      if (name.startsWith('xmlns:') || name.startsWith('xsi:')) continue;
      let def: AttributeDef | undefined;
      if (defs) for (let j = 0; j < defs.length; j++) if (defs[j].name === name) def = defs[j];
      if (def === undefined) {
        this.add('unknown-attribute', xsdSeverity(this.p, 'warning'), `<${elName}> has no attribute "${name}" in Alma's user schema.`, start, start + name.length, { attribute: name });
        continue;
      }
      this.attributeValue(k, def);
    }
  }

  private attributeValue(k: number, def: AttributeDef) {
    const p = this.p;
    const t = def.type;
    const name = this.t.attrNames[k];
    const value = this.t.attrValue(k);
    const vs = this.t.attrValueStart[k];
    const ve = this.t.attrValueEnd[k];
    if (def.name === 'segment_type') {
      // "External" says what the SIS load does anyway; anything else is a wish it ignores
      // (rest_user.xsd: segment_type is not tagged for the SIS load).
      if (trimXml(value) !== 'External') {
        this.add('segment-type-ignored', 'warning',
          `segment_type="${value}" has no effect in an SIS file: the SIS load stores every segment as External (only the Users API reads it).`,
          vs, ve, { attribute: 'segment_type', replacement: 'External' });
      }
      if (!p.strict) return;
    }
    if (t.kind === 'boolean') {
      const v = trimXml(value);
      if (!isXsdBoolean(v)) {
        const replacement = booleanReplacement(v);
        this.add('invalid-boolean', xsdSeverity(p, 'warning'),
          `${name}="${value}" is not a boolean: use true or false${p.strict ? '' : ' (Alma may read it as false)'}.`,
          vs, ve, replacement ? { replacement, attribute: name } : { attribute: name });
      }
    } else if (t.kind === 'string' && t.maxLength !== undefined && value.length > t.maxLength) {
      const len = codePointLength(value);
      if (len > t.maxLength) {
        this.add('too-long', xsdSeverity(p, 'warning'), `${name} is ${len} characters long; the schema allows at most ${t.maxLength}.`, vs, ve, { maxLength: t.maxLength, length: len });
      }
    } else if ((t.kind === 'long' && !isXsdLong(value)) || (t.kind === 'int' && !isXsdInt(value))) {
      this.add('invalid-number', xsdSeverity(p, 'warning'), `${name}="${value}" is not a whole number.`, vs, ve);
    }
  }

  simple(el: number, def: ElementDef, type: SimpleType, parent: ComplexTypeDef, isCore: boolean) {
    const p = this.p;
    const t = this.t;
    if (t.attrEnd[el] > t.attrFirst[el]) this.attributes(el, def.attributes);
    if (t.hasChildren(el)) for (let c = el + 1, end = t.after[el]; c < end; c = t.after[c]) this.unknownElement(c, def);
    // An element the reader had to cut short has no trustworthy value: the reader reported it.
    if (!t.isClosed(el)) return;
    const text = t.textOf(el);
    const trimmed = trimXml(text);
    if (trimmed === '') {
      this.empty(el, def, type, parent, isCore);
      return;
    }
    const padded = trimmed.length !== text.length;
    const vs = t.startTagEnd[el];
    const ve = t.endTagStart[el];
    switch (type.kind) {
      case 'string': {
        if (type.maxLength !== undefined && text.length > type.maxLength) {
          const len = codePointLength(text);
          if (len > type.maxLength) {
            this.add('too-long', xsdSeverity(p, 'warning'),
              `<${t.names[el]}> is ${len} characters long; the schema allows at most ${type.maxLength}${p.strict ? '' : ' (Alma may reject or cut it)'}.`,
              vs, ve, { maxLength: type.maxLength, length: len });
          }
        }
        if (padded) this.padded(el, trimmed, def.code === true);
        if (def.code && p.codeTables) this.codeValue(el, def, trimmed);
        return;
      }
      case 'date':
      case 'dateTime': {
        const isDate = type.kind === 'date';
        const ok = isDate ? isXsdDate : isXsdDateTime;
        const code = isDate ? 'invalid-date' : 'invalid-datetime';
        const what = isDate ? 'a date (YYYY-MM-DD, optionally followed by Z or an offset such as +02:00)' : 'a date and time (YYYY-MM-DDThh:mm:ss, optional fraction and Z or offset)';
        if (p.strict) {
          // libxml2 rejects a date with spaces around it (checked with xmllint).
          if (!ok(text)) {
            const replacement = ok(trimmed) ? trimmed : isDate ? fixDate(trimmed) : undefined;
            this.add(code, 'error', `"${text}" is not ${what}${padded && ok(trimmed) ? ': remove the spaces around it' : ''}.`, vs, ve, replacement ? { replacement } : undefined);
          }
        } else {
          if (padded) this.padded(el, trimmed);
          if (!ok(trimmed)) {
            const replacement = isDate ? fixDate(trimmed) : undefined;
            this.add(code, 'error', `"${trimmed}" is not ${what}${replacement ? `; did you mean ${replacement}?` : '.'}`, vs, ve, replacement ? { replacement } : undefined);
          }
        }
        return;
      }
      case 'boolean': {
        if (!isXsdBoolean(trimmed)) {
          const replacement = booleanReplacement(trimmed);
          this.add('invalid-boolean', xsdSeverity(p, 'warning'),
            `"${trimmed}" is not a boolean: use true or false${p.strict ? '' : ' (Alma may read it as false)'}.`, vs, ve, replacement ? { replacement } : undefined);
        } else if (padded) this.padded(el, trimmed);
        return;
      }
      case 'int':
      case 'long':
      case 'float': {
        const ok = type.kind === 'float' ? isXsdFloat(trimmed) : (type.kind === 'int' ? isXsdInt : isXsdLong)(p.strict ? text : trimmed);
        if (!ok) {
          this.add('invalid-number', xsdSeverity(p, 'warning'),
            `"${text}" is not ${type.kind === 'float' ? 'a number' : 'a whole number'}${type.kind === 'int' ? ' (32-bit)' : ''}.`, vs, ve);
        } else if (padded && !p.strict) this.padded(el, trimmed);
        return;
      }
    }
  }

  private padded(el: number, trimmed: string, isCode = false) {
    const t = this.t;
    this.add('padded-value', 'warning',
      `Spaces around the value of <${t.names[el]}>; Alma may keep them as part of the value${isCode ? ', and a padded code matches no code' : ''}.`,
      t.startTagEnd[el], t.endTagStart[el], { replacement: trimmed });
  }

  private empty(el: number, def: ElementDef, type: SimpleType, parent: ComplexTypeDef, isCore: boolean) {
    const p = this.p;
    const [s, e] = this.nameRange(el);
    const elName = this.t.names[el];
    const key = `${parent.name}/${def.name}`;
    const required = def.minOccurs >= 1 || V4_MANDATORY.has(key);
    if (p.strict && type.kind !== 'string') {
      this.add('empty-value', 'error', `<${elName}> is empty: '' is not a valid ${type.kind === 'dateTime' ? 'xs:dateTime' : 'xs:' + type.kind}.`, s, e, { element: elName });
      return;
    }
    if (required) {
      const alma = ALMA_MANDATORY_MESSAGES[key];
      this.add('mandatory-value-missing', almaSeverity(p, 'error'),
        alma ? `<${elName}> is empty: Alma rejects the user ("${alma}").` : `<${elName}> is empty; Alma requires a value and rejects the user.`,
        s, e, { element: elName });
      return;
    }
    if (!p.strict && isCore && def.sis) {
      const isProtected = p.protectedSet.has(def.name);
      const msg = def.name === 'preferred_language'
        ? 'Empty <preferred_language>: Alma cannot leave it empty and sets it to en.'
        : isProtected
          ? `Empty <${elName}>: a protected field; depending on the profile, Alma clears the stored value or keeps it (setting emptyProtectedField).`
          : `Empty <${elName}>: Alma treats it as absent and clears the value it holds for this user.`;
      this.add('empty-value', isProtected ? 'information' : 'hint', msg, s, e, { element: elName, protected: isProtected });
    }
  }

  private codeValue(el: number, def: ElementDef, code: string) {
    const tables = this.p.codeTables;
    const vs = this.t.startTagEnd[el];
    const ve = this.t.endTagStart[el];
    if (!tables) return;
    const table = tables.tables.get(def.codeTable ?? def.name) ?? (def.codeTable ? tables.tables.get(def.name) : undefined);
    if (!table) return;
    if (table.byCode.has(code)) {
      const allowed = tables.allowed?.get(table.name)?.get(this.p.settings.recordType);
      if (allowed && !allowed.has(code)) {
        this.add('code-not-allowed', 'error',
          `"${code}" is not allowed for record type ${this.p.settings.recordType} (the profile's); allowed: ${[...allowed].join(', ') || 'none'}.`,
          vs, ve, { table: table.name, recordType: this.p.settings.recordType });
      }
      return;
    }
    const near = table.byLowerCode.get(code.toLowerCase());
    if (near) {
      this.add('code-case', 'warning', `"${code}" is written "${near.code}" in the ${table.name} table; codes are case-sensitive.`, vs, ve, { replacement: near.code, table: table.name });
    } else {
      this.add('unknown-code', 'error', `"${code}" is not a code of the ${table.name} table.`, vs, ve, { table: table.name });
    }
  }
}

const elementDataCache = new Map<string, Readonly<Record<string, unknown>>>();
/** `{ element: name }`, shared and frozen: thousands of users carry the same ignored fields. */
function elementData(name: string): Record<string, unknown> {
  let d = elementDataCache.get(name);
  if (!d) {
    d = Object.freeze({ element: name });
    if (elementDataCache.size < 1000) elementDataCache.set(name, d);
  }
  return d as Record<string, unknown>;
}

const ignoredMessages = new WeakMap<ElementDef, string>();
function ignoredMessage(def: ElementDef): string {
  let m = ignoredMessages.get(def);
  if (m === undefined) {
    m = ignoredText(def);
    ignoredMessages.set(def, m);
  }
  return m;
}

function ignoredText(def: ElementDef): string {
  if (def.outputOnly) return `<${def.name}> is maintained by Alma and only returned by the API; the SIS load ignores it.`;
  if (def.name === 'user_roles') return '<user_roles> is ignored by the SIS load: roles come from the role assignment rules, never from the file.';
  if (def.name === 'record_type') return '<record_type> is ignored by the SIS load: the integration profile decides the record type.';
  if (def.name === 'external_id') return '<external_id> is ignored by the SIS load: Alma writes the profile code there.';
  if (def.name === 'account_type') return '<account_type> is ignored by the SIS load: every user it creates is EXTERNAL.';
  return `<${def.name}> is not read by the SIS load (the schema marks it for the Users API only).`;
}

const normalizedNames = new WeakMap<ComplexTypeDef, Map<string, string>>();
const normalize = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');

/** A known child whose name matches ignoring case and underscores (`recordType` → `record_type`). */
function suggest(ct: ComplexTypeDef, name: string): string | undefined {
  let m = normalizedNames.get(ct);
  if (!m) {
    m = new Map(ct.children.map((c) => [normalize(c.name), c.name]));
    normalizedNames.set(ct, m);
  }
  return m.get(normalize(name));
}

const CONTACT_ITEMS: ReadonlyMap<string, 'address' | 'email' | 'phone'> = new Map([['addresses', 'address'], ['emails', 'email'], ['phones', 'phone']] as const);

/** Whether attribute k is `true` or `1` (no attribute: -1, false). */
function isTrue(t: ElementTable, k: number): boolean {
  if (k < 0) return false;
  const v = trimXml(t.attrValue(k));
  return v === 'true' || v === '1';
}

/** The comparable `YYYY-MM-DD` of date element i when its value is a valid date. */
function dateOf(t: ElementTable, i: number): string | undefined {
  if (i < 0) return undefined;
  const v = trimXml(t.textOf(i));
  return v !== '' && isXsdDate(v) ? dateKey(v) : undefined;
}

/**
 * Alma's rules that need more than one element: an identifier repeated inside one user
 * (CARLI, "SIS Synchronization Troubleshooting"), expiry and purge dates, preferred flags.
 */
function almaRules(v: UserValidator, keys: UserKeys, p: Prepared) {
  const out = v.problems;
  const t = v.t;
  const us = t.start[0] + 1;
  const ue = t.nameEnd[0];
  if (keys.matchValue === null) {
    // Without a primary_id the user matches nobody and is created with an id Alma generates from
    // the name (rest_user.xsd, primary_id): a warning, since a person Alma already holds would
    // get a second account. Without the identifier the profile matches on, Alma cannot match it.
    const byPrimary = p.settings.matchBy.toLowerCase() === 'primary_id';
    out.push(problem('missing-match-id', byPrimary ? 'warning' : almaSeverity(p, 'error'),
      byPrimary
        ? 'This user has no primary_id, the profile\'s Match ID: Alma cannot match it, so it creates a new user with an id generated from the first and last name. If this person is already in Alma, they get a second account.'
        : `This user has no identifier of type ${p.settings.matchBy}, the profile's Match ID: Alma cannot match it.`,
      us, ue, { matchBy: p.settings.matchBy }));
  }
  // Contact users cannot be assigned additional identifiers (Alma Online Help, "Viewing User
  // Identifier Types"): the profile creates contacts, or the file makes the user one.
  const recordTypeEl = p.settings.syncRecordType ? t.findChild(0, 'record_type') : -1;
  const becomesContact = recordTypeEl >= 0 ? trimXml(t.textOf(recordTypeEl)).toUpperCase() === 'CONTACT' : p.settings.recordType === 'CONTACT';
  const identifiersEl = becomesContact ? t.findChild(0, 'user_identifiers') : -1;
  if (identifiersEl >= 0 && t.findChild(identifiersEl, 'user_identifier') >= 0) {
    out.push(problem('contact-identifiers', 'warning',
      recordTypeEl >= 0
        ? 'The file makes this user a CONTACT user, and contact users cannot have additional identifiers: Alma may refuse them.'
        : 'The profile creates CONTACT users, and contact users cannot have additional identifiers: Alma may refuse them.',
      t.start[identifiersEl] + 1, t.nameEnd[identifiersEl]));
  }
  // One value in two identifier slots of the same user (Alma online help, "Managing Users";
  // CARLI, "SIS Synchronization Troubleshooting").
  const ids = keys.identifiers;
  if (ids.length > 1) {
    for (let j = 1; j < ids.length; j++) {
      if (ids[j].key === '') continue;
      for (let i = 0; i < j; i++) {
        if (ids[i].key === ids[j].key) {
          out.push(problem('duplicate-identifier-in-user', almaSeverity(p, 'error'),
            `The value "${ids[j].value}" is also this user's ${ids[i].type === 'primary_id' ? 'primary_id' : `identifier of type ${ids[i].type}`}: Alma rejects the user ("Identifier of type ${ids[j].type} and value ${ids[j].value} is already taken AcrossInstitution in this feed").`,
            ids[j].start, ids[j].end, { otherType: ids[i].type }));
          break;
        }
      }
    }
  }
  // Expiry and purge sanity (warnings; thresholds are policy, not Alma rules).
  const expiryEl = t.findChild(0, 'expiry_date');
  const expiry = dateOf(t, expiryEl);
  if (expiry && p.today && expiry < p.today) {
    out.push(problem('expiry-in-past', 'warning', `The expiry date ${expiry} is already past (today is ${p.today}): the user is expired as soon as it loads.`, t.startTagEnd[expiryEl], t.endTagStart[expiryEl]));
  }
  const purgeEl = t.findChild(0, 'purge_date');
  const purge = dateOf(t, purgeEl);
  if (purge && expiry && purge < expiry) {
    out.push(problem('purge-before-expiry', 'warning', `The purge date ${purge} is before the expiry date ${expiry}: the purge job may delete the user while it is still active.`, t.startTagEnd[purgeEl], t.endTagStart[purgeEl]));
  }
  // Preferred flags in contact_info.
  const after = t.after;
  for (let ci = 1, ce = after[0]; ci < ce; ci = after[ci]) {
    if (t.names[ci] !== 'contact_info') continue;
    for (let list = ci + 1, le = after[ci]; list < le; list = after[list]) {
      const item = CONTACT_ITEMS.get(t.names[list]);
      if (item === undefined) continue;
      let preferred = 0;
      let sms = 0;
      let items = 0;
      for (let it = list + 1, ie = after[list]; it < ie; it = after[it]) {
        if (t.names[it] !== item) continue;
        items++;
        const pa = t.findAttribute(it, 'preferred');
        if (isTrue(t, pa)) {
          if (++preferred > 1) {
            out.push(problem('multiple-preferred', almaSeverity(p, 'error'), `More than one ${item} is marked preferred="true"; Alma keeps one preferred ${item} per user.`, t.attrValueStart[pa], t.attrValueEnd[pa], { attribute: 'preferred' }));
          }
        }
        const sa = t.findAttribute(it, 'preferred_sms');
        if (isTrue(t, sa)) {
          if (++sms > 1) {
            out.push(problem('multiple-preferred-sms', almaSeverity(p, 'error'), 'More than one phone is marked preferred_sms="true"; only one phone can receive SMS.', t.attrValueStart[sa], t.attrValueEnd[sa], { attribute: 'preferred_sms' }));
          }
        }
        if (item === 'address') {
          const start = dateOf(t, t.findChild(it, 'start_date'));
          const endEl = t.findChild(it, 'end_date');
          const end = dateOf(t, endEl);
          if (start && end && end < start) {
            out.push(problem('end-before-start', 'warning', `The address ends (${end}) before it starts (${start}).`, t.startTagEnd[endEl], t.endTagStart[endEl]));
          }
        }
      }
      if (items > 0 && preferred === 0 && item !== 'phone') {
        out.push(problem('no-preferred', 'warning',
          `No ${item} is marked preferred="true": Primo and linked accounts in fulfillment networks then show no ${item} for the user.`,
          t.start[list] + 1, t.nameEnd[list], { element: item }));
      }
    }
  }
}

const validators = new WeakMap<Prepared, UserValidator>();

export interface UserAnalysis {
  /** Problems of this user, offsets relative to the chunk, in document order of discovery. */
  readonly problems: Problem[];
  /** The user's keys (for matching and the file-wide duplicate checks). */
  readonly keys: UserKeys;
}

/**
 * Validate the user in element 0 of `table` (as the scanner read it) and compute its keys;
 * both relative to the chunk. The problem list is the caller's.
 */
export function analyzeScan(table: ElementTable, ctx: ValidationContext = {}): UserAnalysis {
  const p = prepare(ctx);
  let v = validators.get(p);
  if (!v) {
    v = new UserValidator(p);
    validators.set(p, v);
  }
  v.reset(table).complex(0, USER_TYPE, 0);
  const keys = userKeysOf(table, p.settings);
  almaRules(v, keys, p);
  return { problems: v.problems, keys };
}

const scratch = new ElementTable();

/** `analyzeScan` of a `<user>` element tree. */
export function analyzeUser(element: XmlElement, ctx: ValidationContext = {}): UserAnalysis {
  return analyzeScan(fromElement(element, scratch), ctx);
}

/** Per-user validation: schema + Alma's per-user rules. Offsets relative to the user chunk. */
export function validateUser(element: XmlElement, ctx: ValidationContext = {}): Problem[] {
  return analyzeUser(element, ctx).problems;
}
