/**
 * The dispatcher: finds the command in the table, parses its options, runs it and maps every
 * failure onto the exit codes of docs/cli.md. User mistakes end as one line on stderr and exit 2,
 * never as a stack trace (set ALMA_SIS_DEBUG=1 to see one for an internal error).
 */
import { UsageError, editDistance, formatOptionHelp, parseArgs, type OptionSpec } from './args';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliContext, type Command } from './command';
import { COMMAND_TABLE } from './commands';
import { InputError } from '../io/input';

const PROGRAM = 'alma-sis';

const HELP_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', kind: 'boolean', short: 'h', description: 'show this help' },
  { name: 'version', kind: 'boolean', short: 'V', description: 'print the version' },
];

async function loadCommands(): Promise<Command[]> {
  return Promise.all(Object.values(COMMAND_TABLE).map(async (load) => (await load()).command));
}

/** Finds the command named at the start of argv: two-word names first. */
function lookup(argv: readonly string[]): { load: () => Promise<{ command: Command }>; rest: readonly string[] } | undefined {
  if (argv.length >= 2 && Object.hasOwn(COMMAND_TABLE, `${argv[0]} ${argv[1]}`)) {
    return { load: COMMAND_TABLE[`${argv[0]} ${argv[1]}`], rest: argv.slice(2) };
  }
  if (argv.length >= 1 && Object.hasOwn(COMMAND_TABLE, argv[0])) return { load: COMMAND_TABLE[argv[0]], rest: argv.slice(1) };
  return undefined;
}

export async function generalHelp(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${PROGRAM} COMMAND [options] ...`,
    '',
    "Check SIS user files for Ex Libris Alma's Users Synchronize job before you upload them.",
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    formatOptionHelp(HELP_OPTIONS),
    '',
    `Run '${PROGRAM} COMMAND --help' for a command's options.`,
    'Exit codes: 0 success, 1 problems found in the input, 2 bad usage or unreadable input.',
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: ${PROGRAM} ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.description ?? command.summary,
    '',
    'Options:',
    formatOptionHelp([...command.options, ...HELP_OPTIONS]),
    '',
  ].join('\n');
}

/** Runs the command line; returns the exit code (the caller sets `process.exitCode`). */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let commandName = '';
  // Under --detailed-exitcode, 2 means "changes": bad usage and unreadable input are 1 (Terraform's convention).
  const failed = argv.includes('--detailed-exitcode') ? EXIT_PROBLEMS : EXIT_USAGE;
  try {
    if (argv.length === 0) {
      ctx.stderr.write(await generalHelp());
      return EXIT_USAGE;
    }
    const first = argv[0];
    if (first === '--help' || first === '-h') {
      ctx.stdout.write(await generalHelp());
      return EXIT_OK;
    }
    if (first === '--version' || first === '-V') {
      ctx.stdout.write(`${ctx.version}\n`);
      return EXIT_OK;
    }
    if (first === 'help') {
      if (argv.length === 1) {
        ctx.stdout.write(await generalHelp());
        return EXIT_OK;
      }
      const found = lookup(argv.slice(1));
      if (!found) throw new UsageError(unknownCommand(argv[1]));
      ctx.stdout.write(commandHelp((await found.load()).command));
      return EXIT_OK;
    }
    if (first.startsWith('-')) throw new UsageError(`put the command first: ${PROGRAM} COMMAND [options] (unexpected ${first})`);

    const found = lookup(argv);
    if (!found) throw new UsageError(unknownCommand(first));
    const { command } = await found.load();
    commandName = command.name;
    const args = parseArgs(found.rest, [...command.options, ...HELP_OPTIONS]);
    if (args.options.help === true) {
      ctx.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    if (args.options.version === true) {
      ctx.stdout.write(`${ctx.version}\n`);
      return EXIT_OK;
    }
    return await command.run(args, ctx);
  } catch (e) {
    const where = commandName ? `${PROGRAM} ${commandName}` : PROGRAM;
    if (e instanceof UsageError) {
      ctx.stderr.write(`${where}: ${e.message}\nRun '${PROGRAM}${commandName ? ` ${commandName}` : ''} --help' for usage.\n`);
      return failed;
    }
    if (e instanceof InputError) {
      ctx.stderr.write(`${where}: ${e.message}\n`);
      return failed;
    }
    const message = e instanceof Error ? e.message : String(e);
    ctx.stderr.write(`${where}: internal error: ${message}\n(this is a bug in ${PROGRAM}; set ALMA_SIS_DEBUG=1 to see where)\n`);
    if (ctx.env.ALMA_SIS_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(`${e.stack}\n`);
    return failed;
  }
}

function unknownCommand(name: string): string {
  const names = Object.keys(COMMAND_TABLE);
  // The first word of a two-word command (`snapshot` for `snapshot import`).
  const sub = names.filter((n) => n.startsWith(`${name} `));
  if (sub.length > 0) return `'${name}' needs a sub-command: ${sub.map((n) => `'${n}'`).join(', ')}`;
  let best = '';
  let bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  const hint = bestDistance <= 2 ? ` (did you mean '${best}'?)` : '';
  return `unknown command '${name}'${hint}; commands: ${names.join(', ')}`;
}
