/**
 * Small builders for writing the schema as data without repeating every default.
 * Defaults follow the XSD: minOccurs 0, maxOccurs 1; `sis` is true unless said otherwise
 * (untagged elements inside a segment inherit the segment's `sis`; see user.ts).
 */
import type { AttributeDef, ComplexTypeDef, ElementDef, SimpleType } from './types';

export const STRING: SimpleType = { kind: 'string' };
const stringTypes = new Map<number, SimpleType>();
/** `stringNLength` of the XSD (a string with `maxLength` N). */
export function str(maxLength: number): SimpleType {
  let t = stringTypes.get(maxLength);
  if (!t) {
    t = { kind: 'string', maxLength };
    stringTypes.set(maxLength, t);
  }
  return t;
}
export const DATE: SimpleType = { kind: 'date' };
export const DATE_TIME: SimpleType = { kind: 'dateTime' };
export const BOOLEAN: SimpleType = { kind: 'boolean' };
export const INT: SimpleType = { kind: 'int' };
export const LONG: SimpleType = { kind: 'long' };
export const FLOAT: SimpleType = { kind: 'float' };

export interface ElementOptions {
  min?: number;
  max?: number | 'unbounded';
  sis?: boolean;
  outputOnly?: boolean;
  protectedField?: boolean;
  writeOnly?: boolean;
  codeTable?: string;
  documentedMandatory?: boolean;
  attributes?: readonly AttributeDef[];
}

function base(name: string, description: string, o: ElementOptions) {
  return {
    name,
    minOccurs: o.min ?? 0,
    maxOccurs: o.max ?? 1,
    sis: o.sis ?? true,
    description,
    ...(o.outputOnly ? { outputOnly: true } : {}),
    ...(o.protectedField ? { protectedField: true } : {}),
    ...(o.writeOnly ? { writeOnly: true } : {}),
    ...(o.documentedMandatory ? { documentedMandatory: true } : {}),
  };
}

/** An element with simple content. */
export function simple(name: string, type: SimpleType, description: string, o: ElementOptions = {}): ElementDef {
  return { ...base(name, description, o), type, ...(o.attributes ? { attributes: o.attributes } : {}) };
}

/**
 * A code field: a code as text (string255 unless `codeMax`), with an optional `desc` label
 * (string4000 unless `descMax`) (rest_user.xsd).
 */
export function code(
  name: string,
  description: string,
  o: ElementOptions & { codeMax?: number; descMax?: number } = {},
): ElementDef {
  return {
    ...base(name, description, o),
    type: str(o.codeMax ?? 255),
    attributes: [descAttribute(o.descMax ?? 4000)],
    code: true,
    ...(o.codeTable ? { codeTable: o.codeTable } : {}),
  };
}

const descAttributes = new Map<number, AttributeDef>();
function descAttribute(max: number): AttributeDef {
  let a = descAttributes.get(max);
  if (!a) {
    a = { name: 'desc', type: str(max), sis: false, description: 'A label for the code, for people; Alma matches on the code and ignores this.' };
    descAttributes.set(max, a);
  }
  return a;
}

/** An element with complex content. */
export function complex(name: string, content: ComplexTypeDef, description: string, o: ElementOptions = {}): ElementDef {
  return { ...base(name, description, o), content };
}

export function attribute(
  name: string,
  type: SimpleType,
  description: string,
  o: { default?: string; sis?: boolean } = {},
): AttributeDef {
  return { name, type, sis: o.sis ?? true, description, ...(o.default !== undefined ? { default: o.default } : {}) };
}

export function complexType(
  name: string,
  group: 'all' | 'sequence',
  children: readonly ElementDef[],
  attributes: readonly AttributeDef[] = [],
): ComplexTypeDef {
  const byName = new Map<string, ElementDef>();
  const position = new Map<string, number>();
  children.forEach((c, i) => {
    byName.set(c.name, c);
    position.set(c.name, i);
  });
  const positionsOf = (pred: (c: ElementDef) => boolean) => children.flatMap((c, i) => (pred(c) ? [i] : []));
  return {
    name,
    group,
    children,
    attributes,
    byName,
    position,
    required: children.filter((c) => c.minOccurs >= 1),
    requiredPositions: positionsOf((c) => c.minOccurs >= 1),
    documentedPositions: positionsOf((c) => c.documentedMandatory === true),
  };
}
