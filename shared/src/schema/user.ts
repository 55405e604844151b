/**
 * Alma's `user` type as data, written by us from rest_user.xsd / rest_users.xsd /
 * rest_researcher.xsd (April 2021). Cardinalities, groups (`all` vs `sequence`),
 * types and length limits are the XSD's; `sis` is the XSD's `sis` tag (untagged elements inside
 * a segment inherit the segment's; `purge_date` and `is_researcher` count as read, every loader
 * sends `purge_date` (MIT's and Princeton's loaders)); `protectedField` follows the Ex Libris knowledge article "Why is the Users Synchronize job still overriding user account fields that were updated manually?"; descriptions are ours.
 */
import { BOOLEAN, DATE, DATE_TIME, FLOAT, INT, LONG, STRING, attribute, code, complex, complexType, simple, str } from './build';
import { researcherType } from './researcher';
import type { AttributeDef, ComplexTypeDef, ElementDef } from './types';

const S255 = str(255);

/** `segment_type` on every segment: API only, the SIS load makes everything External (rest_user.xsd). */
const SEGMENT_TYPE = attribute('segment_type', str(10),
  'Internal or External. Only the Users API reads it; the SIS load stores every segment as External.', { sis: false });
const PREFERRED = attribute('preferred', BOOLEAN,
  'Marks the one preferred item of its kind (true/false, default false).', { default: 'false' });
const PREFERRED_SMS = attribute('preferred_sms', BOOLEAN,
  'Marks the one phone that receives SMS messages (true/false, default false).', { default: 'false' });
const LINK = attribute('link', STRING, 'Address of this record in the Users API; Alma writes it, the SIS load ignores it.', { sis: false });

function list(wrapper: string, itemName: string, item: ComplexTypeDef, wrapperText: string, itemText: string, o: { sis?: boolean; outputOnly?: boolean; protectedField?: boolean } = {}): ElementDef {
  return complex(wrapper, complexType(wrapper, 'sequence', [complex(itemName, item, itemText, { max: 'unbounded', sis: o.sis })]), wrapperText, o);
}

/** A `*_types` wrapper: required (minOccurs 1) around 0..n type codes (rest_user.xsd). */
function typesWrapper(wrapper: string, itemName: string, codeTable: string, text: string, itemText: string): ElementDef {
  return complex(
    wrapper,
    complexType(wrapper, 'sequence', [code(itemName, itemText, { max: 'unbounded', codeTable })]),
    text,
    { min: 1 },
  );
}

export const ADDRESS_TYPE: ComplexTypeDef = complexType('address', 'all', [
  simple('line1', STRING, 'First line of the street address (Ex Libris documents it as mandatory).', { documentedMandatory: true }),
  simple('line2', S255, 'Second address line.'),
  simple('line3', S255, 'Third address line.'),
  simple('line4', S255, 'Fourth address line.'),
  simple('line5', S255, 'Fifth address line.'),
  simple('city', S255, 'City (Ex Libris documents it as mandatory).', { documentedMandatory: true }),
  simple('state_province', S255, 'State, province or region.'),
  simple('postal_code', S255, 'Postal or ZIP code.'),
  code('country', 'Country, as a code from the CountryCodes table (e.g. USA).', { codeTable: 'CountryCodes' }),
  simple('address_note', str(1000), 'A note about this address.'),
  simple('start_date', DATE, 'First day the address is in use.'),
  simple('end_date', DATE, 'Last day the address is in use.'),
  typesWrapper('address_types', 'address_type', 'UserAddressTypes',
    'What the address is used for; required even when it lists no type.',
    'One use of the address (e.g. home, work, school); the allowed codes depend on the record type.'),
], [PREFERRED, SEGMENT_TYPE]);

export const EMAIL_TYPE: ComplexTypeDef = complexType('email', 'all', [
  simple('email_address', S255, 'The email address (required).', { min: 1 }),
  simple('description', S255, 'A note about this email address.'),
  typesWrapper('email_types', 'email_type', 'UserEmailTypes',
    'What the email address is used for; required even when it lists no type.',
    'One use of the email address (e.g. personal, work, school); the allowed codes depend on the record type.'),
], [PREFERRED, SEGMENT_TYPE]);

export const PHONE_TYPE: ComplexTypeDef = complexType('phone', 'all', [
  simple('phone_number', S255, 'The phone number (required).', { min: 1 }),
  typesWrapper('phone_types', 'phone_type', 'UserPhoneTypes',
    'What the phone is used for; required even when it lists no type.',
    'One use of the phone (e.g. home, mobile, office); the allowed codes depend on the record type.'),
], [PREFERRED, PREFERRED_SMS, SEGMENT_TYPE]);

export const CONTACT_INFO_TYPE: ComplexTypeDef = complexType('contact_info', 'sequence', [
  list('addresses', 'address', ADDRESS_TYPE, 'The user\'s postal addresses; the file\'s list replaces the external ones in Alma.', 'One postal address.'),
  list('emails', 'email', EMAIL_TYPE, 'The user\'s email addresses; the file\'s list replaces the external ones in Alma.', 'One email address.'),
  list('phones', 'phone', PHONE_TYPE, 'The user\'s phone numbers; the file\'s list replaces the external ones in Alma.', 'One phone number.'),
]);

export const USER_IDENTIFIER_TYPE: ComplexTypeDef = complexType('user_identifier', 'all', [
  code('id_type', 'Kind of identifier (code from UserIdentifierTypes, e.g. BARCODE, UNIV_ID); required.', { min: 1, codeTable: 'UserIdentifierTypes' }),
  simple('value', S255, 'The identifier itself (required); must be unique across the institution, ignoring case.', { min: 1 }),
  simple('note', str(2000), 'A note about this identifier.'),
  simple('status', S255, 'Status of the identifier (loaders send ACTIVE).'),
], [SEGMENT_TYPE]);

const USER_IDENTIFIERS = list('user_identifiers', 'user_identifier', USER_IDENTIFIER_TYPE,
  'Additional identifiers (barcode, university id, ...); the file\'s list replaces the external ones in Alma.', 'One additional identifier.');

export const USER_ROLE_TYPE: ComplexTypeDef = complexType('user_role', 'all', [
  code('status', 'Status of the role (code from UserRoleStatus, e.g. ACTIVE).', { codeTable: 'UserRoleStatus' }),
  code('scope', 'Campus, library or institution the role applies to.', { codeMax: 50, descMax: 255 }),
  code('role_type', 'The role (code from HFrUserRoles.roleType; 200 is Patron).', { codeTable: 'HFrUserRoles.roleType' }),
  simple('expiry_date', DATE, 'Last day the user holds the role.'),
  complex('parameters', complexType('parameters', 'sequence', [
    complex('parameter', complexType('parameter', 'all', [
      code('type', 'Kind of parameter: CirculationDesk, MetadataType, ServiceUnit or CantEditRestrictedUsers.'),
      code('scope', 'Library the parameter applies to (for ServiceUnit).', { descMax: 255 }),
      code('value', 'Value of the parameter (e.g. a circulation desk code).', { sis: false }),
    ]), 'One role parameter.', { max: 'unbounded', sis: false }),
  ]), 'Parameters of the role.', { sis: false }),
]);

export const USER_BLOCK_TYPE: ComplexTypeDef = complexType('user_block', 'all', [
  code('block_type', 'Kind of block (code from UserBlockTypes; default GENERAL).', { codeTable: 'UserBlockTypes' }),
  code('block_description', 'Reason for the block (code from UserBlockDescription); required.', { min: 1, codeTable: 'UserBlockDescription' }),
  simple('block_status', S255, 'Active or Inactive (default Active).'),
  simple('block_note', str(2000), 'A note about the block.'),
  simple('created_by', S255, 'Who created the block.'),
  simple('created_date', DATE_TIME, 'When the block was created (date and time).'),
  // Tagged "api get post put" (no sis) in the XSD.
  simple('expiry_date', DATE_TIME, 'When the block ends (date and time, e.g. 2019-12-18T14:36:48.659Z); the XSD marks it API-only.', { sis: false }),
  simple('item_loan_id', STRING, 'Alma\'s id of the loan that caused the block; maintained by Alma.', { sis: false, outputOnly: true }),
], [SEGMENT_TYPE]);

export const USER_NOTE_TYPE: ComplexTypeDef = complexType('user_note', 'all', [
  code('note_type', 'Kind of note (code from NoteTypes, e.g. OTHER, LIBRARY, POPUP); required.', { min: 1, codeTable: 'NoteTypes' }),
  simple('note_text', str(2000), 'The text of the note (Ex Libris documents it as mandatory).', { documentedMandatory: true }),
  simple('user_viewable', BOOLEAN, 'Whether the patron can see the note (true/false); required by the XSD.', { min: 1 }),
  simple('popup_note', BOOLEAN, 'Whether the note pops up at patron services (true/false); required by the XSD.', { min: 1 }),
  simple('created_by', S255, 'Who wrote the note.'),
  simple('created_date', DATE_TIME, 'When the note was written (date and time).'),
], [SEGMENT_TYPE]);

export const USER_STATISTIC_TYPE: ComplexTypeDef = complexType('user_statistic', 'all', [
  code('statistic_category', 'Statistical category (code from UserStatCategories); required, and Alma rejects the user when it is empty.', { min: 1, codeTable: 'UserStatCategories' }),
  code('category_type', 'Type of the category (code from UserStatisticalTypes); Alma derives it from the category.', { codeTable: 'UserStatisticalTypes' }),
  simple('statistic_note', str(2000), 'A note about this statistic.'),
], [SEGMENT_TYPE]);

const PROXY_FOR_USER_TYPE = complexType('proxy_for_user', 'sequence', [
  simple('primary_id', S255, 'Primary id of the user this user acts for.', { sis: false, outputOnly: true }),
  simple('full_name', str(600), 'Name of the user this user acts for.', { sis: false, outputOnly: true }),
], [LINK]);

const RS_LIBRARY_TYPE = complexType('rs_library', 'all', [
  code('code', 'Code of a library defined for resource sharing.', { codeMax: 50, descMax: 255 }),
]);

const LIBRARY_NOTICE_TYPE = complexType('library_notice', 'all', [
  code('code', 'The notice (code from LibraryNoticesOptInDisplay, e.g. FulUserBorrowingActivityLetter).', { descMax: 255, codeTable: 'LibraryNoticesOptInDisplay' }),
  simple('value', BOOLEAN, 'Whether the user receives this notice (true/false).'),
]);

const counter = (name: string, type: typeof INT, text: string) =>
  simple(name, type, text, { sis: false, outputOnly: true, attributes: [LINK] });

export const USER_TYPE: ComplexTypeDef = complexType('user', 'all', [
  code('record_type', 'PUBLIC, STAFF or CONTACT. The SIS load takes it from the integration profile, not from the file.', { codeTable: 'AddNewUserOptions', sis: false }),
  simple('primary_id', S255, 'The user\'s main identifier, unique in the institution and compared without regard to case. When missing, Alma makes one from the first and last name for a new user.'),
  simple('first_name', S255, 'First name.'),
  simple('middle_name', S255, 'Middle name.'),
  simple('last_name', S255, 'Last name.'),
  simple('full_name', str(600), 'Full name; Alma builds it from the name parts and the SIS load ignores it.', { sis: false, outputOnly: true }),
  simple('pin_number', S255, 'PIN for self-check machines (SIP2), usually four digits. Protected once staff change it. The Users API never returns it.', { protectedField: true, writeOnly: true }),
  code('user_title', 'Title such as Dr or Mrs (code from UserTitles). Protected once staff change it.', { codeTable: 'UserTitles', protectedField: true }),
  code('job_category', 'What the user does in the library (code from JobTitles). Protected once staff change it.', { codeTable: 'JobTitles', protectedField: true }),
  simple('job_description', S255, 'Free-text description of the user\'s job.'),
  code('gender', 'Gender (code from Genders).', { codeTable: 'Genders' }),
  code('user_group', 'The user\'s group (code from UserGroups), which drives loan rules; must be allowed for the record type. Protected once staff change it.', { codeTable: 'UserGroups', protectedField: true }),
  code('campus_code', 'Campus (a code from the Campus List). Protected once staff change it.', { codeMax: 50, descMax: 255, protectedField: true }),
  simple('web_site_url', S255, 'A web site of the user.'),
  code('cataloger_level', 'Which catalogers\' records this user may edit (e.g. 00, the default level).'),
  code('preferred_language', 'Language of letters and interface (code from UserPreferredLanguage; default en). Protected once staff change it; never empty in Alma.', { codeTable: 'UserPreferredLanguage', protectedField: true }),
  simple('birth_date', DATE, 'Date of birth (YYYY-MM-DD, optional time zone such as Z).'),
  simple('expiry_date', DATE, 'Date the user is expected to leave; it caps loan due dates (YYYY-MM-DD, optional Z).'),
  simple('purge_date', DATE, 'Date after which the purge job may delete the user (YYYY-MM-DD, optional Z); users without one are never purged.'),
  code('account_type', 'INTERNAL or EXTERNAL; every user the SIS load creates is EXTERNAL, whatever the file says.', { codeTable: 'UserUserType', sis: false }),
  simple('external_id', S255, 'Which external system owns the user; the SIS load writes the profile code here itself.', { sis: false }),
  simple('password', S255, 'Password of an internal user; API only, the SIS load ignores it.', { sis: false, writeOnly: true }),
  simple('force_password_change', str(4), 'TRUE to make an internal user change the password; API only.', { sis: false, writeOnly: true }),
  code('status', 'ACTIVE or INACTIVE (code from ContentStructureStatus; default ACTIVE).', { codeTable: 'ContentStructureStatus' }),
  simple('status_date', DATE, 'When the status last changed; Alma maintains it.', { sis: false, outputOnly: true }),
  simple('last_patron_activity_date', DATE, 'Last day of patron activity; Alma maintains it.', { sis: false, outputOnly: true }),
  counter('requests', INT, 'Number of the user\'s requests; an API output.'),
  counter('loans', INT, 'Number of the user\'s loans; an API output.'),
  counter('fees', FLOAT, 'Balance of the user\'s active fines and fees; an API output.'),
  complex('contact_info', CONTACT_INFO_TYPE, 'Addresses, emails and phones, in that order.'),
  USER_IDENTIFIERS,
  list('user_roles', 'user_role', USER_ROLE_TYPE, 'Roles of the user. The SIS load never reads them: new users get roles from the role assignment rules.', 'One role.', { sis: false }),
  list('user_blocks', 'user_block', USER_BLOCK_TYPE, 'Blocks on the user; the file\'s list replaces the external ones in Alma.', 'One block.'),
  list('user_notes', 'user_note', USER_NOTE_TYPE, 'Notes on the user; the file\'s list replaces the external ones in Alma.', 'One note.'),
  list('user_statistics', 'user_statistic', USER_STATISTIC_TYPE, 'Statistical categories of the user; the file\'s list replaces the external ones in Alma.', 'One statistical category.'),
  list('proxy_for_users', 'proxy_for_user', PROXY_FOR_USER_TYPE, 'Users this user may act for; an API output.', 'One user this user acts for.', { sis: false, outputOnly: true }),
  list('rs_libraries', 'rs_library', RS_LIBRARY_TYPE, 'Resource-sharing libraries of the user. Protected once staff change them.', 'One resource-sharing library.', { protectedField: true }),
  list('library_notices', 'library_notice', LIBRARY_NOTICE_TYPE, 'Which optional library notices the user receives. Protected once staff change them.', 'One notice opt-in or opt-out.', { protectedField: true }),
  simple('source_link_id', STRING, 'Id of the source record of a linked account; Alma maintains it.', { sis: false, outputOnly: true }),
  simple('source_institution_code', STRING, 'Institution holding the source record of a linked account; Alma maintains it.', { sis: false, outputOnly: true }),
  simple('linking_id', STRING, 'Id used by linked copies of this account; Alma maintains it.', { sis: false, outputOnly: true }),
  simple('pref_first_name', S255, 'Preferred first name. Protected once staff change it.', { protectedField: true }),
  simple('pref_middle_name', S255, 'Preferred middle name. Protected once staff change it.', { protectedField: true }),
  simple('pref_last_name', S255, 'Preferred last name. Protected once staff change it.', { protectedField: true }),
  simple('pref_name_suffix', S255, 'Name suffix (Esploro researchers only).'),
  simple('is_researcher', BOOLEAN, 'Whether the user is an Esploro researcher (true/false, default false).'),
  complex('researcher', researcherType(USER_IDENTIFIERS), 'Researcher profile (Esploro only).'),
], [LINK]);

export const USER_ELEMENT: ElementDef = complex('user', USER_TYPE, 'One user of the SIS file.', { max: 'unbounded' });

export const USERS_TYPE: ComplexTypeDef = complexType('users', 'sequence', [USER_ELEMENT], [
  attribute('total_record_count', LONG, 'Total number of users of an API list; the SIS load ignores it.', { sis: false }),
]);

/** The root element of an SIS file (rest_users.xsd). */
export const USERS_ELEMENT: ElementDef = complex('users', USERS_TYPE, 'The list of users of an SIS file.', { min: 1 });

/** The child named `name` of a complex type (a Map lookup). */
export function findChild(type: ComplexTypeDef, name: string): ElementDef | undefined {
  return type.byName.get(name);
}

/** The attribute named `name` of a complex type or of a simple-content element. */
export function findAttribute(owner: ComplexTypeDef | ElementDef, name: string): AttributeDef | undefined {
  const list = 'group' in owner ? owner.attributes : (owner.content?.attributes ?? owner.attributes);
  return list?.find((a) => a.name === name);
}

/**
 * The definition at an element path, e.g. `['user', 'contact_info', 'emails', 'email']`.
 * The path may start at `users` or at `user`; undefined when any step is unknown.
 */
export function elementDefAt(path: readonly string[]): ElementDef | undefined {
  if (path.length === 0) return undefined;
  let i = 0;
  let def: ElementDef | undefined;
  if (path[0] === 'users') {
    def = USERS_ELEMENT;
    i = 1;
  } else if (path[0] === 'user') {
    def = USER_ELEMENT;
    i = 1;
  } else return undefined;
  for (; i < path.length; i++) {
    if (!def?.content) return undefined;
    def = def.content.byName.get(path[i]);
  }
  return def;
}

/** Simple-content children of `user`: the core fields that "swap all" replaces (Ex Libris knowledge article "Why is the Users Synchronize job still overriding user account fields that were updated manually?"). */
export const CORE_FIELDS: readonly ElementDef[] = USER_TYPE.children.filter((c) => c.type !== undefined);

/** Core fields the SIS load reads (what the merge engine compares). */
export const SIS_CORE_FIELDS: readonly ElementDef[] = CORE_FIELDS.filter((c) => c.sis);

/** Code fields directly under `user`. */
export const CODE_FIELDS: readonly ElementDef[] = USER_TYPE.children.filter((c) => c.code === true);

/** Fields no Users API answer shows (the XSD tags them without `get`): `pin_number`, `password`, `force_password_change`. */
export const WRITE_ONLY_FIELDS: readonly string[] = USER_TYPE.children.filter((c) => c.writeOnly === true).map((c) => c.name);

/** Elements of `user` that a manual change protects (Ex Libris knowledge article "Why is the Users Synchronize job still overriding user account fields that were updated manually?"). */
export const PROTECTED_FIELDS: readonly ElementDef[] = USER_TYPE.children.filter((c) => c.protectedField === true);

/**
 * The segment lists the SIS load replaces (developer blog "External user data: behavior of SIS synchronization and API"): the plan's list name, the path of the
 * wrapper under `user` and the item element.
 */
export const SEGMENT_LISTS = [
  { list: 'identifiers', path: ['user_identifiers'], item: 'user_identifier' },
  { list: 'addresses', path: ['contact_info', 'addresses'], item: 'address' },
  { list: 'emails', path: ['contact_info', 'emails'], item: 'email' },
  { list: 'phones', path: ['contact_info', 'phones'], item: 'phone' },
  { list: 'notes', path: ['user_notes'], item: 'user_note' },
  { list: 'blocks', path: ['user_blocks'], item: 'user_block' },
  { list: 'statistics', path: ['user_statistics'], item: 'user_statistic' },
] as const;
