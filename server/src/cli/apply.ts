/**
 * `alma-sis apply FILE --snapshot SNAP [--out NEW]` (contract §3, §5): write the snapshot the
 * job would leave. Rejected users change nothing and the rest are applied, as Alma's job does
 * (exit 1 says some were rejected); a file Alma could not read as a whole writes nothing.
 */
import { applyPlan } from '../../../shared/src/engine';
import { saveSnapshot } from '../io/snapshotFile';
import { stringOption } from './args';
import { EXIT_OK, EXIT_PROBLEMS, type Command } from './command';
import { FEED_OPTION, SETTINGS_OPTIONS, chosenFormat, formatOption } from './options';
import { planJsonOf, selectUsers, summaryText } from './planFormat';
import { preparePlan } from './planInput';

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
  ].join('\n'),
  options: [
    { name: 'snapshot', kind: 'string', short: 's', valueName: 'SNAP', description: 'the *.alma-snapshot.json of what Alma holds now (required)' },
    { name: 'out', kind: 'string', short: 'o', valueName: 'NEW', description: 'write the new snapshot here instead of replacing SNAP' },
    formatOption(FORMATS),
    FEED_OPTION,
    ...SETTINGS_OPTIONS,
  ],
  async run(args, ctx) {
    const format = chosenFormat(args, FORMATS);
    const run = await preparePlan(args, ctx, 'apply');
    const fatal = run.documents.find((d) => d.fatal);
    if (fatal) {
      const where = fatal.fatalProblem ? `:${fatal.fatalProblem.line}: ${fatal.fatalProblem.message}` : ': it cannot be decoded';
      ctx.stderr.write(`alma-sis apply: Alma could not read ${fatal.path} as a whole${where}\nalma-sis apply: nothing written\n`);
      return EXIT_PROBLEMS;
    }
    const target = stringOption(args, 'out') ?? (stringOption(args, 'snapshot') as string);
    const next = applyPlan(run.snapshot.snapshot, run.plan, run.incoming, run.settings);
    await saveSnapshot(target, next);
    const s = run.plan.summary;
    if (format === 'json') {
      ctx.stdout.write(`${JSON.stringify({ ...planJsonOf(run, selectUsers(run, undefined)), written: target }, null, 2)}\n`);
    } else {
      ctx.stdout.write(`${summaryText(s)}\nWrote ${target}${s.rejected > 0 ? ` (${s.rejected} rejected user${s.rejected === 1 ? '' : 's'} left as they were)` : ''}\n`);
    }
    // Contract §5: exit 1 when some user was rejected; other errors in the file do not stop the
    // snapshot from being written (the validator and `plan` report them).
    const errors = run.documents.reduce((n, d) => n + d.errors, 0);
    if (errors > 0) ctx.stderr.write(`alma-sis apply: the file has ${errors} error${errors === 1 ? '' : 's'} (run alma-sis validate for details)\n`);
    return s.rejected > 0 ? EXIT_PROBLEMS : EXIT_OK;
  },
};
