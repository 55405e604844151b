/**
 * Validation of one `<user>` against the schema as data (schema/user.ts) and Alma's own rules
 * (domain §9a V3–V8). A pure function of the element and the context: the language server
 * caches the result per `XmlElement` and re-validates only the users an edit touched.
 * Offsets are relative to the user chunk, like the element's.
 *
 * Ranges: a value problem covers the value's text, a structural one the element's name, an
 * attribute problem the attribute's value.
 */
import type { Problem, Severity } from '../diagnostics';
import type { AttributeDef, ComplexTypeDef, ElementDef, SimpleType } from '../schema/types';
import { USER_TYPE } from '../schema/user';
import { trimXml, userKeys, type UserKeys } from '../sis/keys';
import type { XmlAttribute, XmlElement } from '../xml/types';
import { almaSeverity, prepare, problem, xsdSeverity, type Prepared, type ValidationContext } from './context';
import {
  booleanReplacement,
  codePointLength,
  dateKey,
  fixDate,
  hasNonSpace,
  isXsdBoolean,
  isXsdDate,
  isXsdDateTime,
  isXsdFloat,
  isXsdInt,
  isXsdLong,
} from './values';

/** Fields newer than the April-2021 XSD, seen in Alma's own samples or production files (domain §2.9). */
const NEWER_FIELDS: ReadonlySet<string> = new Set(['pref_full_name', 'block_owner', 'note_owner', 'statistic_owner', 'proxy_type']);

/** Alma's own wording for empty mandatory values, where institutions have reported it (domain §5.2 [CSU-ISSUES]). */
const ALMA_MANDATORY_MESSAGES: Readonly<Record<string, string>> = {
  'user_identifier/value': 'Mandatory field is missing: User identifier value',
  'user_statistic/statistic_category': 'User Rejected: missing a mandatory field: statistical category',
};

/** Documented as mandatory and listed by checklist V4 ("note has type/text"): an error in lenient mode. */
const V4_MANDATORY: ReadonlySet<string> = new Set(['user_note/note_text']);

const nameRange = (el: XmlElement) => [el.start + 1, el.nameEnd] as const;

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
  private readonly counts: Uint32Array[] = [];
  /** > 0 while walking inside an element the SIS load ignores (strict mode only). */
  private ignoredDepth = 0;

  constructor(private readonly p: Prepared) {}

  /** Ready for the next user (validators are reused: their count arrays cost more than the walk). */
  reset(): this {
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

  complex(el: XmlElement, ct: ComplexTypeDef, depth: number) {
    const p = this.p;
    if (el.attributes.length > 0) this.attributes(el, ct.attributes);
    if (el.text.length > 0 && hasNonSpace(el.text)) {
      const [s, e] = nameRange(el);
      this.add('unexpected-text', xsdSeverity(p, 'warning'), `Text inside <${el.name}>, which holds only elements; Alma ignores it.`, s, e);
    }
    const n = ct.children.length;
    const counts = this.countsAt(depth, n);
    const sequence = ct.group === 'sequence';
    let lastPos = -1;
    let lastName = '';
    let lastFound = -1;
    const children = el.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      const pos = findPosition(ct, child.name, lastFound);
      if (pos < 0) {
        this.unknownElement(child, ct);
        continue;
      }
      lastFound = pos;
      const def = ct.children[pos];
      const seen = ++counts[pos];
      if (def.maxOccurs !== 'unbounded' && seen > def.maxOccurs) {
        const [s, e] = nameRange(child);
        const msg = def.maxOccurs === 1
          ? `<${child.name}> appears more than once in <${el.name}>; the schema allows it once${p.strict ? '' : ' and Alma will read only one of them'}.`
          : `More than ${def.maxOccurs} <${child.name}> in <${el.name}>.`;
        this.add('duplicate-element', xsdSeverity(p, 'warning'), msg, s, e, { element: child.name });
      }
      if (sequence) {
        if (pos < lastPos) {
          const [s, e] = nameRange(child);
          this.add('element-order', xsdSeverity(p, 'warning'),
            `<${child.name}> must come before <${lastName}> in <${el.name}> (order: ${ct.children.map((c) => c.name).join(', ')}).`,
            s, e, { element: child.name, before: lastName });
        } else {
          lastPos = pos;
          lastName = child.name;
        }
      }
      let enteredIgnored = false;
      if (!def.sis && this.ignoredDepth === 0) {
        const [s, e] = nameRange(child);
        this.add('ignored-by-sis', 'hint', ignoredMessage(def), s, e, elementData(child.name));
        // Lenient mode judges what Alma reads; the XSD still checks what it ignores.
        if (!p.strict) continue;
        enteredIgnored = true;
        this.ignoredDepth++;
      }
      if (def.type !== undefined) this.simple(child, def, def.type, ct, depth === 0);
      else if (def.content !== undefined) {
        if (depth === 0 && child.children.length === 0 && !p.strict && p.protectedSet.has(def.name)) {
          // An empty protected list (e.g. <rs_libraries/>) clears the libraries staff may have set.
          const [s, e] = nameRange(child);
          this.add('empty-value', 'information',
            `Empty <${child.name}>: a protected field; depending on the profile, Alma clears the stored list or keeps it (setting emptyProtectedField).`,
            s, e, { element: child.name, protected: true });
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
        const [s, e] = nameRange(el);
        this.add('missing-element', almaSeverity(p, V4_MANDATORY.has(key) ? 'error' : 'warning'),
          `<${el.name}> has no <${d.name}>, which Ex Libris documents as mandatory.`, s, e, { element: d.name, parent: el.name });
      }
    }
  }

  private missing(el: XmlElement, req: ElementDef, ct: ComplexTypeDef) {
    const [s, e] = nameRange(el);
    if (req.name.endsWith('_types')) {
      this.add('missing-types-wrapper', 'error',
        `<${el.name}> has no <${req.name}>: the schema requires the wrapper even when it lists no type, and Alma rejects the user without it.`,
        s, e, { element: req.name, parent: el.name });
      return;
    }
    const alma = ALMA_MANDATORY_MESSAGES[`${ct.name}/${req.name}`];
    this.add('missing-element', 'error',
      alma ? `<${el.name}> has no <${req.name}>: Alma rejects the user ("${alma}").` : `<${el.name}> has no <${req.name}>, which is required.`,
      s, e, { element: req.name, parent: el.name });
  }

  private unknownElement(child: XmlElement, parent: ComplexTypeDef | ElementDef) {
    const p = this.p;
    const [s, e] = nameRange(child);
    if (child.name.includes(':')) {
      this.add('namespace', 'error', `<${child.name}> has a namespace prefix; Alma's user schema has no namespace.`, s, e);
      return;
    }
    const parentName = parent.name;
    if ('type' in parent && parent.type !== undefined) {
      this.add('unknown-element', xsdSeverity(p, 'warning'), `<${parentName}> holds a value, not elements: <${child.name}> is not allowed here.`, s, e);
      return;
    }
    const ct = parent as ComplexTypeDef;
    const suggestion = suggest(ct, child.name);
    let msg = `<${child.name}> is not part of Alma's user schema in <${parentName}>`;
    let sev: Severity = 'warning';
    if (NEWER_FIELDS.has(child.name)) {
      msg += '; it is newer than the April-2021 XSD and may or may not be read by your Alma';
      sev = 'information';
    } else if (suggestion) msg += `; did you mean <${suggestion}>?`;
    else msg += p.strict ? '' : '; the SIS load ignores it';
    if (!msg.endsWith('?')) msg += '.';
    this.add('unknown-element', xsdSeverity(p, sev), msg, s, e, suggestion ? { element: child.name, suggestion } : { element: child.name });
  }

  private attributes(el: XmlElement, defs: readonly AttributeDef[] | undefined) {
    const attrs = el.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i];
      const name = a.name;
      if (name === 'xmlns') {
        if (a.value !== '') {
          this.add('namespace', 'error', `A default namespace ("${a.value}") on <${el.name}>: Alma's user schema has no namespace, so nothing inside would be recognised.`, a.valueStart, a.valueEnd);
        }
        continue;
      }
      // Declaring a prefix changes nothing by itself; xsi:* attributes are allowed everywhere,
      // except xsi:nil, which XSD allows only on elements declared nillable (none of Alma's are).
      if (name === 'xsi:nil') {
        this.add('unknown-attribute', xsdSeverity(this.p, 'warning'), `xsi:nil is not allowed on <${el.name}>: no element of Alma's user schema is nillable.`, a.start, a.start + name.length, { attribute: name });
        continue;
      }
      if (name.startsWith('xmlns:') || name.startsWith('xsi:')) continue;
      let def: AttributeDef | undefined;
      if (defs) for (let j = 0; j < defs.length; j++) if (defs[j].name === name) def = defs[j];
      if (def === undefined) {
        this.add('unknown-attribute', xsdSeverity(this.p, 'warning'), `<${el.name}> has no attribute "${name}" in Alma's user schema.`, a.start, a.start + name.length, { attribute: name });
        continue;
      }
      this.attributeValue(el, a, def);
    }
  }

  private attributeValue(el: XmlElement, a: XmlAttribute, def: AttributeDef) {
    const p = this.p;
    const t = def.type;
    if (def.name === 'segment_type') {
      // "External" says what the SIS load does anyway; anything else is a wish it ignores [XSD].
      if (trimXml(a.value) !== 'External') {
        this.add('segment-type-ignored', 'warning',
          `segment_type="${a.value}" has no effect in an SIS file: the SIS load stores every segment as External (only the Users API reads it).`,
          a.valueStart, a.valueEnd, { attribute: 'segment_type', replacement: 'External' });
      }
      if (!p.strict) return;
    }
    if (t.kind === 'boolean') {
      const v = trimXml(a.value);
      if (!isXsdBoolean(v)) {
        const replacement = booleanReplacement(v);
        this.add('invalid-boolean', xsdSeverity(p, 'warning'),
          `${a.name}="${a.value}" is not a boolean: use true or false${p.strict ? '' : ' (Alma may read it as false)'}.`,
          a.valueStart, a.valueEnd, replacement ? { replacement, attribute: a.name } : { attribute: a.name });
      }
    } else if (t.kind === 'string' && t.maxLength !== undefined && a.value.length > t.maxLength) {
      const len = codePointLength(a.value);
      if (len > t.maxLength) {
        this.add('too-long', xsdSeverity(p, 'warning'), `${a.name} is ${len} characters long; the schema allows at most ${t.maxLength}.`, a.valueStart, a.valueEnd, { maxLength: t.maxLength, length: len });
      }
    } else if ((t.kind === 'long' && !isXsdLong(a.value)) || (t.kind === 'int' && !isXsdInt(a.value))) {
      this.add('invalid-number', xsdSeverity(p, 'warning'), `${a.name}="${a.value}" is not a whole number.`, a.valueStart, a.valueEnd);
    }
  }

  simple(el: XmlElement, def: ElementDef, type: SimpleType, parent: ComplexTypeDef, isCore: boolean) {
    const p = this.p;
    if (el.attributes.length > 0) this.attributes(el, def.attributes);
    if (el.children.length > 0) for (let i = 0; i < el.children.length; i++) this.unknownElement(el.children[i], def);
    // An element the reader had to cut short has no trustworthy value: the reader reported it.
    if (!el.closed) return;
    const text = el.text;
    const trimmed = trimXml(text);
    if (trimmed === '') {
      this.empty(el, def, type, parent, isCore);
      return;
    }
    const padded = trimmed.length !== text.length;
    const vs = el.startTagEnd;
    const ve = el.endTagStart;
    switch (type.kind) {
      case 'string': {
        if (type.maxLength !== undefined && text.length > type.maxLength) {
          const len = codePointLength(text);
          if (len > type.maxLength) {
            this.add('too-long', xsdSeverity(p, 'warning'),
              `<${el.name}> is ${len} characters long; the schema allows at most ${type.maxLength}${p.strict ? '' : ' (Alma may reject or cut it)'}.`,
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

  private padded(el: XmlElement, trimmed: string, isCode = false) {
    this.add('padded-value', 'warning',
      `Spaces around the value of <${el.name}>; Alma may keep them as part of the value${isCode ? ', and a padded code matches no code' : ''}.`,
      el.startTagEnd, el.endTagStart, { replacement: trimmed });
  }

  private empty(el: XmlElement, def: ElementDef, type: SimpleType, parent: ComplexTypeDef, isCore: boolean) {
    const p = this.p;
    const [s, e] = nameRange(el);
    const key = `${parent.name}/${def.name}`;
    const required = def.minOccurs >= 1 || V4_MANDATORY.has(key);
    if (p.strict && type.kind !== 'string') {
      this.add('empty-value', 'error', `<${el.name}> is empty: '' is not a valid ${type.kind === 'dateTime' ? 'xs:dateTime' : 'xs:' + type.kind}.`, s, e, { element: el.name });
      return;
    }
    if (required) {
      const alma = ALMA_MANDATORY_MESSAGES[key];
      this.add('mandatory-value-missing', almaSeverity(p, 'error'),
        alma ? `<${el.name}> is empty: Alma rejects the user ("${alma}").` : `<${el.name}> is empty; Alma requires a value and rejects the user.`,
        s, e, { element: el.name });
      return;
    }
    if (!p.strict && isCore && def.sis) {
      const isProtected = p.protectedSet.has(def.name);
      const msg = def.name === 'preferred_language'
        ? 'Empty <preferred_language>: Alma cannot leave it empty and sets it to en.'
        : isProtected
          ? `Empty <${el.name}>: a protected field; depending on the profile, Alma clears the stored value or keeps it (setting emptyProtectedField).`
          : `Empty <${el.name}>: Alma treats it as absent and clears the value it holds for this user.`;
      this.add('empty-value', isProtected ? 'information' : 'hint', msg, s, e, { element: el.name, protected: isProtected });
    }
  }

  private codeValue(el: XmlElement, def: ElementDef, code: string) {
    const tables = this.p.codeTables;
    if (!tables) return;
    const table = tables.tables.get(def.codeTable ?? def.name) ?? (def.codeTable ? tables.tables.get(def.name) : undefined);
    if (!table) return;
    if (table.byCode.has(code)) {
      const allowed = tables.allowed?.get(table.name)?.get(this.p.settings.recordType);
      if (allowed && !allowed.has(code)) {
        this.add('code-not-allowed', 'error',
          `"${code}" is not allowed for record type ${this.p.settings.recordType} (the profile's); allowed: ${[...allowed].join(', ') || 'none'}.`,
          el.startTagEnd, el.endTagStart, { table: table.name, recordType: this.p.settings.recordType });
      }
      return;
    }
    const near = table.byLowerCode.get(code.toLowerCase());
    if (near) {
      this.add('code-case', 'warning', `"${code}" is written "${near.code}" in the ${table.name} table; codes are case-sensitive.`, el.startTagEnd, el.endTagStart, { replacement: near.code, table: table.name });
    } else {
      this.add('unknown-code', 'error', `"${code}" is not a code of the ${table.name} table.`, el.startTagEnd, el.endTagStart, { table: table.name });
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

function first(el: XmlElement, name: string): XmlElement | undefined {
  const ch = el.children;
  for (let i = 0; i < ch.length; i++) if (ch[i].name === name) return ch[i];
  return undefined;
}

function attr(el: XmlElement, name: string): XmlAttribute | undefined {
  const a = el.attributes;
  for (let i = 0; i < a.length; i++) if (a[i].name === name) return a[i];
  return undefined;
}

const isTrue = (a: XmlAttribute | undefined) => {
  if (!a) return false;
  const v = trimXml(a.value);
  return v === 'true' || v === '1';
};

/** The comparable `YYYY-MM-DD` of a date element when its value is a valid date. */
function dateOf(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const v = trimXml(el.text);
  return v !== '' && isXsdDate(v) ? dateKey(v) : undefined;
}

/** Alma's rules that need more than one element (checklist V4, V6–V8). */
function almaRules(v: UserValidator, user: XmlElement, keys: UserKeys, p: Prepared) {
  const out = v.problems;
  const [us, ue] = nameRange(user);
  if (keys.matchValue === null) {
    const byPrimary = p.settings.matchBy.toLowerCase() === 'primary_id';
    out.push(problem('missing-match-id', almaSeverity(p, 'error'),
      byPrimary
        ? 'This user has no primary_id, the profile\'s Match ID: Alma cannot match it to an existing user (a new user would get a generated id).'
        : `This user has no identifier of type ${p.settings.matchBy}, the profile's Match ID: Alma cannot match it.`,
      us, ue, { matchBy: p.settings.matchBy }));
  }
  // V6: one value in two identifier slots of the same user [OLH-SIS] [CARLI-TROUBLE].
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
  // V8: expiry and purge sanity (warnings; thresholds are policy, not Alma rules).
  const expiryEl = first(user, 'expiry_date');
  const expiry = dateOf(expiryEl);
  if (expiry && expiryEl && p.today && expiry < p.today) {
    out.push(problem('expiry-in-past', 'warning', `The expiry date ${expiry} is already past (today is ${p.today}): the user is expired as soon as it loads.`, expiryEl.startTagEnd, expiryEl.endTagStart));
  }
  const purgeEl = first(user, 'purge_date');
  const purge = dateOf(purgeEl);
  if (purge && purgeEl && expiry && purge < expiry) {
    out.push(problem('purge-before-expiry', 'warning', `The purge date ${purge} is before the expiry date ${expiry}: the purge job may delete the user while it is still active.`, purgeEl.startTagEnd, purgeEl.endTagStart));
  }
  // V7: preferred flags in contact_info.
  for (const ci of user.children) {
    if (ci.name !== 'contact_info') continue;
    for (const list of ci.children) {
      const item = CONTACT_ITEMS.get(list.name);
      if (item === undefined) continue;
      {
        let preferred = 0;
        let sms = 0;
        let items = 0;
        for (const it of list.children) {
          if (it.name !== item) continue;
          items++;
          const pa = attr(it, 'preferred');
          if (isTrue(pa) && pa) {
            if (++preferred > 1) {
              out.push(problem('multiple-preferred', almaSeverity(p, 'error'), `More than one ${item} is marked preferred="true"; Alma keeps one preferred ${item} per user.`, pa.valueStart, pa.valueEnd, { attribute: 'preferred' }));
            }
          }
          const sa = attr(it, 'preferred_sms');
          if (isTrue(sa) && sa) {
            if (++sms > 1) {
              out.push(problem('multiple-preferred-sms', almaSeverity(p, 'error'), 'More than one phone is marked preferred_sms="true"; only one phone can receive SMS.', sa.valueStart, sa.valueEnd, { attribute: 'preferred_sms' }));
            }
          }
          if (item === 'address') {
            const start = dateOf(first(it, 'start_date'));
            const endEl = first(it, 'end_date');
            const end = dateOf(endEl);
            if (start && end && endEl && end < start) {
              out.push(problem('end-before-start', 'warning', `The address ends (${end}) before it starts (${start}).`, endEl.startTagEnd, endEl.endTagStart));
            }
          }
        }
        if (items > 0 && preferred === 0 && item !== 'phone') {
          const [s, e] = nameRange(list);
          out.push(problem('no-preferred', 'warning',
            `No ${item} is marked preferred="true": Primo and linked accounts in fulfillment networks then show no ${item} for the user.`,
            s, e, { element: item }));
        }
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

/** Validate one user and compute its keys (one walk each; both relative to the chunk). */
export function analyzeUser(element: XmlElement, ctx: ValidationContext = {}): UserAnalysis {
  const p = prepare(ctx);
  let v = validators.get(p);
  if (!v) {
    v = new UserValidator(p);
    validators.set(p, v);
  }
  v.reset().complex(element, USER_TYPE, 0);
  const keys = userKeys(element, p.settings);
  almaRules(v, element, keys, p);
  return { problems: v.problems, keys };
}

/** Per-user validation: schema + Alma's per-user rules. Offsets relative to the user chunk. */
export function validateUser(element: XmlElement, ctx: ValidationContext = {}): Problem[] {
  return analyzeUser(element, ctx).problems;
}
