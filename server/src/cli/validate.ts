/**
 * `alma-sis validate FILE...` (docs/cli.md): every `.xml`, every `.xml` inside a `.zip`, or
 * standard input (`-`); text for people, `--format json` (docs/diagnostics.md) or `--format sarif`.
 * A harmless finding repeated across users is reported once per file and code unless
 * `--all-findings`. Exit 0: no errors (warnings allowed); 1: at least one error; 2: bad usage or
 * an unreadable input.
 */
import { localDay } from '../../../shared/src/analysis';
import type { Severity } from '../../../shared/src/diagnostics';
import { UsageError, booleanOption, stringOption } from './args';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliContext, type Command } from './command';
import type { CheckOptions } from './check';
import { checkFeedStreaming, type StreamCheckResult } from './streamCheck';
import { loadCodeTables } from './codeTables';
import { FEED_OPTION, SETTINGS_OPTIONS, chosenFormat, formatOption, settingsFromFlags } from './options';
import { JsonReportWriter } from './present/json';
import type { Counts, FileFailure } from './present/model';
import { SarifReportWriter } from './present/sarif';
import { formatDiagnostic, summaryFromCounts, wantColor } from './present/text';
import { InputError, openFeeds } from '../io/input';

const FORMATS = ['text', 'json', 'sarif'] as const;
/** Findings of users kept per file by default; the others are counted (`--max-findings`). */
export const DEFAULT_MAX_FINDINGS = 100_000;
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

/** `YYYY-MM-DD` of a real calendar day, or undefined. */
export function parseDay(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? s : undefined;
}

export const command: Command = {
  name: 'validate',
  summary: 'check SIS user files as Alma would load them',
  usage: '[options] FILE...',
  description: [
    "Check SIS user files (.xml, every .xml inside a .zip, or - for standard input) against Alma's",
    "user schema and Alma's own loading rules. Lenient by default (what Alma's loader accepts);",
    '--strict checks the XSD to the letter. The XML files of one zip are one feed, as Alma reads',
    'them in one run: a value repeated in a later file is a duplicate there. --feed makes all the',
    'files named one feed (files you will zip together). A harmless finding that many users carry',
    '(segment_type="Internal" on every segment) is reported once per file, at its first place, with',
    'how many users carry it; --all-findings reports each one. Errors are never grouped.',
    '',
    'Exit codes: 0 no errors (warnings allowed), 1 at least one error, 2 bad usage or an unreadable input.',
  ].join('\n'),
  options: [
    formatOption(FORMATS),
    FEED_OPTION,
    ...SETTINGS_OPTIONS,
    { name: 'today', kind: 'string', valueName: 'YYYY-MM-DD', description: "the date expiry checks compare with (default: today's date)" },
    {
      name: 'min-severity',
      kind: 'string',
      choices: SEVERITIES,
      description: 'report only this severity and worse (default: information for text, everything for json and sarif)',
    },
    { name: 'all-findings', kind: 'boolean', description: 'report every occurrence of a grouped finding on its own (default: once per file and code)' },
    {
      name: 'max-findings',
      kind: 'string',
      valueName: 'N',
      description: `per file, report the first N findings of users and only count the others (default: ${DEFAULT_MAX_FINDINGS}; 0: no limit)`,
    },
  ],
  async run(args, ctx) {
    if (args.positionals.length === 0) throw new UsageError('no file given (a .xml, a .zip, or - for standard input)');
    if (args.positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
    const format = chosenFormat(args, FORMATS);
    const { settings, problems: settingProblems } = settingsFromFlags(args);
    for (const p of settingProblems) ctx.stderr.write(`alma-sis validate: warning: ${p.message}\n`);
    const todayFlag = stringOption(args, 'today');
    let today = localDay(ctx.now());
    if (todayFlag !== undefined) {
      const day = parseDay(todayFlag);
      if (!day) throw new UsageError(`--today: expected a date as YYYY-MM-DD, got ${JSON.stringify(todayFlag)}`);
      today = day;
    }
    const codeTablesPath = stringOption(args, 'code-tables');
    let codeTables: CheckOptions['codeTables'];
    if (codeTablesPath !== undefined) {
      const loaded = await loadCodeTables(codeTablesPath);
      for (const w of loaded.warnings) ctx.stderr.write(`alma-sis validate: warning: ${w}\n`);
      codeTables = loaded.tables;
    }
    const maxFlag = stringOption(args, 'max-findings');
    if (maxFlag !== undefined && !/^\d+$/.test(maxFlag)) throw new UsageError(`--max-findings: expected a whole number (0: no limit), got ${JSON.stringify(maxFlag)}`);
    const maxFindings = maxFlag === undefined ? DEFAULT_MAX_FINDINGS : Number(maxFlag);
    const options: CheckOptions = { settings, today, codeTables, allFindings: booleanOption(args, 'all-findings') === true, maxFindings };
    // Hints (e.g. segment_type on every segment) are for editors, which show them faintly; in a
    // terminal they would bury the rest, so the text format leaves them out unless asked.
    const minSeverity = (stringOption(args, 'min-severity') as Severity | undefined) ?? (format === 'text' ? 'information' : 'hint');
    return validateFiles(args.positionals, options, { format, minSeverity, feed: booleanOption(args, 'feed') === true }, ctx);
  },
};

/** Checks every input and prints the report; returns the exit code. */
export async function validateFiles(
  paths: readonly string[],
  options: CheckOptions,
  output: { readonly format: (typeof FORMATS)[number]; readonly minSeverity: Severity; readonly feed?: boolean },
  ctx: CliContext,
): Promise<number> {
  const { format } = output;
  const color = wantColor(ctx.stdout.isTTY, ctx.env);
  const hidden: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  const counts: Counts = { error: 0, warning: 0, information: 0, hint: 0 };
  let checked = 0;
  const failures: FileFailure[] = [];
  // JSON and SARIF are written file by file too: the report is never whole in memory.
  const write = (t: string) => ctx.stdout.write(t);
  const writer = format === 'json' ? new JsonReportWriter(write) : format === 'sarif' ? new SarifReportWriter(write, ctx.version) : undefined;
  let errors = 0;
  const fail = (failure: FileFailure) => {
    failures.push(failure);
    ctx.stderr.write(`alma-sis validate: ${failure.error}\n`);
  };
  const report = async (result: StreamCheckResult): Promise<void> => {
    // Errors are never left out of the exit code, even those beyond --max-findings.
    errors += result.diagnostics.filter((d) => d.severity === 'error').length + result.omitted.error;
    for (const s of SEVERITIES) hidden[s] += result.hidden[s];
    const omitted = SEVERITIES.reduce((n, s) => n + result.omitted[s], 0);
    if (format === 'text') {
      // The source lines shown under the diagnostics: a second read of this input.
      try {
        await result.loadLines(result.diagnostics);
      } catch {
        // Read once, but not twice (the file went away): print without the source lines.
      }
      // Printed file by file, so a long run shows progress and keeps one file's text at a time.
      // Written in batches: one write per diagnostic costs more than formatting it.
      let batch: string[] = [];
      for (const d of result.diagnostics) {
        batch.push(formatDiagnostic(result, d, { color }));
        if (batch.length === 500) {
          ctx.stdout.write(`${batch.join('\n')}\n`);
          batch = [];
          await ctx.stdout.drain?.();
        }
      }
      if (batch.length > 0) ctx.stdout.write(`${batch.join('\n')}\n`);
      if (omitted > 0) ctx.stdout.write(`${omittedLine(result.path, result.omitted, options.maxFindings)}\n`);
    } else {
      writer!.fileStart(result.path);
      for (let i = 0; i < result.diagnostics.length; i += 1000) {
        writer!.diagnostics(result.diagnostics.slice(i, i + 1000));
        await ctx.stdout.drain?.();
      }
      writer!.fileEnd(omitted > 0 ? result.omitted : undefined);
    }
    checked++;
    for (const d of result.diagnostics) counts[d.severity]++;
    for (const s of SEVERITIES) counts[s] += result.omitted[s];
  };
  for await (const feed of openFeeds(paths, { stdin: ctx.stdin, together: output.feed })) {
    if (!Array.isArray(feed)) {
      fail(feed);
      continue;
    }
    // A feed of several files is reported when all are read: a later file can add a note to an earlier one.
    const results = await checkFeedStreaming(feed, options, output.minSeverity, (input, e) => {
      // An unreadable input, or a bug met on this file: say so, and go on with the others.
      const message =
        e instanceof InputError
          ? e.message
          : `internal error while checking ${input.path}: ${e instanceof Error ? e.message : String(e)} (this is a bug in alma-sis)`;
      fail({ path: input.path, error: message });
      if (!(e instanceof InputError) && ctx.env.ALMA_SIS_DEBUG && e instanceof Error) ctx.stderr.write(`${e.stack}\n`);
    });
    for (const result of results) await report(result);
  }
  if (format === 'text') {
    const words: Record<Severity, [string, string]> = { error: ['error', 'errors'], warning: ['warning', 'warnings'], information: ['note', 'notes'], hint: ['hint', 'hints'] };
    const notShown = SEVERITIES.filter((s) => hidden[s] > 0);
    const note = notShown.length
      ? ` (${notShown.map((s) => `${hidden[s]} ${words[s][hidden[s] === 1 ? 0 : 1]}`).join(', ')} not shown; --min-severity ${notShown.at(-1)} shows them)`
      : '';
    ctx.stdout.write(summaryFromCounts(checked, counts, failures.length, { color }).replace(/\.\n$/, `${note}.\n`));
  } else writer!.end(failures);
  if (failures.length > 0) return EXIT_USAGE;
  return errors > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

/** What a file left unreported beyond --max-findings, and how to see it. */
function omittedLine(path: string, omitted: Readonly<Record<Severity, number>>, max: number | undefined): string {
  const words: Record<Severity, string> = { error: 'errors', warning: 'warnings', information: 'notes', hint: 'hints' };
  const parts = SEVERITIES.filter((s) => omitted[s] > 0).map((s) => `${omitted[s]} more ${words[s]}`);
  return `${path}: ${parts.join(', ')} not listed: only the first ${max} findings of users are (--max-findings 0 lists all); the summary counts them all.`;
}
