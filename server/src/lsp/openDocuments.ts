/**
 * The documents the client has open: their text (an `EditableTextDocument`, kept in step with
 * incremental changes), the reader's model of it (re-read only where an edit touched it), and
 * the analysed model of the current version under its Env, made once per version.
 */
import type { TextDocumentContentChangeEvent, TextDocumentItem } from 'vscode-languageserver';
import { analyseScannedUser } from '../../../shared/src/analysis';
import { readSisDocument, updateSisDocument, type TextUserHook } from '../../../shared/src/sis/read';
import type { SisDocument } from '../../../shared/src/sis/types';
import { applyChanges, EditableTextDocument } from './documents';
import type { Envs } from './envs';
import { DocumentModel, type Env } from './model';

export interface OpenDocument {
  readonly doc: EditableTextDocument;
  readonly sis: SisDocument;
}

/**
 * An open document. A document just opened is read when its first analysis knows its Env, so
 * that each user is validated from the table the reader scanned it into (`readFor`) instead of
 * being scanned a second time for it: a fifth of the CPU before a large file's first diagnostics.
 */
class HeldDocument implements OpenDocument {
  constructor(
    readonly doc: EditableTextDocument,
    private read?: SisDocument,
  ) {}

  get sis(): SisDocument {
    this.read ??= readSisDocument(this.doc.getText());
    return this.read;
  }

  get isRead(): boolean {
    return this.read !== undefined;
  }

  /** The reader's model, read now (when not read yet) validating the users for `env`. */
  readFor(env: Env): SisDocument {
    this.read ??= readSisDocument(this.doc.getText(), validateAsRead(env));
    return this.read;
  }
}

/** Puts each user's validation into the Env's cache as the reader reads it (what `DocumentAnalysis.user` would work out). */
function validateAsRead(env: Env): TextUserHook {
  const validated = env.caches.validated;
  return (chunk, table) => {
    if (!validated.has(chunk.key)) validated.set(chunk.key, analyseScannedUser({ table, problems: chunk.problems }, env.inputs));
  };
}

export class OpenDocuments {
  private readonly docs = new Map<string, HeldDocument>();
  private readonly models = new Map<string, DocumentModel>();
  // Short numbers for documents, so code lens data stays small.
  private readonly ids = new Map<string, number>();
  private readonly uris = new Map<number, string>();

  constructor(private readonly envs: Pick<Envs, 'envFor' | 'prune'>) {}

  open(td: TextDocumentItem): void {
    this.docs.set(td.uri, new HeldDocument(new EditableTextDocument(td.uri, td.languageId, td.version, td.text)));
  }

  /** Applies a `didChange`; false when the document is not open. */
  change(uri: string, changes: readonly TextDocumentContentChangeEvent[], version: number): boolean {
    const cur = this.docs.get(uri);
    if (!cur) return false;
    const { doc, span } = applyChanges(cur.doc, changes, version);
    // The edited users are re-read from the document's pieces; the whole text only for a full read.
    this.docs.set(uri, new HeldDocument(doc, span ? updateSisDocument(cur.sis, doc, span) : readSisDocument(doc.getText())));
    return true;
  }

  close(uri: string): void {
    this.docs.delete(uri);
    this.models.delete(uri);
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  /** Whether the document is open and read already (a document just opened is read by its first analysis). */
  isRead(uri: string): boolean {
    return this.docs.get(uri)?.isRead ?? false;
  }

  /** The reader's model of the open document, read now for `env` when it is not read yet. */
  readFor(uri: string, env: Env): SisDocument | undefined {
    return this.docs.get(uri)?.readFor(env);
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
    const sis = cur.readFor(env);
    let m = this.models.get(uri);
    // `TextDocument.update` changes the document object in place: compare the version too.
    if (!m || m.sis !== sis || m.version !== cur.doc.version || m.env !== env) {
      const envChanged = m !== undefined && m.env !== env;
      m = new DocumentModel(cur.doc, sis, env, m);
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
