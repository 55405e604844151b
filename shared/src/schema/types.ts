/**
 * Alma's user schema as data (written from rest_user.xsd / rest_users.xsd / rest_researcher.xsd,
 * April 2021 revision). Validation, hovers, completion and the merge engine all read
 * the schema from here, never from the XSD file.
 */
export type SimpleType =
  | { readonly kind: 'string'; readonly maxLength?: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'dateTime' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int' }
  | { readonly kind: 'long' }
  | { readonly kind: 'float' };

export interface AttributeDef {
  readonly name: string;
  readonly type: SimpleType;
  readonly default?: string;
  /** Read by the SIS load (XSD tag `sis`); `segment_type` is not. */
  readonly sis: boolean;
  readonly description: string;
}

export interface ComplexTypeDef {
  /** The XSD type name (e.g. `user`, `address`). */
  readonly name: string;
  /** `all`: any order, each child at most once; `sequence`: the declared order. */
  readonly group: 'all' | 'sequence';
  readonly children: readonly ElementDef[];
  readonly attributes: readonly AttributeDef[];
  /** Children by element name, built once (validation looks children up per element). */
  readonly byName: ReadonlyMap<string, ElementDef>;
  /** Declaration index of each child (the order a `sequence` enforces). */
  readonly position: ReadonlyMap<string, number>;
  /** Children with `minOccurs >= 1`. */
  readonly required: readonly ElementDef[];
  /** Positions (in `children`) of the children with `minOccurs >= 1`. */
  readonly requiredPositions: readonly number[];
  /** Positions of the children Ex Libris documents as mandatory although the XSD does not require them. */
  readonly documentedPositions: readonly number[];
}

export interface ElementDef {
  readonly name: string;
  readonly minOccurs: number;
  readonly maxOccurs: number | 'unbounded';
  /** Simple content type (for code fields, the code's type; `desc` is then an attribute). */
  readonly type?: SimpleType;
  /** Complex content. Exactly one of `type` and `content` is set. */
  readonly content?: ComplexTypeDef;
  /** Attributes of a simple-content element (e.g. `desc`, `link`). */
  readonly attributes?: readonly AttributeDef[];
  /** Name of the Alma code table behind a code field (e.g. `UserGroups`). */
  readonly codeTable?: string;
  /** A code field: the text is a code, `desc` an optional label. */
  readonly code?: boolean;
  /** Documented as mandatory by Ex Libris although the XSD allows it to be missing (e.g. `line1`, `note_text`). */
  readonly documentedMandatory?: boolean;
  /** Read by the SIS load (the XSD's `sis` tag, plus `purge_date` which every loader sends). */
  readonly sis: boolean;
  /** Maintained by Alma and only returned by the API (e.g. `full_name`, `status_date`). */
  readonly outputOnly?: boolean;
  /** One of the fields a manual change protects from the sync (Ex Libris knowledge article "Why is the Users Synchronize job still overriding user account fields that were updated manually?"). */
  readonly protectedField?: boolean;
  /**
   * The XSD tags it for writing only (no `get`: `pin_number`, `password`, `force_password_change`):
   * no Users API answer, and so no export or snapshot built from one, can show its value.
   */
  readonly writeOnly?: boolean;
  /** Short description in our own words, for hovers and completion. */
  readonly description: string;
}
