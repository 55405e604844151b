/**
 * The `researcher` type of rest_researcher.xsd (Esploro only), written as data so that strict
 * mode follows the XSD to the letter. Descriptions are ours.
 */
import { BOOLEAN, DATE, INT, STRING, code, complex, complexType, simple, str } from './build';
import type { ComplexTypeDef, ElementDef } from './types';

const S255 = str(255);
const S20 = str(20);

function listOf(wrapper: string, item: ComplexTypeDef | null, itemName: string, wrapperText: string, itemText: string, o: { codeTable?: string; max?: number; sis?: boolean } = {}) {
  const child = item
    ? complex(itemName, item, itemText, { max: o.max ?? 'unbounded' })
    : code(itemName, itemText, { max: 'unbounded', codeTable: o.codeTable, sis: o.sis });
  return complex(wrapper, complexType(wrapper, 'sequence', [child]), wrapperText);
}

const ORGANIZATION_AFFILIATION = complexType('researcher_organization_affiliation', 'all', [
  simple('organization_code', S255, 'Code of the organization (unit) the researcher belongs to.'),
  simple('organization_name', S255, 'Name of that organization.'),
  simple('start_date', DATE, 'First day of the affiliation.'),
  simple('end_date', DATE, 'Last day of the affiliation.'),
  code('position', 'The researcher\'s position in the organization (code from OrganizationPositions).', { codeTable: 'OrganizationPositions' }),
  simple('title', S255, 'The researcher\'s title or position, written out.'),
  simple('positionOrder', S255, 'Where this affiliation sorts among the researcher\'s affiliations.'),
]);

/** The researcher type; `userIdentifiers` is the `user_identifiers` element shared with `user`. */
export function researcherType(userIdentifiers: ElementDef): ComplexTypeDef {
  return complexType('researcher', 'all', [
  simple('researcher_first_name', S255, 'First name used for the researcher profile.'),
  simple('researcher_middle_name', S255, 'Middle name used for the researcher profile.'),
  simple('researcher_last_name', S255, 'Last name used for the researcher profile.'),
  simple('researcher_suffix', S255, 'Name suffix of the researcher (e.g. Jr.).'),
  code('researcher_title', 'Title of the researcher (code from UserTitles).', { codeTable: 'UserTitles' }),
  simple('profile_image_url', STRING, 'Address of the researcher\'s profile image.'),
  simple('photo_url', STRING, 'Address of the researcher\'s photo.'),
  simple('display_title', S255, 'Title shown on the researcher profile.'),
  code('position', 'The researcher\'s position (code from OrganizationPositions).', { codeTable: 'OrganizationPositions' }),
  code('portal_profile', 'Whether the profile appears in the Research Portal (code from EsploroPortalField).', { codeTable: 'EsploroPortalField' }),
  simple('auto_capture', S20, 'Whether the researcher\'s name is used for automatic capture of outputs (default Yes).'),
  simple('research_center', S20, 'Whether the researcher may use the Researcher Center (default Yes).'),
  simple('previous_affiliated', BOOLEAN, 'For a non-affiliated researcher: whether they were affiliated before (default false).'),
  code('default_publication_language', 'Language the researcher usually publishes in (code from UserPreferredLanguage).', { codeTable: 'UserPreferredLanguage' }),
  listOf('researcher_alternate_emails',
    complexType('researcher_alternate_email', 'sequence', [simple('email_address', S255, 'Another email address of the researcher (required).', { min: 1 })]),
    'researcher_alternate_email', 'Other email addresses of the researcher.', 'One other email address.'),
  listOf('researcher_organization_affiliations', ORGANIZATION_AFFILIATION, 'researcher_organization_affiliation',
    'The researcher\'s current affiliations inside the institution.', 'One current affiliation.'),
  listOf('researcher_previous_organization_affiliations', ORGANIZATION_AFFILIATION, 'researcher_previous_organization_affiliation',
    'The researcher\'s past affiliations inside the institution.', 'One past affiliation.'),
  listOf('researcher_external_organization_affiliations', ORGANIZATION_AFFILIATION, 'researcher_external_organization_affiliation',
    'The researcher\'s current affiliations outside the institution.', 'One current external affiliation.'),
  listOf('researcher_previous_external_organization_affiliations', ORGANIZATION_AFFILIATION, 'researcher_previous_external_organization_affiliation',
    'The researcher\'s past affiliations outside the institution.', 'One past external affiliation.'),
  listOf('researcher_name_variants',
    complexType('researcher_name_variant', 'sequence', [
      simple('first_name', S255, 'First name in this variant.'),
      simple('middle_name', S255, 'Middle name in this variant.'),
      simple('last_name', S255, 'Last name in this variant.'),
      simple('name_suffix', S255, 'Name suffix in this variant.'),
    ]),
    'researcher_name_variant', 'Other spellings of the researcher\'s name.', 'One other spelling of the name.'),
  listOf('researcher_engagement_types',
    complexType('researcher_engagement_type', 'sequence', [
      code('researcher_engagement', 'Kind of engagement (code from ResearcherEngagementTypes).', { codeTable: 'ResearcherEngagementTypes' }),
      simple('engagement_end_date', DATE, 'Last day of this engagement.'),
    ]),
    'researcher_engagement_type', 'The researcher\'s engagement types (at most 5).', 'One engagement type.', { max: 5 }),
  // Tagged "api get post put" only in the XSD, so not read by the SIS load.
  listOf('researcher_research_topics', null, 'researcher_research_topic', 'Research topics of the researcher.',
    'One research topic (code from ResearchTopicsLabels).', { codeTable: 'ResearchTopicsLabels', sis: false }),
  listOf('researcher_keywords',
    complexType('researcher_keyword', 'sequence', [simple('value', STRING, 'The keyword (required).', { min: 1 })]),
    'researcher_keyword', 'Keywords describing the research.', 'One keyword.'),
  listOf('researcher_associations',
    complexType('researcher_association', 'sequence', [simple('value', STRING, 'The association (required).', { min: 1 })]),
    'researcher_association', 'Associations the researcher belongs to.', 'One association.'),
  listOf('researcher_languages', null, 'researcher_language', 'Languages the researcher works in.',
    'One language (code from ResearchLanguagesNames).', { codeTable: 'ResearchLanguagesNames' }),
  listOf('researcher_honors',
    complexType('researcher_honor', 'sequence', [
      simple('organization_code', S255, 'Code of the organization that gave the honor.'),
      simple('organization_name', S255, 'Name of the organization that gave the honor.'),
      simple('title', S255, 'Name of the honor.'),
      simple('time_period', S255, 'When the honor was received.'),
    ]),
    'researcher_honor', 'Honors and awards of the researcher.', 'One honor.'),
  listOf('researcher_educations',
    complexType('researcher_education', 'sequence', [
      simple('organization_code', S255, 'Code of the school or university.'),
      simple('organization_name', S255, 'Name of the school or university.'),
      simple('degree', S255, 'Degree obtained.'),
      simple('from_year', INT, 'Year the studies started.'),
      simple('to_year', INT, 'Year the studies ended.'),
      simple('field_of_study', S255, 'Subject studied (default Unknown).'),
      simple('additional_details', S255, 'Anything else about this education.'),
      simple('suppress_from_public_portal', BOOLEAN, 'Hide this education from the public portal (default false).'),
    ]),
    'researcher_education', 'Education of the researcher.', 'One education entry.'),
  listOf('researcher_descriptions',
    complexType('researcher_description', 'sequence', [simple('description', STRING, 'The text (required).', { min: 1 })]),
    'researcher_description', 'Free-text descriptions of the researcher.', 'One description.'),
  listOf('researcher_webpages',
    complexType('researcher_webpage', 'sequence', [
      simple('url', STRING, 'Address of the page (required).', { min: 1 }),
      simple('title', STRING, 'Title of the page.'),
      simple('description', STRING, 'What the page is about.'),
      simple('type', STRING, 'Kind of page: Homepage, CV, Pubpage, Unknown, Profile or Lab.'),
    ]),
    'researcher_webpage', 'Web pages of the researcher.', 'One web page.'),
  userIdentifiers,
  ]);
}
