/**
 * The request handlers: each one finds the document's analysed model and asks a feature
 * (`features/`) for the answer, through `runSafe` (cancellation, errors logged without
 * personal data, a safe default for the client).
 */
import type { Connection } from 'vscode-languageserver';
import { SnapshotInfoRequest, type SnapshotInfo, type SnapshotInfoParams } from '../../../shared/src/protocol';
import type { Envs } from './envs';
import { codeActions } from './features/codeActions';
import { codeLenses, resolveCodeLens, type LensData } from './features/codeLens';
import { completion } from './features/completion';
import { definition } from './features/definition';
import { hover } from './features/hover';
import { inlayHints } from './features/inlayHints';
import { documentSymbols, foldingRanges } from './features/outline';
import { pathToUri } from './locate';
import type { OpenDocuments } from './openDocuments';
import { runSafe, type Logger } from './runSafe';

export function registerHandlers(connection: Connection, log: Logger, documents: OpenDocuments, envs: Envs): void {
  const model = (uri: string) => documents.model(uri);

  connection.onHover((params, token) =>
    runSafe(log, 'hover', null, token, async () => {
      const m = await model(params.textDocument.uri);
      return m ? hover(m, params.position) : null;
    }),
  );

  connection.onCodeLens((params, token) =>
    runSafe(log, 'codeLens', [], token, async () => {
      const m = await model(params.textDocument.uri);
      return m && m.env.options.codeLens ? codeLenses(m, documents.idOf(params.textDocument.uri)) : [];
    }),
  );

  connection.onCodeLensResolve((lens, token) =>
    runSafe(log, 'codeLens/resolve', lens, token, async () => {
      const id = (lens.data as LensData | undefined)?.d;
      const uri = id !== undefined ? documents.uriOf(id) : undefined;
      const m = uri ? await model(uri) : undefined;
      return m ? resolveCodeLens(m, lens) : lens;
    }),
  );

  connection.languages.inlayHint.on((params, token) =>
    runSafe(log, 'inlayHint', [], token, async () => {
      const m = await model(params.textDocument.uri);
      return m && m.env.options.inlayHints ? inlayHints(m, params.range) : [];
    }),
  );

  connection.onDocumentSymbol((params, token) =>
    runSafe(log, 'documentSymbol', [], token, async () => {
      const m = await model(params.textDocument.uri);
      return m ? documentSymbols(m) : [];
    }),
  );

  connection.onFoldingRanges((params, token) =>
    runSafe(log, 'foldingRange', [], token, async () => {
      const m = await model(params.textDocument.uri);
      return m ? foldingRanges(m) : [];
    }),
  );

  connection.onDefinition((params, token) =>
    runSafe(log, 'definition', null, token, async () => {
      const m = await model(params.textDocument.uri);
      return m ? definition(m, params.position, pathToUri) : null;
    }),
  );

  connection.onCompletion((params, token) =>
    runSafe(log, 'completion', null, token, async () => {
      const m = await model(params.textDocument.uri);
      return m ? completion(m, params.position) : null;
    }),
  );

  connection.onCodeAction((params, token) =>
    runSafe(log, 'codeAction', [], token, async () => {
      const m = await model(params.textDocument.uri);
      return m ? codeActions(m, params) : [];
    }),
  );

  connection.onRequest(SnapshotInfoRequest, (params: SnapshotInfoParams, token) =>
    runSafe<SnapshotInfo>(log, 'snapshotInfo', {}, token, () => envs.snapshotInfo(params.uri)),
  );
}
