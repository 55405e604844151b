/**
 * The extension's commands. Every command takes optional arguments so that tests (and other
 * extensions) can run it through `vscode.commands.executeCommand` without any prompt, and
 * returns what it did. Prompts and modal dialogs only appear when an argument is missing;
 * `confirm: true` stands for "the user said yes". One file per group of commands; they share
 * the `Workbench` (the document a command is about, its session, the views).
 */
import type * as vscode from 'vscode';
import type { CompareProvider } from '../compare';
import type { PreviewProvider } from '../previewView';
import type { Sessions } from '../session';
import { CompareCommands } from './compareUser';
import { ExportCommands } from './exports';
import { PreviewCommands } from './preview';
import { RunSyncCommands } from './runSync';
import { SnapshotCommands } from './snapshots';
import { Workbench, type DocArg } from './workbench';

export type { RunSyncOptions, RunSyncResult } from './runSync';

export class Commands {
  readonly workbench: Workbench;
  readonly preview: PreviewCommands;
  readonly compare: CompareCommands;
  readonly runSync: RunSyncCommands;
  readonly snapshots: SnapshotCommands;
  readonly exports: ExportCommands;

  constructor(sessions: Sessions, preview: PreviewProvider, treeView: vscode.TreeView<unknown>, compare: CompareProvider, output: vscode.OutputChannel) {
    this.workbench = new Workbench(sessions, preview, treeView, compare, output);
    this.preview = new PreviewCommands(this.workbench);
    this.compare = new CompareCommands(this.workbench);
    this.runSync = new RunSyncCommands(this.workbench, this.preview);
    this.snapshots = new SnapshotCommands(this.workbench);
    this.exports = new ExportCommands(this.workbench);
  }

  /** The SIS document a command is about: the argument, else the active SIS editor, else the previewed one. */
  documentFor(arg: DocArg): Promise<vscode.TextDocument | undefined> {
    return this.workbench.documentFor(arg);
  }
}
