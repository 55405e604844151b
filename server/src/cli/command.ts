/**
 * What every `alma-sis` command is: its name, its options as data, and a `run` that returns the
 * exit code. Commands write through a `CliContext` rather than to `process` directly, so they
 * run the same in the bundled binary and in tests.
 */
import type { OptionSpec, ParsedArgs } from './args';

/** Exit codes (docs/cli.md). */
export const EXIT_OK = 0;
/** The input has errors (validate), some user was rejected (plan, apply). */
export const EXIT_PROBLEMS = 1;
/** Bad usage, an unreadable file or snapshot. */
export const EXIT_USAGE = 2;

export interface Output {
  write(text: string): void;
  /** Resolves when the output has room again (large reports wait for a slow reader). */
  drain?(): Promise<void>;
  /** True when this is a terminal (colour, wrapping). */
  readonly isTTY: boolean;
}

export interface CliContext {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Standard input as byte pieces (read lazily: only when a command is given `-`). */
  readonly stdin: () => AsyncIterable<Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock lives here, not in the core: commands pass dates down. */
  readonly now: () => Date;
  /** The program's version, from package.json. */
  readonly version: string;
  /**
   * Ctrl-C as a signal, for the commands that can stop cleanly (those that call Alma): once
   * asked for, the first Ctrl-C aborts it instead of ending the process; a second one ends it.
   */
  readonly interrupt?: () => AbortSignal;
}

export interface Command {
  /** `validate`, or two words for a sub-command (`snapshot import`). */
  readonly name: string;
  /** One line for `alma-sis --help`. */
  readonly summary: string;
  /** What follows the name in the usage line, e.g. `[options] FILE...`. */
  readonly usage: string;
  /** A paragraph (or a few) for `alma-sis COMMAND --help`. */
  readonly description?: string;
  /** The command's own options; `--help` and `--version` are added by the dispatcher. */
  readonly options: readonly OptionSpec[];
  /** Runs the command; returns the exit code. Throw `UsageError` for bad usage (exit 2). */
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}
