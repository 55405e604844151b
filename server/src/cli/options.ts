/**
 * Option groups shared by several commands, and turning flags into `Settings` (docs/cli.md):
 * the flags are the top layer over whatever the caller passes below them (e.g. a snapshot's
 * `profile`), all through `settingsFrom`, so defaults and checks live in one place.
 */
import { settingsFrom, type Settings, type SettingProblem } from '../../../shared/src/settings';
import { UsageError, booleanOption, stringOption, type OptionSpec, type ParsedArgs } from './args';

/** The profile flags, in the order `--help` shows them. */
export const SETTINGS_OPTIONS: readonly OptionSpec[] = [
  { name: 'match-by', kind: 'string', valueName: 'ID_TYPE', description: "the profile's Match ID: primary_id (default) or an identifier type code, e.g. UNIV_ID" },
  { name: 'mode', kind: 'string', choices: ['synchronize', 'import'], description: 'the profile mode (default synchronize)' },
  { name: 'record-type', kind: 'string', choices: ['PUBLIC', 'STAFF', 'CONTACT'], description: 'record type of the users the profile creates (default PUBLIC)' },
  { name: 'profile-code', kind: 'string', valueName: 'CODE', description: "the integration profile's code, the external_id of created users (default SIS)" },
  { name: 'empty-protected', kind: 'string', choices: ['clear', 'keep'], description: 'what an empty value does to a protected field (default clear)' },
  { name: 'sync-record-type', kind: 'boolean', description: 'the profile synchronizes the record type: record_type from the file is written on matched users' },
  { name: 'unmatched-record', kind: 'string', choices: ['add', 'skip'], description: "the profile's Unmatched Record: add (default) creates users that match nobody, skip does not" },
  { name: 'strict', kind: 'boolean', description: "validate against Alma's XSD to the letter (default: what Alma's loader accepts)" },
  { name: 'lenient', kind: 'boolean', description: "validate as Alma's loader does (the default; overrides a profile's strict)" },
  { name: 'code-tables', kind: 'string', valueName: 'FILE', description: "the institution's code tables (JSON): unknown codes become errors" },
];

/** `--feed`: the files named are one feed (read by Alma in one run, as the XML files of one zip). */
export const FEED_OPTION: OptionSpec = {
  name: 'feed',
  kind: 'boolean',
  description: 'the files named are one feed, as if zipped together: a value repeated in a later file is a duplicate (a .zip is always one feed)',
};

/** `--detailed-exitcode`: Terraform's exit codes, so a nightly script tells "nothing to do" from "look at this". */
export const DETAILED_EXITCODE_OPTION: OptionSpec = {
  name: 'detailed-exitcode',
  kind: 'boolean',
  description: 'exit 0 when nothing would change, 2 when users would be created or updated, 1 on errors (a rejected user, errors in the file, bad usage)',
};

/** The exit code under `--detailed-exitcode`: 1 for errors, else 2 when something changes, else 0. */
export function detailedExitCode(summary: { readonly created: number; readonly updated: number; readonly rejected: number }, errors: number): number {
  if (summary.rejected > 0 || errors > 0) return 1;
  return summary.created + summary.updated > 0 ? 2 : 0;
}

/** `--format`, with the formats this command offers (the first is the default). */
export function formatOption(formats: readonly string[]): OptionSpec {
  return { name: 'format', kind: 'string', short: 'f', choices: formats, description: `output format: ${formats.join(', ')} (default ${formats[0]})` };
}

/** The chosen `--format`, or the default (the first offered). */
export function chosenFormat<T extends string>(args: ParsedArgs, formats: readonly T[]): T {
  return (stringOption(args, 'format') as T | undefined) ?? formats[0];
}

/** The settings layer that the flags make (only the keys that were given). */
export function settingsLayerFromFlags(args: ParsedArgs): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  const take = (flag: string, key: string) => {
    const v = stringOption(args, flag);
    if (v !== undefined) layer[key] = v;
  };
  take('match-by', 'matchBy');
  take('mode', 'mode');
  take('record-type', 'recordType');
  take('profile-code', 'profileCode');
  take('empty-protected', 'emptyProtectedField');
  take('unmatched-record', 'unmatchedRecord');
  const syncRecordType = booleanOption(args, 'sync-record-type');
  if (syncRecordType !== undefined) layer.syncRecordType = syncRecordType;
  const strict = booleanOption(args, 'strict');
  const lenient = booleanOption(args, 'lenient');
  if (strict === true && lenient === true) throw new UsageError('--strict and --lenient exclude each other');
  if (strict === true || lenient === false) layer.validation = 'strict';
  else if (lenient === true || strict === false) layer.validation = 'lenient';
  return layer;
}

/**
 * Settings from the layers below the flags (lowest first) and the flags on top. A bad flag is a
 * usage error; a bad value in a lower layer (e.g. the snapshot's profile) is returned as a
 * problem for the caller to print as a warning, and the default is kept.
 */
export function settingsFromFlags(args: ParsedArgs, ...lower: unknown[]): { settings: Settings; problems: SettingProblem[] } {
  const flags = settingsLayerFromFlags(args);
  const below = settingsFrom(...lower);
  const all = settingsFrom(...lower, flags);
  // Problems that come from the flags are those not already reported for the lower layers.
  const fromFlags = all.problems.slice(below.problems.length);
  if (fromFlags.length > 0) {
    const p = fromFlags[0];
    throw new UsageError(`--${flagOf(p.key)}: ${p.message.replace(/^[^:]*: /, '')}`);
  }
  return { settings: all.settings, problems: below.problems };
}

function flagOf(key: string): string {
  return (
    { matchBy: 'match-by', mode: 'mode', recordType: 'record-type', profileCode: 'profile-code', emptyProtectedField: 'empty-protected', validation: 'strict', syncRecordType: 'sync-record-type', unmatchedRecord: 'unmatched-record' } as Record<string, string>
  )[key] ?? key;
}
