/**
 * One sync computation for an open SIS document: which snapshot (the server's answer, else the
 * same rule computed here), its bytes' fingerprint (so Run Sync can tell it changed on disk),
 * and the result of `computeSync`. Cached per document version and snapshot fingerprint.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { profileLayerFor } from './config';
import { fingerprint } from './files';
import type { ServerConnection } from './languageClient';
import { locateSnapshot, type Located } from './locate';
import { readSisDocument, updateSisDocument } from '../../shared/src/sis/read';
import type { SisDocument } from '../../shared/src/sis/types';
import { computeSync, SyncCache, type SyncNotice, type SyncResult } from './sync';

export interface SnapshotUsed {
  readonly path: string;
  readonly source: Located['source'];
  /** sha-256 of the bytes the plan was computed from. */
  readonly fingerprint: string;
}

export interface SyncSession extends SyncResult {
  readonly uri: vscode.Uri;
  readonly version: number;
  readonly text: string;
  /** The snapshot file the plan was computed against (undefined: none, everyone is new). */
  readonly snapshotFile: SnapshotUsed | undefined;
}

export type { SyncNotice };

export class SessionError extends Error {}

/** The SIS text of an open document, kept up to date edit by edit (the reader's incremental update). */
interface ReadState {
  version: number;
  sis: SisDocument;
}

/** A snapshot file as last read: re-read only when its size or time stamp changes. */
interface SnapshotFileState {
  readonly path: string;
  readonly mtimeMs: number;
  readonly size: number;
  readonly text: string;
  readonly fingerprint: string;
}

export class Sessions implements vscode.Disposable {
  private readonly cache = new Map<string, { session: SyncSession; layer: string }>();
  private readonly reads = new Map<string, ReadState>();
  private readonly syncCaches = new Map<string, SyncCache>();
  private readonly files = new Map<string, SnapshotFileState>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: ServerConnection | undefined) {
    this.subscription = vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e));
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    const state = this.reads.get(key);
    if (!state || e.contentChanges.length === 0) return;
    // One change that follows the version we hold: re-read only the users it touched.
    if (e.contentChanges.length === 1 && state.version === e.document.version - 1) {
      const c = e.contentChanges[0];
      state.sis = updateSisDocument(state.sis, e.document.getText(), { start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, newLength: c.text.length });
      state.version = e.document.version;
    } else {
      this.reads.delete(key); // several changes at once: read the whole text when next needed
    }
  }

  private sisOf(doc: vscode.TextDocument, text: string): SisDocument {
    const key = doc.uri.toString();
    const state = this.reads.get(key);
    if (state && state.version === doc.version) return state.sis;
    const sis = readSisDocument(text);
    this.reads.set(key, { version: doc.version, sis });
    return sis;
  }

  private async readSnapshotFile(file: string): Promise<SnapshotFileState> {
    const st = await fs.stat(file);
    const known = this.files.get(file);
    if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known;
    const bytes = await fs.readFile(file);
    const state = { path: file, mtimeMs: st.mtimeMs, size: st.size, text: bytes.toString('utf8').replace(/^\uFEFF/, ''), fingerprint: fingerprint(bytes) };
    this.files.set(file, state);
    return state;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  /** The snapshot for a document: an explicit path, the server's choice, else contract §6 here. */
  async snapshotFor(uri: vscode.Uri, explicit?: string): Promise<Located | undefined> {
    if (explicit) return { path: explicit, source: 'argument' };
    const info = await this.server?.snapshotInfo(uri);
    if (info?.snapshotUri) return { path: vscode.Uri.parse(info.snapshotUri).fsPath, source: info.source ?? 'setting' };
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const setting = vscode.workspace.getConfiguration('almaSis', uri).get<string>('snapshotPath');
    return locateSnapshot(uri.scheme === 'file' ? uri.fsPath : undefined, folder, setting);
  }

  /** Computes (or reuses) the session for a document. Throws `SessionError` with a message for people. */
  async compute(doc: vscode.TextDocument, options: { snapshotPath?: string; token?: vscode.CancellationToken } = {}): Promise<SyncSession> {
    const located = await this.snapshotFor(doc.uri, options.snapshotPath);
    let snapshotText: string | undefined;
    let snapshotFile: SnapshotUsed | undefined;
    if (located) {
      try {
        const f = await this.readSnapshotFile(located.path);
        snapshotText = f.text;
        snapshotFile = { path: located.path, source: located.source, fingerprint: f.fingerprint };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A snapshot found beside the file that vanished meanwhile: plan without one.
        if (!(code === 'ENOENT' && located.source !== 'setting' && located.source !== 'argument')) {
          throw new SessionError(`Cannot read the snapshot ${vscode.workspace.asRelativePath(located.path)}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
      }
    }
    const key = doc.uri.toString();
    const cached = this.cache.get(key);
    const layer = profileLayerFor(doc.uri);
    const layerKey = JSON.stringify(layer);
    if (
      cached &&
      cached.session.version === doc.version &&
      cached.session.snapshotFile?.fingerprint === snapshotFile?.fingerprint &&
      cached.session.snapshotFile?.path === snapshotFile?.path &&
      cached.layer === layerKey
    ) {
      return cached.session;
    }
    if (options.token?.isCancellationRequested) throw new vscode.CancellationError();
    const text = doc.getText();
    let result: SyncResult;
    try {
      let cache = this.syncCaches.get(key);
      if (!cache) this.syncCaches.set(key, (cache = new SyncCache()));
      result = computeSync({ text, sis: this.sisOf(doc, text), snapshotText, settingsLayer: layer }, cache);
    } catch (e) {
      const where = snapshotFile ? vscode.workspace.asRelativePath(snapshotFile.path) : 'the snapshot';
      throw new SessionError(`Cannot use ${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const session: SyncSession = { ...result, uri: doc.uri, version: doc.version, text, snapshotFile };
    this.cache.set(key, { session, layer: layerKey });
    return session;
  }

  /** True when a session was computed for the document (its next computation is incremental). */
  has(doc: vscode.TextDocument): boolean {
    return this.syncCaches.has(doc.uri.toString());
  }

  /** Drops the computed session (the document's read state stays: it follows every edit). */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  /** The document was closed: drop everything kept for it. */
  closed(uri: vscode.Uri): void {
    const key = uri.toString();
    this.cache.delete(key);
    this.reads.delete(key);
    this.syncCaches.delete(key);
  }

  clear(): void {
    this.cache.clear();
    this.files.clear();
  }
}
