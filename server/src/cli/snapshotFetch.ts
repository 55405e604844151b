/**
 * `alma-sis snapshot fetch FILE --snapshot SNAP [--out NEW] --gateway GW`: refresh the snapshot
 * from Alma's Users API for the users FILE names, and say what changed in Alma since the
 * snapshot was taken (drift). See `server/src/alma/refresh.ts`; the key comes from ALMA_API_KEY.
 */
import * as fs from 'node:fs';
import { driftText } from '../../../shared/src/alma/driftText';
import { snapshotProfile } from '../../../shared/src/snapshot/snapshot';
import { refreshFromAlma, writeRefreshedSnapshot } from '../alma/refresh';
import { AlmaStop } from '../alma/runner';
import { describeSnapshotProblem, loadSnapshot, type LoadedSnapshot } from '../io/snapshotFile';
import { UsageError, stringOption } from './args';
import { EXIT_OK, EXIT_PROBLEMS, type Command } from './command';
import { ALMA_HELP, ALMA_OPTIONS, almaConnection, interruptSignal, progressLine, stopExit } from './almaOptions';
import { chosenFormat, formatOption, SETTINGS_OPTIONS, settingsFromFlags, settingsLayerFromFlags } from './options';
import { readSisRecords } from './sisRecords';

const FORMATS = ['text', 'json'] as const;

/** The JSON report's name and version (`--format json`). */
export const REFRESH_FORMAT = 'alma-sis-refresh';

export const command: Command = {
  name: 'snapshot fetch',
  summary: "refresh a snapshot from Alma's Users API for the users a file names",
  usage: 'FILE --snapshot SNAP [--out NEW] --gateway GATEWAY [options]',
  description: [
    "Ask Alma's Users API for every user FILE names (by the profile's Match ID) and merge the answers",
    'into SNAP: fields staff changed by hand (sync.protected) and their last SIS values are kept. SNAP',
    'is created when it does not exist. Then say what changed in Alma since the snapshot was taken.',
    '',
    ALMA_HELP,
    '',
    'Calls are spaced to stay under Alma\'s per-second threshold; throttled answers (429) and server',
    'errors are tried again with backoff. A refused key, the daily threshold, too few calls left today',
    'or Ctrl-C stop the run and write nothing; otherwise the snapshot is written beside the target and',
    'renamed over it (the previous one kept as SNAP.bak).',
    '',
    'Exit codes: 0 snapshot refreshed (or already current), 1 Alma refused some lookups one by one',
    '(their users are left as they were; the rest is written), 2 bad usage, an unreadable file or',
    'snapshot, or a run Alma stopped (nothing written), 130 cancelled with Ctrl-C (nothing written).',
  ].join('\n'),
  options: [
    { name: 'snapshot', kind: 'string', short: 's', valueName: 'SNAP', description: 'the *.alma-snapshot.json to refresh (created when missing) (required)' },
    { name: 'out', kind: 'string', short: 'o', valueName: 'NEW', description: 'write the refreshed snapshot here instead of replacing SNAP' },
    ...ALMA_OPTIONS,
    formatOption(FORMATS),
    ...SETTINGS_OPTIONS.filter((o) => o.name !== 'strict' && o.name !== 'lenient' && o.name !== 'code-tables'),
  ],
  async run(args, ctx) {
    if (args.positionals.length === 0) throw new UsageError('no file given: the SIS file whose users to fetch (a .xml, a .zip, or - for standard input)');
    if (args.positionals.length > 1) throw new UsageError(`one file at a time (got ${args.positionals.length}); a .zip may hold several .xml files`);
    const format = chosenFormat(args, FORMATS);
    const snapshotPath = stringOption(args, 'snapshot');
    if (snapshotPath === undefined) throw new UsageError('--snapshot SNAP is required (it is created when it does not exist)');
    const target = stringOption(args, 'out') ?? snapshotPath;

    let loaded: LoadedSnapshot | undefined;
    if (fs.existsSync(snapshotPath)) {
      loaded = await loadSnapshot(snapshotPath);
      for (const p of loaded.problems) ctx.stderr.write(`alma-sis snapshot fetch: ${describeSnapshotProblem(snapshotPath, p)}\n`);
    }
    const { settings, problems } = settingsFromFlags(args, loaded ? snapshotProfile(loaded.snapshot) : undefined);
    for (const p of problems) ctx.stderr.write(`alma-sis snapshot fetch: warning: snapshot profile: ${p.message}\n`);
    const users = await readSisRecords(args.positionals[0], ctx);
    const connection = almaConnection(args, ctx);
    const signal = interruptSignal(ctx);
    const progress = progressLine(ctx, `Fetching users from ${connection.gateway.origin}`);
    let written: boolean;
    let run;
    try {
      run = await refreshFromAlma(users, loaded?.snapshot, settings, {
        transport: connection.transport,
        policy: connection.policy,
        signal,
        profile: loaded ? undefined : settingsLayerFromFlags(args),
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.end();
      written = await writeRefreshedSnapshot(target, loaded ? { path: loaded.path, text: loaded.snapshot.text } : undefined, loaded?.snapshot, run, signal);
    } catch (e) {
      progress.end();
      if (e instanceof AlmaStop) return stopExit(e, ctx, 'snapshot fetch');
      throw e;
    } finally {
      connection.transport.close();
    }

    if (format === 'json') {
      const report = {
        format: REFRESH_FORMAT,
        version: 1,
        snapshot: target,
        written,
        gateway: connection.gateway.origin,
        counts: run.counts,
        drift: run.drift,
        notInAlma: run.notInAlma,
        failures: run.failures,
        calls: { requests: run.stats.requests, retries: run.stats.retries, throttled: run.stats.throttled, remainingToday: run.stats.remaining ?? null },
      };
      ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      ctx.stdout.write(driftText(run.drift, run.notInAlma, run.counts, target));
      for (const f of run.failures) ctx.stdout.write(`Not refreshed: ${JSON.stringify(f.id)}${f.idType ? ` (${f.idType})` : ''}: ${f.message}\n`);
      const calls = `${run.stats.requests} call${run.stats.requests === 1 ? '' : 's'}${run.stats.throttled > 0 ? `, ${run.stats.throttled} throttled and tried again` : ''}${run.stats.remaining !== undefined ? `; Alma reports ${run.stats.remaining} left today` : ''}`;
      ctx.stdout.write(`${written ? `Wrote ${target}` : `${target} is already current: not written`} (${calls}).\n`);
    }
    return run.failures.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
  },
};
