/**
 * Problems found in a file, as plain data. The core reports offsets (UTF-16 code units into
 * the text); the command line and the language server turn them into lines and columns.
 *
 * Every code is stable and kebab-case: users filter on them, the README lists them, and the
 * language server uses them to pick quick fixes. Add a code here before using it.
 */
export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Problem {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Offsets of the range; relative to the user chunk for per-user problems, absolute otherwise. */
  readonly start: number;
  readonly end: number;
  /** Extra facts for quick fixes (e.g. the replacement value); never shown. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Other places the problem is about (the first holder of a duplicate value), as LSP's related information. */
  readonly related?: readonly RelatedLocation[];
  /**
   * Set on a grouped finding (one per file and code for a harmless pattern repeated across
   * users; docs/diagnostics.md, "Grouped findings"): how many occurrences it stands for, the
   * first (this one) included, and in how many users. `related` then lists the next ones, capped.
   */
  readonly group?: { readonly count: number; readonly users: number };
}

/**
 * A place in one file of the feed, with a sentence about it. `file` is the file's position in
 * the feed (0 for the file itself when it is read alone; the host knows the paths); the offsets
 * are absolute in that file's text.
 */
export interface RelatedLocation {
  readonly file: number;
  readonly start: number;
  readonly end: number;
  readonly message: string;
}

interface CodeInfo {
  /** One line for the README and for `alma-sis codes`. */
  readonly summary: string;
}

/** The catalogue of diagnostic codes. Severity is decided where the problem is found. */
export const DIAGNOSTIC_CODES = {
  // Encoding and prolog (docs/diagnostics.md)
  'bom': { summary: 'The file starts with a UTF-8 byte-order mark; Alma has answered it with "Content is not allowed in prolog".' },
  'content-before-prolog': { summary: 'Bytes or text before `<?xml`: Alma rejects the whole file ("Content is not allowed in prolog").' },
  'invalid-utf8': { summary: 'A byte that is not UTF-8 (often Latin-1 or Windows-1252): Alma fails the whole file ("Invalid byte 1 of 1-byte UTF-8 sequence").' },
  'unsupported-encoding': { summary: 'The file is not UTF-8 (UTF-16, or a declaration naming another encoding).' },
  'not-well-formed': { summary: 'The XML is broken (unclosed or mismatched tag, bad character, bad entity); Alma cannot parse the file.' },
  'doctype': { summary: 'A DOCTYPE declaration: entities are never expanded or fetched; SIS files need none.' },
  'root-element': { summary: 'The root element is not `<users>` (Alma keys on `<user>` elements; the XSD requires `<users>`).' },
  'namespace': { summary: 'An XML namespace on an element: Alma\'s user schema has none.' },
  'no-users': { summary: 'The file holds no `<user>` element.' },
  // Structure against Alma's schema (rest_user.xsd)
  'unknown-element': { summary: 'An element that Alma\'s user schema does not define; the SIS load ignores it.' },
  'ignored-by-sis': { summary: 'A field the SIS load never reads (output-only or API-only, e.g. `user_roles`, `full_name`, `status_date`).' },
  'duplicate-element': { summary: 'An element that may appear only once appears again.' },
  'element-order': { summary: '`contact_info` children out of the order `addresses`, `emails`, `phones`.' },
  'missing-element': { summary: 'A required child element is missing (e.g. `email_address`, `id_type`, `note_type`).' },
  'missing-types-wrapper': { summary: 'An address, email or phone without its `address_types`/`email_types`/`phone_types` wrapper.' },
  'unexpected-text': { summary: 'Text where only elements are allowed.' },
  'unknown-attribute': { summary: 'An attribute the schema does not define.' },
  'empty-value': { summary: 'An empty element where the schema wants a value (strict); in lenient mode, an empty field that clears data in Alma.' },
  'mandatory-value-missing': { summary: 'A value Alma requires is empty (identifier value, statistic category, note type, email address, ...): the user is rejected.' },
  'missing-match-id': { summary: 'The user has no value for the profile\'s Match ID, so Alma cannot match it: without a primary_id it is created with a generated id (a warning: a person already in Alma would get a second account); without the identifier the profile matches on, it is rejected.' },
  'contact-identifiers': { summary: 'A CONTACT user with additional identifiers: contact users cannot have them.' },
  'invalid-date': { summary: 'Not an `xs:date` (`YYYY-MM-DD`, optional `Z` or offset).' },
  'invalid-datetime': { summary: 'Not an `xs:dateTime`.' },
  'invalid-boolean': { summary: 'Not an `xs:boolean` (`true`, `false`, `1`, `0`; `TRUE` is invalid).' },
  'invalid-number': { summary: 'Not a number of the type the schema requires.' },
  'too-long': { summary: 'Longer than the schema allows for this field.' },
  'padded-value': { summary: 'Leading or trailing spaces around a value.' },
  'segment-type-ignored': { summary: '`segment_type` in an SIS file has no effect: everything the SIS loads is External.' },
  // Alma's own rules (docs/diagnostics.md)
  'multiple-preferred': { summary: 'More than one `preferred="true"` address, email or phone in one user.' },
  'multiple-preferred-sms': { summary: 'More than one `preferred_sms="true"` phone in one user.' },
  'no-preferred': { summary: 'Addresses or emails without one marked `preferred="true"`.' },
  'duplicate-user': { summary: 'Two users in the file (or in the files of one feed) with the same Match ID: Alma loads the first and rejects the others.' },
  'duplicate-identifier': { summary: 'An identifier value used by another user in the file (or in the files of one feed): Alma rejects the later user ("... in this feed").' },
  'repeated-in-later-file': { summary: 'A Match ID or identifier value that a user of a later file of the same feed sends again: Alma loads this user and rejects that one.' },
  'duplicate-identifier-in-user': { summary: 'One user carries the same identifier value twice (e.g. primary id = barcode): Alma rejects it.' },
  'expiry-in-past': { summary: 'The expiry date is already past.' },
  'purge-before-expiry': { summary: 'The purge date is before the expiry date.' },
  'end-before-start': { summary: 'An address end date before its start date.' },
  'unknown-code': { summary: 'A code that the institution\'s code table does not list.' },
  'code-case': { summary: 'A code that matches the code table only when ignoring case (codes are case-sensitive).' },
  'code-not-allowed': { summary: 'A code the institution\'s tables list, but not for the profile\'s record type (e.g. a user group not mapped to PUBLIC).' },
  // The editor's workspace check
  'not-checked-too-large': { summary: 'A file of the workspace over 50 MB, more than VS Code hands to extensions: not checked in the editor (use `alma-sis validate`).' },
  // Against the snapshot (what Alma holds now)
  'identifier-taken': { summary: 'An identifier that another Alma user already holds: "already taken AcrossInstitution".' },
  'user-not-external': { summary: 'The matched Alma user is Internal: Alma rejects it with "User is not external".' },
  'reverts-override': { summary: 'The file sends the value the SIS sent before a manual change: the manual change will be undone.' },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
