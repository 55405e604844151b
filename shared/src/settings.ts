/**
 * The integration profile's settings (docs/cli.md, docs/plan.md), normalised in one place. The editor, the language
 * server and the command line all turn their raw input into `Settings` through `settingsFrom`,
 * so defaults and validation live here only.
 */

/**
 * The eight "special" fields of the Ex Libris knowledge article "Why is the Users Synchronize job
 * still overriding user account fields that were updated manually?", plus the preferred-name
 * fields of the article "Preferred Name fields and the Restore Button".
 */
export const DEFAULT_PROTECTED_FIELDS = [
  'user_group',
  'job_category',
  'pin_number',
  'preferred_language',
  'campus_code',
  'rs_libraries',
  'user_title',
  'library_notices',
  'pref_first_name',
  'pref_middle_name',
  'pref_last_name',
] as const;

export type Mode = 'synchronize' | 'import';
export type RecordType = 'PUBLIC' | 'STAFF' | 'CONTACT';
export type EmptyProtectedField = 'clear' | 'keep';
export type ValidationLevel = 'lenient' | 'strict';
/** The profile's Unmatched Record: `add` creates users that match nobody; `skip` does not. */
export type UnmatchedRecord = 'add' | 'skip';

export interface Settings {
  /** `primary_id` or an identifier type code (e.g. `UNIV_ID`). */
  readonly matchBy: string;
  readonly mode: Mode;
  readonly recordType: RecordType;
  readonly profileCode: string;
  readonly emptyProtectedField: EmptyProtectedField;
  readonly protectedFields: readonly string[];
  readonly validation: ValidationLevel;
  /**
   * The profile synchronizes the record type: `record_type` from the file is written on matched
   * users (Ex Libris knowledge article "How to change the Alma User Record Type from Public to Staff").
   */
  readonly syncRecordType: boolean;
  /**
   * The profile's "Unmatched Record" option (SUNY Library Consortium, "How Do I Run the SIS
   * Synchronization for Student Information System Files in Alma?": leave it at "Add" to have
   * users missing from Alma added).
   */
  readonly unmatchedRecord: UnmatchedRecord;
}

export const DEFAULT_SETTINGS: Settings = {
  matchBy: 'primary_id',
  mode: 'synchronize',
  recordType: 'PUBLIC',
  profileCode: 'SIS',
  emptyProtectedField: 'clear',
  protectedFields: DEFAULT_PROTECTED_FIELDS,
  validation: 'lenient',
  syncRecordType: false,
  unmatchedRecord: 'add',
};

/** A setting that was given but could not be used; reported, never thrown. */
export interface SettingProblem {
  readonly key: string;
  readonly message: string;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string') return undefined;
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  return found;
}

/** `true`/`false` as JSON booleans or strings (settings files and flags write both). */
function booleanSetting(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}

/**
 * Merge raw settings layers (lowest priority first: e.g. the snapshot's `profile`, then
 * workspace settings or command-line flags) into valid `Settings`. Unknown keys are ignored;
 * bad values are reported and the lower layer's value is kept.
 */
export function settingsFrom(...layers: unknown[]): { settings: Settings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  let s: Settings = DEFAULT_SETTINGS;
  for (const layer of layers) {
    if (layer === undefined || layer === null) continue;
    if (typeof layer !== 'object' || Array.isArray(layer)) {
      problems.push({ key: '', message: 'settings must be an object' });
      continue;
    }
    const raw = layer as Record<string, unknown>;
    const bad = (key: string, expected: string) =>
      problems.push({ key, message: `${key}: expected ${expected}, got ${JSON.stringify(raw[key])}` });
    const next: { -readonly [K in keyof Settings]: Settings[K] } = { ...s };
    if (raw.matchBy !== undefined) {
      if (typeof raw.matchBy === 'string' && raw.matchBy.trim() !== '') next.matchBy = raw.matchBy.trim();
      else bad('matchBy', '"primary_id" or an identifier type code');
    }
    if (raw.mode !== undefined) {
      const v = oneOf(raw.mode, ['synchronize', 'import'] as const);
      if (v) next.mode = v;
      else bad('mode', '"synchronize" or "import"');
    }
    if (raw.recordType !== undefined) {
      const v = oneOf(raw.recordType, ['PUBLIC', 'STAFF', 'CONTACT'] as const);
      if (v) next.recordType = v;
      else bad('recordType', '"PUBLIC", "STAFF" or "CONTACT"');
    }
    if (raw.profileCode !== undefined) {
      if (typeof raw.profileCode === 'string' && raw.profileCode.trim() !== '') next.profileCode = raw.profileCode.trim();
      else bad('profileCode', 'a non-empty string');
    }
    if (raw.emptyProtectedField !== undefined) {
      const v = oneOf(raw.emptyProtectedField, ['clear', 'keep'] as const);
      if (v) next.emptyProtectedField = v;
      else bad('emptyProtectedField', '"clear" or "keep"');
    }
    if (raw.protectedFields !== undefined) {
      if (Array.isArray(raw.protectedFields) && raw.protectedFields.every((f) => typeof f === 'string')) {
        next.protectedFields = [...new Set((raw.protectedFields as string[]).map((f) => f.trim()).filter(Boolean))];
      } else bad('protectedFields', 'a list of field names');
    }
    if (raw.validation !== undefined) {
      const v = oneOf(raw.validation, ['lenient', 'strict'] as const);
      if (v) next.validation = v;
      else bad('validation', '"lenient" or "strict"');
    }
    if (raw.syncRecordType !== undefined) {
      const v = booleanSetting(raw.syncRecordType);
      if (v !== undefined) next.syncRecordType = v;
      else bad('syncRecordType', 'true or false');
    }
    if (raw.unmatchedRecord !== undefined) {
      const v = oneOf(raw.unmatchedRecord, ['add', 'skip'] as const);
      if (v) next.unmatchedRecord = v;
      else bad('unmatchedRecord', '"add" or "skip"');
    }
    s = next;
  }
  return { settings: s, problems };
}

/** True when the profile matches on `primary_id` rather than on an identifier type. */
export function matchesOnPrimaryId(settings: Settings): boolean {
  return settings.matchBy.toLowerCase() === 'primary_id';
}
