/**
 * The command table. Adding a command = one line here: its name and a loader for a module
 * that exports `command: Command` (see `command.ts`). The order here is the order of `--help`.
 * Two-word names (`snapshot import`) are matched before one-word names.
 */
import type { Command } from './command';

export const COMMAND_TABLE: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  validate: () => import('./validate'),
  codes: () => import('./codes'),
  plan: () => import('./plan'),
  apply: () => import('./apply'),
  'snapshot import': () => import('./snapshotImport'),
  'snapshot fetch': () => import('./snapshotFetch'),
  'code-tables fetch': () => import('./codeTablesFetch'),
};
