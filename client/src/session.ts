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
import { computeSync, type SyncNotice, type SyncResult } from './sync';

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

export class Sessions {
  private readonly cache = new Map<string, { session: SyncSession; layer: string }>();

  constructor(private readonly server: ServerConnection | undefined) {}

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
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(located.path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && located.source !== 'setting' && located.source !== 'argument') bytes = Buffer.alloc(0);
        else throw new SessionError(`Cannot read the snapshot ${vscode.workspace.asRelativePath(located.path)}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      snapshotText = bytes.toString('utf8').replace(/^\uFEFF/, '');
      snapshotFile = { path: located.path, source: located.source, fingerprint: fingerprint(bytes) };
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
      result = computeSync({ text, snapshotText, settingsLayer: layer });
    } catch (e) {
      const where = snapshotFile ? vscode.workspace.asRelativePath(snapshotFile.path) : 'the snapshot';
      throw new SessionError(`Cannot use ${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const session: SyncSession = { ...result, uri: doc.uri, version: doc.version, text, snapshotFile };
    this.cache.set(key, { session, layer: layerKey });
    return session;
  }

  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  clear(): void {
    this.cache.clear();
  }
}
