/**
 * One sync computation for an open SIS document: which snapshot (the server's answer, else the
 * same rule computed here), its bytes' fingerprint (so Run Sync can tell it changed on disk),
 * and the result of the computation, done in a worker thread (`RemoteSync`) so that the
 * extension host stays responsive. Cached per document version, snapshot and settings.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { folderOf, resolveSettingPath } from '../../shared/src/analysis';
import { profileLayerFor } from './config';
import { fingerprint } from './files';
import type { ServerConnection } from './languageClient';
import { locateSnapshot, type Located } from './locate';
import { Cancelled, type RemoteSync } from './remoteSync';
import type { SyncNotice } from '../../shared/src/analysis/sync';
import type { ComputeReply, SidesReply } from '../../shared/src/analysis/syncService';

export interface SnapshotUsed {
  readonly path: string;
  readonly source: Located['source'];
  /** sha-256 of the bytes the plan was computed from. */
  readonly fingerprint: string;
}

export interface SyncSession {
  readonly uri: vscode.Uri;
  /** The document version the plan was computed from. */
  readonly version: number;
  readonly plan: ComputeReply['plan'];
  readonly settings: ComputeReply['settings'];
  readonly notices: readonly SyncNotice[];
  /** Problems that make the whole file unreadable for Alma (not well-formed). */
  readonly fatalProblems: number;
  /** The snapshot file the plan was computed against (undefined: none, everyone is new). */
  readonly snapshotFile: SnapshotUsed | undefined;
  nameOf(index: number): string | undefined;
  userOffset(index: number): number | undefined;
  /** The index of the user whose element holds `offset`, or -1. */
  userAt(offset: number): number;
  fieldOffset(index: number, field: string): Promise<number | undefined>;
  /** The user as the snapshot holds it, and as the sync would leave it (Users API JSON). */
  sides(index: number): Promise<SidesReply>;
  /** The next snapshot as `alma-sis apply` writes it. */
  nextSnapshotText(): Promise<string>;
}

export type { SyncNotice };

export class SessionError extends Error {}

/** A snapshot file as last read: re-read only when its size or time stamp changes. */
interface SnapshotFileState {
  readonly mtimeMs: number;
  readonly size: number;
  readonly text: string;
  readonly fingerprint: string;
}

export class Sessions implements vscode.Disposable {
  private readonly cache = new Map<string, { session: SyncSession; layer: string }>();
  private readonly computed = new Set<string>();
  private readonly files = new Map<string, SnapshotFileState>();

  constructor(
    private readonly server: ServerConnection | undefined,
    private readonly remote: RemoteSync,
  ) {}

  /** The snapshot for a document: an explicit path, the server's choice, else the same rule computed here. */
  async snapshotFor(uri: vscode.Uri, explicit?: string): Promise<Located | undefined> {
    if (explicit) return { path: explicit, source: 'argument' };
    const info = await this.server?.snapshotInfo(uri);
    if (info?.snapshotUri) return { path: vscode.Uri.parse(info.snapshotUri).fsPath, source: info.source ?? 'setting' };
    const folders = vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? [];
    const setting = vscode.workspace.getConfiguration('almaSis', uri).get<string>('snapshotPath');
    return locateSnapshot(uri.scheme === 'file' ? uri.fsPath : undefined, folders, setting);
  }

  private async readSnapshotFile(file: string): Promise<SnapshotFileState> {
    const st = await fs.stat(file);
    const known = this.files.get(file);
    if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known;
    const bytes = await fs.readFile(file);
    const state = { mtimeMs: st.mtimeMs, size: st.size, text: bytes.toString('utf8').replace(/^\uFEFF/, ''), fingerprint: fingerprint(bytes) };
    this.files.set(file, state);
    return state;
  }

  /** Computes (or reuses) the session for a document. Throws `SessionError` with a message for people. */
  async compute(doc: vscode.TextDocument, options: { snapshotPath?: string; token?: vscode.CancellationToken } = {}): Promise<SyncSession> {
    const located = await this.snapshotFor(doc.uri, options.snapshotPath);
    let snapshot: SnapshotFileState | undefined;
    let snapshotFile: SnapshotUsed | undefined;
    if (located) {
      try {
        snapshot = await this.readSnapshotFile(located.path);
        snapshotFile = { path: located.path, source: located.source, fingerprint: snapshot.fingerprint };
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
    // The code tables decide which users Alma rejects for an unknown code; a file that cannot be
    // read is not used (the language server says why in its log and diagnostics).
    const codeTablesText = (await codeTablesFileFor(doc.uri).catch(() => undefined))?.text;
    const layerKey = JSON.stringify([layer, codeTablesText]);
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
    const version = doc.version;
    let reply: ComputeReply;
    try {
      reply = await this.remote.compute<ComputeReply>(
        { op: 'compute', key, text: doc.getText(), snapshotId: snapshot?.fingerprint, layer, codeTablesText },
        () => snapshot?.text,
        (cancel) => options.token?.onCancellationRequested(cancel),
      );
    } catch (e) {
      if (e instanceof Cancelled) throw new vscode.CancellationError();
      const where = snapshotFile ? vscode.workspace.asRelativePath(snapshotFile.path) : 'the snapshot';
      throw new SessionError(`Cannot use ${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.computed.add(key);
    const remote = this.remote;
    const session: SyncSession = {
      uri: doc.uri,
      version,
      plan: reply.plan,
      settings: reply.settings,
      notices: reply.notices,
      fatalProblems: reply.fatalProblems,
      snapshotFile,
      nameOf: (i) => reply.names[i] ?? undefined,
      userOffset: (i) => reply.userStarts[i],
      userAt: (offset) => {
        // users are in file order: binary search on their starts
        let lo = 0;
        let hi = reply.userStarts.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (reply.userStarts[mid] > offset) hi = mid - 1;
          else if (reply.userEnds[mid] <= offset) lo = mid + 1;
          else return mid;
        }
        return -1;
      },
      fieldOffset: async (i, field) => ((await remote.request<number | null>({ op: 'fieldOffset', key, index: i, field })) ?? undefined),
      sides: (i) => remote.request<SidesReply>({ op: 'sides', key, index: i }),
      nextSnapshotText: () => remote.request<string>({ op: 'next', key }),
    };
    this.cache.set(key, { session, layer: layerKey });
    return session;
  }

  /** True when a session was computed for the document (its next computation is incremental). */
  has(doc: vscode.TextDocument): boolean {
    return this.computed.has(doc.uri.toString());
  }

  /** Drops the computed session (the worker keeps the document's model for the next one). */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  /** The document was closed: drop everything kept for it. */
  closed(uri: vscode.Uri): void {
    const key = uri.toString();
    this.cache.delete(key);
    this.computed.delete(key);
    void this.remote.request({ op: 'forget', key }).catch(() => undefined);
  }

  clear(): void {
    this.cache.clear();
    this.files.clear();
  }

  dispose(): void {
    void this.remote.stop();
  }
}

/**
 * The code-tables file of `almaSis.codeTablesPath` for a document, read as text (relative to
 * its workspace folder); undefined when the setting is empty. Throws when the file cannot be read.
 */
export async function codeTablesFileFor(uri: vscode.Uri): Promise<{ path: string; text: string } | undefined> {
  const setting = vscode.workspace.getConfiguration('almaSis', uri).get<string>('codeTablesPath')?.trim();
  if (!setting) return undefined;
  const document = uri.scheme === 'file' ? uri.fsPath : undefined;
  const file = resolveSettingPath(setting, folderOf(document, vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? []), document);
  if (!file) return undefined;
  return { path: file, text: await fs.readFile(file, 'utf8') };
}
