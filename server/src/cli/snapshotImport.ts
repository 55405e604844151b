/**
 * `alma-sis snapshot import --users EXPORT [--last-sis PREVIOUS.xml] --out NEW.alma-snapshot.json`:
 * build a snapshot from what Alma gives out (a Users API answer, XML or JSON, or an "Export
 * Users" file). With the last SIS file uploaded, protected fields are found by difference.
 */
import * as fs from 'node:fs';
import { importExport } from '../../../shared/src/snapshot/import';
import { InputError, fsErrorMessage } from '../io/input';
import { saveSnapshot } from '../io/snapshotFile';
import { UsageError, stringOption } from './args';
import { EXIT_OK, type Command } from './command';
import { chosenFormat, formatOption, SETTINGS_OPTIONS, settingsFromFlags, settingsLayerFromFlags } from './options';
import { readSisRecords } from './sisRecords';

const FORMATS = ['text', 'json'] as const;

async function readText(file: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    throw new InputError(fsErrorMessage(file, e));
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`cannot read ${file}: it is not UTF-8 text`);
  }
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Up to ten ids, then how many more. */
function sample(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).join(', ');
  return ids.length > 10 ? `${shown}, … (${ids.length - 10} more; --format json lists all)` : shown;
}

export const command: Command = {
  name: 'snapshot import',
  summary: 'build a snapshot from a Users API answer or an Alma "Export Users" file',
  usage: '--users EXPORT [--last-sis PREVIOUS.xml] --out NEW.alma-snapshot.json',
  description: [
    'Build a *.alma-snapshot.json from what Alma gives out: a Users API answer (one user, <users> or',
    '{"user": [...]}, XML or JSON) or an "Export Users" XML file. With --last-sis (the last SIS file',
    'uploaded), every protected field whose value in Alma differs from what that file sent is',
    'recorded as changed by hand, with that file\'s value as its last SIS value.',
  ].join('\n'),
  options: [
    { name: 'users', kind: 'string', short: 'u', valueName: 'EXPORT', description: 'the exported users (XML or JSON) (required)' },
    { name: 'last-sis', kind: 'string', valueName: 'PREVIOUS', description: 'the last SIS file uploaded (.xml or .zip): finds the fields staff changed by hand' },
    { name: 'out', kind: 'string', short: 'o', valueName: 'NEW', description: 'where to write the snapshot (required)' },
    formatOption(FORMATS),
    ...SETTINGS_OPTIONS.filter((o) => o.name !== 'strict' && o.name !== 'lenient' && o.name !== 'code-tables'),
  ],
  async run(args, ctx) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])} (give the export with --users)`);
    const format = chosenFormat(args, FORMATS);
    const usersPath = stringOption(args, 'users');
    const out = stringOption(args, 'out');
    if (usersPath === undefined) throw new UsageError('--users EXPORT is required (a Users API answer or an "Export Users" file)');
    if (out === undefined) throw new UsageError('--out NEW.alma-snapshot.json is required');
    const { settings } = settingsFromFlags(args);
    const lastSisPath = stringOption(args, 'last-sis');
    const lastSis = lastSisPath === undefined ? undefined : (await readSisRecords(lastSisPath, ctx)).map((u) => u.record);
    const imported = importExport(await readText(usersPath), lastSis, settings, settingsLayerFromFlags(args));
    for (const p of imported.problems) ctx.stderr.write(`alma-sis snapshot import: ${usersPath}: ${p.severity}: ${p.message}\n`);
    const result = imported.result;
    if (!result) throw new InputError(`cannot read users from ${usersPath}`);
    await saveSnapshot(out, result.snapshot);
    const n = imported.users;
    if (format === 'json') {
      ctx.stdout.write(`${JSON.stringify({
        written: out,
        users: n,
        lastSisMatched: lastSis ? result.matchedLastSis : null,
        protectedFields: result.protectedFound,
        usersWithProtectedFields: result.usersWithProtection,
        unknownFields: result.unknownFields,
        missingFromExport: lastSis ? result.missingFromExport : null,
        notInLastSis: lastSis ? result.notInLastSis : null,
      }, null, 2)}\n`);
    } else {
      ctx.stdout.write(`Wrote ${out}: ${n} user${n === 1 ? '' : 's'}\n`);
      if (lastSis) {
        ctx.stdout.write(
          `Compared with ${lastSisPath}: ${result.matchedLastSis} of ${n} users matched; ${result.protectedFound} protected field${result.protectedFound === 1 ? '' : 's'} found on ${result.usersWithProtection} user${result.usersWithProtection === 1 ? '' : 's'} (changed by hand since that file)\n`,
        );
        if (result.missingFromExport.length > 0) {
          ctx.stdout.write(`${count(result.missingFromExport.length, 'user')} of ${lastSisPath} not in the export (the next plan creates them, or the export is partial): ${sample(result.missingFromExport)}\n`);
        }
        if (result.notInLastSis.length > 0) {
          ctx.stdout.write(`${count(result.notInLastSis.length, 'external user')} of the export not sent by ${lastSisPath} (leavers, or users of another profile; the job leaves them alone): ${sample(result.notInLastSis)}\n`);
        }
      } else {
        ctx.stdout.write('No --last-sis given: every field is recorded as unprotected\n');
      }
      for (const f of result.unknownFields) {
        const sent = lastSis && f.sentBy > 0 ? `; ${count(f.sentBy, 'user')} of ${lastSisPath} send one` : '';
        ctx.stdout.write(`Not in the export: ${f.field} (the Users API never returns it${sent}): plans do not compare it until apply stores what a file sends, and it is never marked protected\n`);
      }
    }
    return EXIT_OK;
  },
};
