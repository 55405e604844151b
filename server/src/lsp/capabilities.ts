/**
 * What the server offers (`initialize`'s answer) and what it takes from the client's
 * capabilities: how settings arrive, what it may register and refresh, the workspace folders.
 */
import { CodeActionKind, TextDocumentSyncKind, type InitializeParams, type InitializeResult } from 'vscode-languageserver';
import { uriToPath } from './locate';

export const SERVER_CAPABILITIES: InitializeResult = {
  capabilities: {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    hoverProvider: true,
    codeLensProvider: { resolveProvider: true },
    inlayHintProvider: { resolveProvider: false },
    documentSymbolProvider: true,
    foldingRangeProvider: true,
    definitionProvider: true,
    completionProvider: { triggerCharacters: ['<', '>'], resolveProvider: false },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  },
  serverInfo: { name: 'alma-sis-language-server' },
};

export interface ClientAbilities {
  /** The client answers `workspace/configuration` (else settings are pushed). */
  readonly pullConfig: boolean;
  readonly registerConfig: boolean;
  readonly registerWatch: boolean;
  readonly codeLensRefresh: boolean;
  readonly inlayRefresh: boolean;
  readonly folderEvents: boolean;
  /** The workspace folders' paths (the root's, for a client without folders). */
  readonly folders: string[];
}

export function clientAbilities(params: InitializeParams): ClientAbilities {
  const ws = params.capabilities.workspace;
  let folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
  if (folders.length === 0 && params.rootUri) {
    const p = uriToPath(params.rootUri);
    if (p) folders = [p];
  }
  return {
    pullConfig: ws?.configuration === true,
    registerConfig: ws?.didChangeConfiguration?.dynamicRegistration === true,
    registerWatch: ws?.didChangeWatchedFiles?.dynamicRegistration === true,
    codeLensRefresh: ws?.codeLens?.refreshSupport === true,
    inlayRefresh: ws?.inlayHint?.refreshSupport === true,
    folderEvents: ws?.workspaceFolders === true,
    folders,
  };
}
