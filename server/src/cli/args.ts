/**
 * A small command-line argument parser. Each command declares its options as data; the same
 * declarations drive parsing, error messages and `--help`. Errors are returned as `UsageError`
 * (exit 2 with a message), never thrown as stack traces at the user.
 *
 * Accepted shapes: `--name value`, `--name=value`, `-x value`, boolean `--name`, `--no-name`
 * for booleans, `--` ends the options, `-` alone is a positional (standard input).
 */

export type OptionKind = 'string' | 'boolean';

export interface OptionSpec {
  /** Long name without dashes, e.g. `match-by`. */
  readonly name: string;
  readonly kind: OptionKind;
  /** One-letter alias without the dash. */
  readonly short?: string;
  /** Shown in help: `--code-tables FILE`. */
  readonly valueName?: string;
  /** When set, the value must be one of these (compared case-insensitively, stored as listed). */
  readonly choices?: readonly string[];
  /** May be given several times; the values are collected in order. */
  readonly multiple?: boolean;
  readonly description: string;
}

/** What the parser returns: option values keyed by long name, and the positionals in order. */
export interface ParsedArgs {
  readonly options: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** A mistake in the command line: reported with the usage hint and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parse `argv` (already without the command name) against `specs`. Throws only `UsageError`. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const options: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];

  const set = (spec: OptionSpec, value: string | boolean, shown: string) => {
    if (typeof value === 'string' && spec.choices) {
      const given = value;
      const found = spec.choices.find((c) => c.toLowerCase() === given.toLowerCase());
      if (found === undefined) {
        throw new UsageError(`${shown}: expected ${listChoices(spec.choices)}, got ${JSON.stringify(value)}`);
      }
      value = found;
    }
    if (spec.multiple) {
      const prev = options[spec.name];
      options[spec.name] = [...(Array.isArray(prev) ? prev : []), String(value)];
    } else {
      // Last one wins, as in most tools (lets a wrapper script set a default that users override).
      options[spec.name] = value;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    let negated = false;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      shown = `--${name}`;
      spec = byName.get(name);
      if (!spec && name.startsWith('no-')) {
        const positive = byName.get(name.slice(3));
        if (positive && positive.kind === 'boolean') {
          spec = positive;
          negated = true;
        }
      }
      if (!spec) throw new UsageError(`unknown option ${shown}${suggest(name, specs)}`);
    } else {
      // `-x`, `-xVALUE` is not supported on purpose: short options are few and take a separate value.
      const letter = arg.slice(1);
      shown = arg;
      spec = byShort.get(letter);
      if (!spec) throw new UsageError(`unknown option ${shown}`);
    }

    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${shown} takes no value`);
      set(spec, !negated, shown);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A value may not look like an option, so that `--format --strict` is caught; `-` is a value.
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(`${shown} needs a value${spec.valueName ? ` (${spec.valueName})` : ''}`);
      }
      value = next;
      i++;
    }
    set(spec, value, shown);
  }
  return { options, positionals };
}

function listChoices(choices: readonly string[]): string {
  if (choices.length === 1) return choices[0];
  return `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/** ` (did you mean --x?)` when a known option is within a small edit distance. */
function suggest(name: string, specs: readonly OptionSpec[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const s of specs) {
    const d = editDistance(name, s.name);
    if (d < bestDistance) {
      bestDistance = d;
      best = s.name;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean --${best}?)` : '';
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The option lines of `--help`, aligned. */
export function formatOptionHelp(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => {
    const names = `${s.short ? `-${s.short}, ` : '    '}--${s.name}`;
    const value = s.kind === 'string' ? ` ${s.valueName ?? (s.choices ? s.choices.join('|') : 'VALUE')}` : '';
    return `  ${names}${value}`;
  });
  const width = Math.min(40, Math.max(...left.map((l) => l.length)) + 2);
  return specs
    .map((s, i) => {
      const l = left[i];
      const pad = l.length + 2 > width ? `\n${' '.repeat(width)}` : ' '.repeat(width - l.length);
      return `${l}${pad}${s.description}`;
    })
    .join('\n');
}

/** Read a string option (undefined when absent). */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** Read a boolean option: true, false (`--no-x`) or undefined when absent. */
export function booleanOption(args: ParsedArgs, name: string): boolean | undefined {
  const v = args.options[name];
  return typeof v === 'boolean' ? v : undefined;
}
