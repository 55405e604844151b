/**
 * The schema as data (shared/src/schema) against Alma's XSD in ../shared/schema: same children in
 * the same order, same cardinalities, groups, simple types and length limits, same attributes,
 * and `sis` where the XSD tags an element. Skipped when ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { AttributeDef, ComplexTypeDef, SimpleType } from '../../shared/src/schema/types';
import { CODE_FIELDS, CORE_FIELDS, PROTECTED_FIELDS, USERS_TYPE, USER_TYPE, elementDefAt, findAttribute, findChild } from '../../shared/src/schema/user';
import { DEFAULT_PROTECTED_FIELDS } from '../../shared/src/settings';
import { SHARED } from '../corpus/shared';

const schemaDir = join(SHARED, 'schema');
const haveXsd = existsSync(join(schemaDir, 'rest_user.xsd'));

type Node = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function loadXsd() {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });
  const complex = new Map<string, Node>();
  const simple = new Map<string, Node>();
  for (const f of ['rest_users.xsd', 'rest_user.xsd', 'rest_researcher.xsd']) {
    const doc = parser.parse(readFileSync(join(schemaDir, f), 'utf8')) as Node;
    const schema = doc['xs:schema'] as Node;
    for (const ct of asArray(schema['xs:complexType'] as Node | Node[])) complex.set(ct['@_name'] as string, ct);
    for (const st of asArray(schema['xs:simpleType'] as Node | Node[])) simple.set(st['@_name'] as string, st);
  }
  return { complex, simple };
}

describe.skipIf(!haveXsd)('schema as data matches the XSD', () => {
  if (!haveXsd) {
    it.skip('../shared/schema is absent: cannot compare with the XSD', () => {});
    return;
  }
  const { complex, simple } = loadXsd();
  const problems: string[] = [];

  function simpleOf(typeName: string): SimpleType {
    if (typeName === 'xs:string') return { kind: 'string' };
    const builtin: Record<string, SimpleType> = {
      'xs:date': { kind: 'date' }, 'xs:dateTime': { kind: 'dateTime' }, 'xs:boolean': { kind: 'boolean' },
      'xs:int': { kind: 'int' }, 'xs:long': { kind: 'long' }, 'xs:float': { kind: 'float' },
    };
    if (builtin[typeName]) return builtin[typeName];
    const st = simple.get(typeName);
    if (!st) throw new Error(`unknown simple type ${typeName}`);
    const r = st['xs:restriction'] as Node;
    const max = (r['xs:maxLength'] as Node)['@_value'] as string;
    return { kind: 'string', maxLength: Number(max) };
  }

  function sameType(where: string, ours: SimpleType | undefined, theirs: SimpleType) {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) problems.push(`${where}: type ${JSON.stringify(ours)} vs XSD ${JSON.stringify(theirs)}`);
  }

  function compareAttributes(where: string, ours: readonly AttributeDef[] | undefined, xsdAttrs: Node[]) {
    const names = (ours ?? []).map((a) => a.name);
    const xsdNames = xsdAttrs.map((a) => a['@_name'] as string);
    if (names.join() !== xsdNames.join()) problems.push(`${where}: attributes [${names}] vs XSD [${xsdNames}]`);
    for (const xa of xsdAttrs) {
      const a = ours?.find((o) => o.name === xa['@_name']);
      if (a) sameType(`${where}/@${a.name}`, a.type, simpleOf(xa['@_type'] as string));
    }
  }

  function compareComplex(where: string, ours: ComplexTypeDef, ct: Node) {
    const groupName = ct['xs:all'] ? 'all' : ct['xs:sequence'] ? 'sequence' : undefined;
    if (ours.group !== groupName) problems.push(`${where}: group ${ours.group} vs XSD ${groupName}`);
    const group = (ct['xs:all'] ?? ct['xs:sequence']) as Node;
    const elements = asArray(group['xs:element'] as Node | Node[]);
    const xsdNames = elements.map((e) => e['@_name'] as string);
    const names = ours.children.map((c) => c.name);
    if (names.join() !== xsdNames.join()) problems.push(`${where}: children [${names}] vs XSD [${xsdNames}]`);
    compareAttributes(where, ours.attributes, asArray(ct['xs:attribute'] as Node | Node[]));
    for (const e of elements) {
      const name = e['@_name'] as string;
      const def = findChild(ours, name);
      if (!def) continue;
      const at = `${where}/${name}`;
      const min = Number(e['@_minOccurs'] ?? 1);
      const maxRaw = (e['@_maxOccurs'] as string | undefined) ?? '1';
      const max = maxRaw === 'unbounded' ? 'unbounded' : Number(maxRaw);
      if (def.minOccurs !== min || def.maxOccurs !== max) problems.push(`${at}: occurs ${def.minOccurs}..${def.maxOccurs} vs XSD ${min}..${max}`);
      const tags = ((e['xs:annotation'] as Node | undefined)?.['xs:appinfo'] as Node | undefined)?.['xs:tags'] as string | undefined;
      if (tags !== undefined && def.sis !== tags.split(/\s+/).includes('sis')) problems.push(`${at}: sis ${def.sis} vs XSD tags "${tags}"`);
      const typeName = e['@_type'] as string | undefined;
      const inline = e['xs:complexType'] as Node | undefined;
      if (typeName && complex.has(typeName)) {
        if (!def.content) problems.push(`${at}: should be complex (${typeName})`);
        else compareComplex(at, def.content, complex.get(typeName)!);
      } else if (typeName) {
        sameType(at, def.type, simpleOf(typeName));
      } else if (inline?.['xs:simpleContent']) {
        const ext = (inline['xs:simpleContent'] as Node)['xs:extension'] as Node;
        sameType(at, def.type, simpleOf(ext['@_base'] as string));
        compareAttributes(at, def.attributes, asArray(ext['xs:attribute'] as Node | Node[]));
      } else if (inline) {
        if (!def.content) problems.push(`${at}: should be complex (inline)`);
        else compareComplex(at, def.content, inline);
      } else problems.push(`${at}: cannot read the XSD declaration`);
    }
  }

  it('every element, cardinality, group, type, length and attribute agrees', () => {
    compareComplex('users', USERS_TYPE, complex.get('users')!);
    expect(problems).toEqual([]);
  });

  it('researcher is the XSD type too', () => {
    expect(findChild(USER_TYPE, 'researcher')?.content?.children.length).toBe(asArray((complex.get('researcher')!['xs:all'] as Node)['xs:element'] as Node[]).length);
  });
});

describe('schema lookups', () => {
  it('finds definitions by path and attributes by owner', () => {
    expect(elementDefAt(['user', 'contact_info', 'emails', 'email', 'email_address'])?.minOccurs).toBe(1);
    expect(elementDefAt(['users', 'user', 'user_group'])?.codeTable).toBe('UserGroups');
    expect(elementDefAt(['user', 'nope'])).toBeUndefined();
    expect(elementDefAt(['user', 'first_name', 'deeper'])).toBeUndefined();
    expect(findAttribute(elementDefAt(['user', 'contact_info', 'phones', 'phone'])!, 'preferred_sms')?.type.kind).toBe('boolean');
    expect(findAttribute(elementDefAt(['user', 'user_group'])!, 'desc')?.type).toEqual({ kind: 'string', maxLength: 4000 });
    expect(findAttribute(USER_TYPE, 'link')?.sis).toBe(false);
  });

  it('exports the core, code and protected field lists the engine uses', () => {
    expect(PROTECTED_FIELDS.map((f) => f.name).sort()).toEqual([...DEFAULT_PROTECTED_FIELDS].sort());
    expect(CORE_FIELDS.every((f) => f.type !== undefined)).toBe(true);
    expect(CORE_FIELDS.map((f) => f.name)).toContain('purge_date');
    expect(CODE_FIELDS.map((f) => f.name)).toEqual(expect.arrayContaining(['user_group', 'campus_code', 'preferred_language', 'status']));
    expect(findChild(USER_TYPE, 'purge_date')?.sis).toBe(true);
    expect(findChild(USER_TYPE, 'user_roles')?.sis).toBe(false);
    expect(findChild(USER_TYPE, 'full_name')?.outputOnly).toBe(true);
  });
});
