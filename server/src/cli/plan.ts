/**
 * `alma-sis plan FILE --snapshot SNAP` (docs/plan.md, docs/cli.md): what the Users Synchronize job would
 * do to each user. Exit 0: plan made, nobody rejected; 1: some user rejected or the file has
 * errors; 2: bad usage, unreadable file or snapshot.
 */
import { UsageError, stringOption, booleanOption } from './args';
import { describeInputs, writePlanArtifact } from '../io/planArtifact';
import type { PlanUserJson } from '../../../shared/src/engine';
import { EXIT_OK, EXIT_PROBLEMS, type Command } from './command';
import { DETAILED_EXITCODE_OPTION, FEED_OPTION, SETTINGS_OPTIONS, chosenFormat, detailedExitCode, formatOption } from './options';
import { ONLY_CHOICES, PlanJsonWriter, parseOnly, planJson, planMarkdownHeader, planMarkdownUser, planTextHeader, planTextUser, plannedUserJson, shows } from './planFormat';
import { runPlan } from './planInput';
import { wantColor } from './present/text';
import { OrderedTextSpool } from '../io/spool';

const FORMATS = ['text', 'json', 'markdown'] as const;

export const command: Command = {
  name: 'plan',
  summary: 'show what Users Synchronize would do to each user, against a snapshot',
  usage: 'FILE --snapshot SNAP [options]  (or FILE... --feed)',
  description: [
    'Plan the Users Synchronize job: match every user of FILE (.xml, .zip, or - for standard input)',
    'against the snapshot of what Alma holds, and show per user and per field what the job would',
    'create, update, keep (protected fields) or reject, in Alma\'s words.',
    '',
    '--out PLAN also writes the plan with the SHA-256 of its snapshot and files, its settings and',
    "its day, for 'alma-sis apply --plan PLAN' to apply exactly that plan later.",
    '',
    'Exit codes: 0 plan made and nobody rejected, 1 some user rejected or the file has errors,',
    '2 bad usage or an unreadable file or snapshot. With --detailed-exitcode: 0 nothing would change,',
    '2 users would be created or updated, 1 errors (a rejected user, errors in the file, bad usage).',
  ].join('\n'),
  options: [
    { name: 'snapshot', kind: 'string', short: 's', valueName: 'SNAP', description: 'the *.alma-snapshot.json of what Alma holds now (required)' },
    formatOption(FORMATS),
    FEED_OPTION,
    { name: 'out', kind: 'string', short: 'o', valueName: 'PLAN', description: "also write the plan, with the digests of its inputs, for 'alma-sis apply --plan PLAN'" },
    DETAILED_EXITCODE_OPTION,
    { name: 'only', kind: 'string', valueName: 'LIST', description: `show only these users (comma-separated): ${ONLY_CHOICES.join(', ')}` },
    { name: 'verbose', kind: 'boolean', short: 'v', description: 'text format: print the rule behind every line' },
    ...SETTINGS_OPTIONS,
  ],
  async run(args, ctx) {
    const format = chosenFormat(args, FORMATS);
    const only = parseOnly(stringOption(args, 'only'));
    const out = stringOption(args, 'out');
    if (out !== undefined && args.positionals.includes('-')) throw new UsageError('--out needs the SIS file on disk: standard input cannot be checked again when the plan is applied');
    const snapshotPath = stringOption(args, 'snapshot') as string;
    const textOptions = { color: wantColor(ctx.stdout.isTTY, ctx.env), snapshotPath, verbose: booleanOption(args, 'verbose') === true };
    let paths: readonly string[] = [];
    const many = () => paths.length > 1;
    // JSON is written as the users come; text and Markdown start with the counts, so their users
    // wait (as the text they print; beyond 32 MB in a private temporary file) until the end. A
    // plan artifact (--out) holds every user: it is written whole.
    const json = format === 'json' ? new PlanJsonWriter((t) => ctx.stdout.write(t)) : undefined;
    const kept = json ? undefined : new OrderedTextSpool();
    const artifactUsers: PlanUserJson[] = [];
    const run = await runPlan(
      args,
      ctx,
      'plan',
      async (u) => {
        const shown = shows(u.plan, only);
        if (out !== undefined) artifactUsers[u.plan.index] = plannedUserJson(u, many());
        if (json) {
          json.user(u.plan.index, shown ? plannedUserJson(u, many()) : undefined);
          await ctx.stdout.drain?.();
        } else kept!.put(u.plan.index, shown ? (format === 'markdown' ? planMarkdownUser(u) : planTextUser(u, many(), textOptions)) : '');
      },
      { onStart: (s) => (paths = s.paths) },
    ).catch((e: unknown) => {
      kept?.close();
      throw e;
    });
    run.snapshot.close();
    if (out !== undefined) {
      const inputs = await describeInputs(out, { sis: run.files, snapshot: run.snapshot.path, codeTables: run.codeTablesPath }, { feed: run.feed, settings: run.settings, today: run.today, madeBy: `alma-sis ${ctx.version}` });
      await writePlanArtifact(out, planJson(run.summary, artifactUsers, many() ? paths : undefined), inputs);
    }
    if (json) json.end(run.summary, many() ? { files: paths } : {});
    else {
      ctx.stdout.write(format === 'markdown' ? planMarkdownHeader(run.settings, paths, run.summary, snapshotPath) : planTextHeader(run.settings, paths, run.summary, textOptions));
      await kept!.writeTo((t) => ctx.stdout.write(t), async () => ctx.stdout.drain?.());
    }
    const errors = run.documents.reduce((n, d) => n + d.errors, 0);
    if (errors > 0) ctx.stderr.write(`alma-sis plan: the file has ${errors} error${errors === 1 ? '' : 's'} (run alma-sis validate for details)\n`);
    if (out !== undefined) ctx.stderr.write(`alma-sis plan: wrote ${out}; apply exactly this plan with: alma-sis apply --plan ${out}\n`);
    if (booleanOption(args, 'detailed-exitcode') === true) return detailedExitCode(run.summary, errors);
    return run.summary.rejected > 0 || errors > 0 ? EXIT_PROBLEMS : EXIT_OK;
  },
};
