/**
 * `alma-sis code-tables fetch --out FILE --gateway GW [--table NAME]...`: the institution's code
 * tables from Alma's Configuration API, written as the code-tables file `--code-tables` and
 * `almaSis.codeTablesPath` read. See `server/src/alma/codeTables.ts`.
 */
import { sisCodeTableNames } from '../../../shared/src/alma/codeTables';
import { fetchCodeTables } from '../alma/codeTables';
import { AlmaStop } from '../alma/runner';
import { UsageError, stringOption, type ParsedArgs } from './args';
import { EXIT_OK, EXIT_PROBLEMS, type Command } from './command';
import { ALMA_HELP, ALMA_OPTIONS, almaConnection, interruptSignal, progressLine, stopExit } from './almaOptions';
import { chosenFormat, formatOption } from './options';

const FORMATS = ['text', 'json'] as const;

function tablesOf(args: ParsedArgs): string[] {
  const given = args.options.table;
  const names = (Array.isArray(given) ? given : []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : sisCodeTableNames();
}

export const command: Command = {
  name: 'code-tables fetch',
  summary: "write the institution's code tables from Alma's Configuration API",
  usage: '--out FILE --gateway GATEWAY [--table NAME]... [options]',
  description: [
    "Fetch code tables from Alma's Configuration API (GET /almaws/v1/conf/code-tables/NAME) and write",
    'them as the code-tables file that --code-tables and the almaSis.codeTablesPath setting read.',
    `Without --table: the tables of the fields the SIS load reads (${sisCodeTableNames().join(', ')}).`,
    'Disabled rows are left out. When FILE is already a code-tables file of this tool, what the',
    'Configuration API cannot give ("allowed", written by hand) and the tables not fetched are kept.',
    '',
    ALMA_HELP,
    '',
    'Exit codes: 0 written, 1 some tables could not be read (the others are written), 2 bad usage or',
    'a run Alma stopped (nothing written), 130 cancelled with Ctrl-C (nothing written).',
  ].join('\n'),
  options: [
    { name: 'out', kind: 'string', short: 'o', valueName: 'FILE', description: 'the code-tables file to write (required)' },
    { name: 'table', kind: 'string', short: 't', valueName: 'NAME', multiple: true, description: 'a code table to fetch (repeat, or separate with commas); default: those of the SIS fields' },
    ...ALMA_OPTIONS,
    formatOption(FORMATS),
  ],
  async run(args, ctx) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])} (name the tables with --table)`);
    const format = chosenFormat(args, FORMATS);
    const out = stringOption(args, 'out');
    if (out === undefined) throw new UsageError('--out FILE is required (the code-tables file to write)');
    const tables = tablesOf(args);
    const connection = almaConnection(args, ctx);
    const progress = progressLine(ctx, `Fetching code tables from ${connection.gateway.origin}`);
    let result;
    try {
      result = await fetchCodeTables(tables, out, {
        transport: connection.transport,
        policy: connection.policy,
        signal: interruptSignal(ctx),
        onProgress: (done, total) => progress.update(done, total),
      });
    } catch (e) {
      if (e instanceof AlmaStop) return stopExit(e, ctx, 'code-tables fetch');
      throw e;
    } finally {
      progress.end();
      connection.transport.close();
    }
    for (const p of result.problems) ctx.stderr.write(`alma-sis code-tables fetch: warning: ${p}\n`);
    if (format === 'json') {
      ctx.stdout.write(`${JSON.stringify({ written: out, gateway: connection.gateway.origin, tables: Object.fromEntries(result.rows), missing: result.missing }, null, 2)}\n`);
    } else {
      const total = [...result.rows.values()].reduce((a, b) => a + b, 0);
      ctx.stdout.write(`Wrote ${out}: ${result.rows.size} table${result.rows.size === 1 ? '' : 's'}, ${total} code${total === 1 ? '' : 's'}\n`);
      for (const m of result.missing) ctx.stdout.write(`Not fetched: ${m.name}: ${m.message}\n`);
    }
    return result.missing.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
  },
};
