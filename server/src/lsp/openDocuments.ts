/**
 * The documents the client has open: their text (an `EditableTextDocument`, kept in step with
 * incremental changes), the reader's model of it (re-read only where an edit touched it), and
 * the analysed model of the current version under its Env, made once per version.
 */
import type { TextDocumentContentChangeEvent, TextDocumentItem } from 'vscode-languageserver';
import { readSisDocument, updateSisDocument } from '../../../shared/src/sis/read';
import type { SisDocument } from '../../../shared/src/sis/types';
import { applyChanges, EditableTextDocument } from './documents';
import type { Envs } from './envs';
import { DocumentModel, type Env } from './model';

export interface OpenDocument {
  readonly doc: EditableTextDocument;
  readonly sis: SisDocument;
}

export class OpenDocuments {
  private readonly docs = new Map<string, OpenDocument>();
  private readonly models = new Map<string, DocumentModel>();
  // Short numbers for documents, so code lens data stays small.
  private readonly ids = new Map<string, number>();
  private readonly uris = new Map<number, string>();

  constructor(private readonly envs: Pick<Envs, 'envFor' | 'prune'>) {}

  open(td: TextDocumentItem): void {
    const doc = new EditableTextDocument(td.uri, td.languageId, td.version, td.text);
    this.docs.set(td.uri, { doc, sis: readSisDocument(td.text) });
  }

  /** Applies a `didChange`; false when the document is not open. */
  change(uri: string, changes: readonly TextDocumentContentChangeEvent[], version: number): boolean {
    const cur = this.docs.get(uri);
    if (!cur) return false;
    const { doc, span } = applyChanges(cur.doc, changes, version);
    // The edited users are re-read from the document's pieces; the whole text only for a full read.
    this.docs.set(uri, { doc, sis: span ? updateSisDocument(cur.sis, doc, span) : readSisDocument(doc.getText()) });
    return true;
  }

  close(uri: string): void {
    this.docs.delete(uri);
    this.models.delete(uri);
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  openUris(): IterableIterator<string> {
    return this.docs.keys();
  }

  /** The Envs the current models use. */
  *envsInUse(): Iterable<Env> {
    for (const m of this.models.values()) yield m.env;
  }

  /** The analysed model of the document's current version (undefined when it is not open). */
  async model(uri: string): Promise<DocumentModel | undefined> {
    if (!this.docs.has(uri)) return undefined;
    const env = await this.envs.envFor(uri);
    const cur = this.docs.get(uri);
    if (!cur) return undefined;
    let m = this.models.get(uri);
    // `TextDocument.update` changes the document object in place: compare the version too.
    if (!m || m.sis !== cur.sis || m.version !== cur.doc.version || m.env !== env) {
      const envChanged = m !== undefined && m.env !== env;
      m = new DocumentModel(cur.doc, cur.sis, env, m);
      this.models.set(uri, m);
      if (envChanged) this.envs.prune(env);
    }
    return m;
  }

  /** A short number for a document (code lens data carries it back on resolve). */
  idOf(uri: string): number {
    let id = this.ids.get(uri);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(uri, id);
      this.uris.set(id, uri);
    }
    return id;
  }

  uriOf(id: number): string | undefined {
    return this.uris.get(id);
  }
}
