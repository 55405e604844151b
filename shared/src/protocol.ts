/**
 * Command ids and custom Language Server Protocol messages shared by the language server
 * (`server/src/lsp/`) and the VS Code extension (`client/src/`). Declared once here, with who
 * sends each one and why; never spell these strings out anywhere else.
 *
 * Pure data and types: no `vscode` or `vscode-languageserver` import, so both sides can use it.
 */
import type { LocatorSource } from './analysis/snapshotLocator';

/** Command ids. */
export const Commands = {
  /**
   * Sent by: the server, as the command of the code lens on each `<user>`; run by the extension,
   * which opens that user's sync preview (before / after compare). Arguments: `[UserPreviewArgs]`.
   */
  showUserPreview: 'almaSis.showUserPreview',
} as const;

/** The one argument of `Commands.showUserPreview`. */
export interface UserPreviewArgs {
  /** The SIS document's URI. */
  readonly uri: string;
  /** 0-based position of the `<user>` element in the file (the plan's `index`, docs/plan.md). */
  readonly index: number;
  /** 0-based line of the `<user>` start tag. */
  readonly line: number;
}

/**
 * Request `almaSis/snapshotInfo`, sent by the extension to the server: which snapshot and code
 * tables the server uses for a document, so the status bar can show it (and show a load error).
 */
export const SnapshotInfoRequest = 'almaSis/snapshotInfo';

export interface SnapshotInfoParams {
  /** The SIS document's URI. */
  readonly uri: string;
}

export interface SnapshotInfo {
  /** File URI of the snapshot in use, absent when none was found. */
  readonly snapshotUri?: string;
  /** How it was found: the `snapshotPath` setting, beside the document, or at the workspace root. */
  readonly source?: LocatorSource;
  /** Number of users in the snapshot (when it was read). */
  readonly users?: number;
  /** Why the snapshot could not be used (unreadable, not a snapshot, ...); no personal data. */
  readonly error?: string;
  /** File URI of the code tables in use, when the `codeTablesPath` setting names one. */
  readonly codeTablesUri?: string;
  readonly codeTablesError?: string;
}

/**
 * Notification `almaSis/snapshotChanged`, sent by the server to the client when the snapshot or
 * code tables used by open documents were (re)loaded, failed, or a different one was chosen, so
 * the extension refreshes its status bar and any open preview. Params: `{}`; ask again with
 * `SnapshotInfoRequest`.
 */
export const SnapshotChangedNotification = 'almaSis/snapshotChanged';
