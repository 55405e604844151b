/**
 * `alma-sis-language-server --stdio`: the language server for any editor (docs/editors.md).
 * Builds the connection (stdio, or the transport named on the command line) and the Node
 * runtime, and hands both to `startServer`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { nodeRuntime } from './lsp/nodeRuntime';
import { startServer } from './lsp/startServer';

if (!process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  // createConnection() needs to be told the transport; stdio is what editors use.
  process.argv.push('--stdio');
}
const connection = createConnection(ProposedFeatures.all);
startServer(connection, nodeRuntime());
