/**
 * The rules the merge engine applies. Every decision and note in a plan names one of these ids,
 * so that hovers, the plan's text output and docs/plan.md can explain it in the same words. Ids
 * are stable (users and tests refer to them); `source` names the Ex Libris (or institution)
 * document the rule follows, by its title.
 */
export interface RuleInfo {
  /** The document the rule comes from, by its title. */
  readonly source: string;
  /** One plain sentence. */
  readonly summary: string;
}

/** The documents behind the rules, by title (docs/plan.md lists them with their addresses). */
export const SOURCES = {
  synch: 'Ex Libris Developer Network, "Import and synchronize users" (SIS integration)',
  olhSis: 'Alma Online Help, "Student Information Systems"',
  slcny: 'SUNY Library Consortium, "How Do I Run the SIS Synchronization for Student Information System Files in Alma?"',
  notExternal: 'Ex Libris knowledge article "\'User is not external\' error in User Loader (SIS) - how to resolve it?"',
  carliTrouble: 'CARLI, "SIS Synchronization Troubleshooting"',
  carliStart: 'CARLI, "Getting Started with SIS Synchronization in Alma"',
  csuIssues: 'California State University ULMS, patron load issues (SIS error messages reported by institutions)',
  report: 'Ex Libris knowledge article "SIS report \'Total records processed\' - what does the number mean"',
  override: 'Ex Libris knowledge article "Why is the Users Synchronize job still overriding user account fields that were updated manually?"',
  prefName: 'Ex Libris knowledge article "Preferred Name fields and the Restore Button"',
  blog: 'Ex Libris Developer Network blog, "External user data: behavior of SIS synchronization and API"',
  xsd: 'Alma REST schema rest_user.xsd (element documentation and tags)',
  idGen: 'Ex Libris knowledge article "User ID Generation does not work for new users created via SIS"',
  recordType: 'Ex Libris knowledge article "How to change the Alma User Record Type from Public to Staff"',
  identifierTypes: 'Alma Online Help, "Viewing User Identifier Types"',
} as const;

export const RULES = {
  // Matching and outcome
  'match-primary-id': { source: SOURCES.synch, summary: 'The user is matched to the Alma user with the same primary_id, ignoring case.' },
  'match-identifier': { source: SOURCES.synch, summary: 'The user is matched to the Alma user holding an identifier of the Match ID type with the same value, ignoring case.' },
  'create-new-user': { source: SOURCES.olhSis, summary: 'No Alma user matches, so the job creates one: External, with the profile\'s record type and code, every segment External.' },
  'generate-primary-id': { source: SOURCES.idGen, summary: 'A new user without primary_id gets one made of its first and last name, with a sequence number from 0 added while that value is taken.' },
  'unmatched-not-added': { source: SOURCES.slcny, summary: 'The profile\'s Unmatched Record is not "Add": a user that matches nobody is not created.' },
  'reject-missing-match-id': { source: SOURCES.synch, summary: 'The user has no value for the Match ID, so Alma cannot match it.' },
  'reject-not-external': { source: SOURCES.notExternal, summary: 'The matching Alma user is Internal; the job never updates internal users ("User is not external").' },
  'reject-identifier-taken': { source: SOURCES.csuIssues, summary: 'Another Alma user already holds this identifier value ("already taken AcrossInstitution").' },
  'reject-duplicate-in-feed': { source: SOURCES.carliTrouble, summary: 'An earlier user in the same file (or another slot of this user) already uses this identifier value; the first one wins ("… in this feed").' },
  'reject-missing-identifier-value': { source: SOURCES.csuIssues, summary: 'A user identifier without a value: Alma rejects the user ("Mandatory field is missing: User identifier value").' },
  'reject-missing-statistic-category': { source: SOURCES.csuIssues, summary: 'A user statistic without a category: Alma rejects the user ("missing a mandatory field: statistical category").' },
  'reject-user-error': { source: SOURCES.olhSis, summary: 'The user has an error of its own (an unknown code, an empty mandatory value, a value Alma cannot read): Alma rejects the user and the others go on.' },
  'import-existing-user': { source: SOURCES.synch, summary: 'In import mode a user that already exists in Alma is not imported.' },
  'outcome-updated': { source: SOURCES.report, summary: 'At least one field or list of the matched user is written.' },
  'outcome-unchanged': { source: SOURCES.report, summary: 'Nothing the file sends differs from what Alma holds.' },
  'outcome-unchanged-protected': { source: SOURCES.override, summary: 'The only differences are in protected fields, which the job leaves alone.' },
  // Core fields
  'field-set': { source: SOURCES.blog, summary: 'Swap all: the value in the file replaces the value in Alma.' },
  'field-clear': { source: SOURCES.carliStart, summary: 'Swap all: a field that is absent or empty in the file is removed from the Alma user.' },
  'field-default': { source: SOURCES.blog, summary: 'The field is absent or empty in the file and cannot be empty, so Alma writes its default.' },
  'protected-keep': { source: SOURCES.override, summary: 'Staff changed this field by hand, and the file does not send the value the SIS sent before that change, so the manual value stays.' },
  'protected-revert': { source: SOURCES.override, summary: 'The file sends the value the SIS sent before the manual change: the manual value is replaced and the field follows the SIS again.' },
  'protected-keep-restore-only': { source: SOURCES.prefName, summary: 'A preferred name changed by hand is kept whatever the file sends; only the Restore button in Alma attaches it to the SIS again.' },
  'protected-empty-clear': { source: SOURCES.blog, summary: 'The file sends this protected-type field empty; the SIS job clears it (or writes its default) and any protection ends (setting emptyProtectedField: clear).' },
  'protected-empty-keep': { source: SOURCES.xsd, summary: 'The file sends this protected-type field empty; the value in Alma is kept (setting emptyProtectedField: keep).' },
  // Segments
  'segments-replace': { source: SOURCES.blog, summary: 'The external items of the list are replaced by the file\'s items; internal items (added by staff) stay.' },
  // Notes: what the plan says about a user or field without changing its outcome
  'note-status-default': { source: SOURCES.xsd, summary: 'The file omits <status>, so Alma\'s default Active is written over INACTIVE; whether the job really reactivates a user this way is not documented.' },
  'note-identifier-also-internal': { source: SOURCES.blog, summary: 'The file sends an identifier that Alma already holds on this user as an Internal item; internal items stay, so the user would carry the value twice.' },
  'note-two-preferred': { source: SOURCES.blog, summary: 'An Internal item marked preferred stays beside the file\'s preferred item: after the sync two items of the list are preferred.' },
  'note-other-profile': { source: SOURCES.olhSis, summary: 'The matched Alma user belongs to another SIS profile (its external_id names a different profile code).' },
  'note-identifier-moves': { source: SOURCES.csuIssues, summary: 'The identifier belongs to another Alma user that this file also sends without it; whether Alma frees it first depends on the order it processes users, which is not documented.' },
  'note-contact-identifiers': { source: SOURCES.identifierTypes, summary: 'Contact users cannot have additional identifiers; Alma may refuse or drop them.' },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

/** Defaults Alma writes when a field that cannot be empty arrives empty (rest_user.xsd; the blog above). */
export const FIELD_DEFAULTS: Readonly<Record<string, string>> = { preferred_language: 'en', status: 'ACTIVE' };

/** Preferred-name fields: a blank value never clears them, and only Restore re-attaches them (knowledge article above). */
export const PREFERRED_NAME_FIELDS: ReadonlySet<string> = new Set(['pref_first_name', 'pref_middle_name', 'pref_last_name']);

/** Alma's rejection messages, word for word, as institutions reported them. */
export const MESSAGES = {
  notExternal: 'User is not external',
  taken: (type: string, value: string) => `Identifier of type ${type} and value ${value} is already taken AcrossInstitution`,
  takenInFeed: (type: string, value: string) => `Identifier of type ${type} and value ${value} is already taken AcrossInstitution in this feed`,
  identifierValueMissing: 'Mandatory field is missing: User identifier value',
  statisticCategoryMissing: 'User Rejected: missing a mandatory field: statistical category',
} as const;
