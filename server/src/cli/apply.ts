/**
 * `alma-sis apply FILE --snapshot SNAP [--out NEW]` (docs/plan.md, docs/cli.md): write the snapshot the
 * job would leave. Rejected users change nothing and the rest are applied, as Alma's job does
 * (exit 1 says some were rejected); a file Alma could not read as a whole writes nothing.
 */
import { appliedUser, sameUser } from '../../../shared/src/engine';
import { entryText } from '../../../shared/src/snapshot/snapshot';
import { InputError } from '../io/input';
import { ChangedEntries, saveSnapshotFrom } from '../io/snapshotFile';
import { UsageError, booleanOption, stringOption, type ParsedArgs } from './args';
import { changedInputs, inputPath, loadPlanArtifact } from '../io/planArtifact';
import { settingsFrom } from '../../../shared/src/settings';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliContext, type Command } from './command';
import { DETAILED_EXITCODE_OPTION, FEED_OPTION, SETTINGS_OPTIONS, chosenFormat, detailedExitCode, formatOption } from './options';
import { PlanJsonWriter, plannedUserJson, summaryText } from './planFormat';
import { runPlan, type PlanStart } from './planInput';

const FORMATS = ['text', 'json'] as const;

export const command: Command = {
  name: 'apply',
  summary: 'write the snapshot that Users Synchronize would leave',
  usage: 'FILE --snapshot SNAP [--out NEW] [options]  (or FILE... --feed)',
  description: [
    'Plan FILE against the snapshot and write the result: fields and segments as planned, protection',
    'ended where an override was reverted, new users as the profile creates them. The snapshot is',
    'replaced in place (the previous one kept as SNAP.bak) unless --out names another file.',
    '',
    'Exit codes: 0 snapshot written, 1 some user rejected (the others are applied and the snapshot',
    'is written) or the file cannot be read as a whole (nothing written), 2 bad usage or an',
    'unreadable file or snapshot (nothing written).',
    '',
    "--plan PLAN applies a plan written by 'alma-sis plan --out PLAN' (or the editor's Export Plan)",
    'exactly: the snapshot and files it names must be byte for byte what they were (SHA-256), and',
    'the plan made again with its settings must give every user the recorded outcome; otherwise',
    'nothing is written and the exit code is 2.',
  ].join('\n'),
  options: [
    { name: 'snapshot', kind: 'string', short: 's', valueName: 'SNAP', description: 'the *.alma-snapshot.json of what Alma holds now (required)' },
    { name: 'out', kind: 'string', short: 'o', valueName: 'NEW', description: 'write the new snapshot here instead of replacing SNAP' },
    { name: 'plan', kind: 'string', valueName: 'PLAN', description: "apply exactly this plan (from 'alma-sis plan --out'); FILE and --snapshot come from it" },
    DETAILED_EXITCODE_OPTION,
    formatOption(FORMATS),
    FEED_OPTION,
    ...SETTINGS_OPTIONS,
  ],
  async run(args, ctx) {
    const format = chosenFormat(args, FORMATS);
    const planPath = stringOption(args, 'plan');
    const recorded = planPath !== undefined ? await recordedPlan(planPath, args, ctx) : undefined;
    // A refused plan is exit 2, or 1 under --detailed-exitcode (where 2 means "changes").
    const refused = booleanOption(args, 'detailed-exitcode') === true ? EXIT_PROBLEMS : EXIT_USAGE;
    if (recorded === null) return refused;
    const runArgs = recorded?.args ?? args;
    let start: PlanStart | undefined;
    const target = () => stringOption(args, 'out') ?? start!.snapshot.path;
    // The plan's JSON waits until the snapshot is written: it ends with where.
    const json = format === 'json' ? new PlanJsonWriter((t) => ctx.stdout.write(t)) : undefined;
    // What changes is kept on disk beside the target until the new snapshot is written, so that
    // memory does not grow with the number of changed users.
    let changes: ChangedEntries | undefined;
    // With --plan: does every user get the outcome the plan records?
    let same = true;
    try {
      const run = await runPlan(
        runArgs,
        ctx,
        'apply',
        async (u) => {
          const change = appliedUser(u.plan, u.incoming, start!.settings, (k) => start!.snapshot.index.entry(k)!);
          if (change) (changes ??= new ChangedEntries(target())).add(entryText(change.entry), change.replaces, u.plan.index);
          const userJson = plannedUserJson(u, start!.paths.length > 1);
          if (recorded && !sameUser(recorded.artifact.users[u.plan.index], userJson)) same = false;
          if (json) {
            json.user(u.plan.index, userJson);
            await ctx.stdout.drain?.();
          }
        },
        { onStart: (s) => (start = s), fixed: recorded?.fixed },
      );
      try {
        if (recorded && planPath !== undefined) {
          // Exactly the plan that was reviewed: the same inputs (checked again now they are read) and the same outcome for every user.
          const stale = await changedInputs(planPath, recorded.artifact.inputs);
          if (stale.length > 0 || !same || recorded.artifact.users.length !== run.summary.processed) {
            const why = stale.length > 0 ? stale : [`planned again, ${planPath} does not give the outcome it records (it was edited, or made by another version of alma-sis)`];
            for (const w of why) ctx.stderr.write(`alma-sis apply: ${w}\n`);
            ctx.stderr.write(`alma-sis apply: nothing written; make the plan again (alma-sis plan --out ${planPath})\n`);
            return refused;
          }
        }
        const fatal = run.documents.find((d) => d.fatal);
        if (fatal) {
          const where = fatal.fatalProblem ? `:${fatal.fatalProblem.line}: ${fatal.fatalProblem.message}` : ': it cannot be decoded';
          ctx.stderr.write(`alma-sis apply: Alma could not read ${fatal.path} as a whole${where}\nalma-sis apply: nothing written\n`);
          return EXIT_PROBLEMS;
        }
        if (!run.snapshot.unchanged()) throw new InputError(`${run.snapshot.path} changed while it was read; nothing written`);
        await saveSnapshotFrom(target(), run.snapshot, changes);
      } finally {
        run.snapshot.close();
      }
      const s = run.summary;
      if (json) json.end(s, { ...(run.paths.length > 1 ? { files: run.paths } : {}), written: target() });
      else ctx.stdout.write(`${summaryText(s)}\nWrote ${target()}${s.rejected > 0 ? ` (${s.rejected} rejected user${s.rejected === 1 ? '' : 's'} left as they were)` : ''}\n`);
      // Exit 1 when some user was rejected; other errors in the file do not stop the snapshot
      // from being written (the validator and `plan` report them).
      const errors = run.documents.reduce((n, d) => n + d.errors, 0);
      if (errors > 0) ctx.stderr.write(`alma-sis apply: the file has ${errors} error${errors === 1 ? '' : 's'} (run alma-sis validate for details)\n`);
      if (booleanOption(args, 'detailed-exitcode') === true) return detailedExitCode(s, errors);
      return s.rejected > 0 ? EXIT_PROBLEMS : EXIT_OK;
    } finally {
      changes?.close();
    }
  },
};

/**
 * The plan artifact of `--plan`, with the arguments it stands for (its files, snapshot and code
 * tables) and its settings and day; null when an input changed since it was made (said on stderr).
 */
async function recordedPlan(planPath: string, args: ParsedArgs, ctx: CliContext) {
  const clash = ['snapshot', 'code-tables', 'feed', 'match-by', 'mode', 'record-type', 'profile-code', 'empty-protected', 'strict', 'lenient', 'sync-record-type', 'unmatched-record'].find((o) => args.options[o] !== undefined);
  if (args.positionals.length > 0 || clash) throw new UsageError(`--plan takes its files, snapshot and settings from the plan: give ${clash ? `--${clash}` : 'FILE'} only without --plan`);
  const artifact = await loadPlanArtifact(planPath);
  const inputs = artifact.inputs;
  const stale = await changedInputs(planPath, inputs);
  if (stale.length > 0) {
    for (const w of stale) ctx.stderr.write(`alma-sis apply: ${w}\n`);
    ctx.stderr.write(`alma-sis apply: nothing written; make the plan again (alma-sis plan --out ${planPath})\n`);
    return null;
  }
  const options: Record<string, string | boolean | undefined> = { ...args.options, snapshot: inputPath(planPath, inputs.snapshot), feed: inputs.feed };
  if (inputs.codeTables) options['code-tables'] = inputPath(planPath, inputs.codeTables);
  return {
    artifact,
    args: { options, positionals: inputs.files.map((f) => inputPath(planPath, f)) } as ParsedArgs,
    fixed: { settings: settingsFrom(inputs.settings).settings, today: inputs.today },
  };
}
