/**
 * The rules the merge engine applies. Every decision in a plan names one of these ids, so that
 * hovers, the plan's text output and the README can explain it in the same words. Ids are
 * stable (users and tests refer to them); `check` is the item of the domain checklist (§9a),
 * `source` the documentation key of `alma-sis-domain.md` §10.
 */
export interface RuleInfo {
  readonly check: string;
  readonly source: string;
  /** One plain sentence. */
  readonly summary: string;
}

export const RULES = {
  // Matching and outcome (domain §4.1, §5.1)
  'match-primary-id': { check: 'M1', source: 'DEV-SYNCH', summary: 'The user is matched to the Alma user with the same primary_id, ignoring case.' },
  'match-identifier': { check: 'M1', source: 'DEV-SYNCH', summary: 'The user is matched to the Alma user holding an identifier of the Match ID type with the same value, ignoring case.' },
  'create-new-user': { check: 'M2', source: 'OLH-SIS', summary: 'No Alma user matches, so the job creates one: External, with the profile\'s record type and code, every segment External.' },
  'reject-missing-match-id': { check: 'M1', source: 'DEV-SYNCH', summary: 'The user has no value for the Match ID, so Alma cannot match it.' },
  'reject-not-external': { check: 'M3', source: 'KB-NOTEXT', summary: 'The matching Alma user is Internal; the job never updates internal users ("User is not external").' },
  'reject-identifier-taken': { check: 'M8', source: 'CSU-ISSUES', summary: 'Another Alma user already holds this identifier value ("already taken AcrossInstitution").' },
  'reject-duplicate-in-feed': { check: 'M8', source: 'CARLI-TROUBLE', summary: 'An earlier user in the same file (or another slot of this user) already uses this identifier value; the first one wins ("… in this feed").' },
  'reject-missing-identifier-value': { check: 'M8', source: 'CSU-ISSUES', summary: 'A user identifier without a value: Alma rejects the user ("Mandatory field is missing: User identifier value").' },
  'reject-missing-statistic-category': { check: 'M8', source: 'CSU-ISSUES', summary: 'A user statistic without a category: Alma rejects the user ("missing a mandatory field: statistical category").' },
  'import-existing-user': { check: 'M2', source: 'DEV-SYNCH', summary: 'In import mode a user that already exists in Alma is not imported.' },
  'outcome-updated': { check: 'M9', source: 'KB-REPORT', summary: 'At least one field or list of the matched user is written.' },
  'outcome-unchanged': { check: 'M9', source: 'KB-REPORT', summary: 'Nothing the file sends differs from what Alma holds.' },
  'outcome-unchanged-protected': { check: 'M9', source: 'KB-OVERRIDE', summary: 'The only differences are in protected fields, which the job leaves alone.' },
  // Core fields (domain §4.3)
  'field-set': { check: 'M4', source: 'BLOG-EXT-B', summary: 'Swap all: the value in the file replaces the value in Alma.' },
  'field-clear': { check: 'M4', source: 'CARLI-START', summary: 'Swap all: a field that is absent or empty in the file is removed from the Alma user.' },
  'field-default': { check: 'M5', source: 'BLOG-EXT-B', summary: 'The field is absent or empty in the file and cannot be empty, so Alma writes its default.' },
  'protected-keep': { check: 'M5', source: 'KB-OVERRIDE', summary: 'Staff changed this field by hand, and the file does not send the value the SIS sent before that change, so the manual value stays.' },
  'protected-revert': { check: 'M5', source: 'KB-OVERRIDE', summary: 'The file sends the value the SIS sent before the manual change: the manual value is replaced and the field follows the SIS again.' },
  'protected-empty-clear': { check: 'M5', source: 'BLOG-EXT-B', summary: 'The file sends this protected-type field empty; the SIS job clears it (or writes its default) and any protection ends (setting emptyProtectedField: clear).' },
  'protected-empty-keep': { check: 'M5', source: 'XSD', summary: 'The file sends this protected-type field empty; the value in Alma is kept (setting emptyProtectedField: keep).' },
  // Segments (domain §4.4)
  'segments-replace': { check: 'M6', source: 'BLOG-EXT-B', summary: 'The external items of the list are replaced by the file\'s items; internal items (added by staff) stay.' },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

/** Defaults Alma writes when a field that cannot be empty arrives empty (domain §4.2, §4.3). */
export const FIELD_DEFAULTS: Readonly<Record<string, string>> = { preferred_language: 'en', status: 'ACTIVE' };

/** Alma's rejection messages (domain §5.2), word for word. */
export const MESSAGES = {
  notExternal: 'User is not external',
  taken: (type: string, value: string) => `Identifier of type ${type} and value ${value} is already taken AcrossInstitution`,
  takenInFeed: (type: string, value: string) => `Identifier of type ${type} and value ${value} is already taken AcrossInstitution in this feed`,
  identifierValueMissing: 'Mandatory field is missing: User identifier value',
  statisticCategoryMissing: 'User Rejected: missing a mandatory field: statistical category',
} as const;
