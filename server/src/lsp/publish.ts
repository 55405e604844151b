/**
 * Publishing diagnostics: debounced after edits, in slices that let newer edits and requests
 * in, and never stale (a result for an older version or an older run is dropped). A large
 * document gets its first diagnostics before its snapshot is read, then the complete ones.
 */
import type { Connection } from 'vscode-languageserver';
import type { Envs } from './envs';
import { DocumentModel } from './model';
import type { OpenDocuments } from './openDocuments';
import { describeError, type Logger } from './runSafe';
import type { Disposable, Runtime } from './runtime';
import type { WorkspaceFiles } from './workspace';

/** Delay between the last keystroke and re-validation. */
export const VALIDATION_DELAY_MS = 200;

export class DiagnosticsPublisher {
  private readonly timers = new Map<string, Disposable>();
  private readonly runs = new Map<string, number>();
  /** Documents that got complete diagnostics once (early diagnostics are for opening only). */
  private readonly publishedOnce = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly runtime: Runtime,
    private readonly log: Logger,
    private readonly documents: OpenDocuments,
    private readonly envs: Envs,
    /**
     * From this many users on, a document whose snapshot is still being read gets its first
     * diagnostics (all but the snapshot's) without waiting for it.
     */
    private readonly earlyMinUsers: number,
    /** The workspace's SIS files: an open document's diagnostics across the files of its feed. */
    private readonly workspace?: Pick<WorkspaceFiles, 'openDocumentChecked'>,
  ) {}

  /** Validates the document after `delay` ms, replacing any run scheduled before. */
  schedule(uri: string, delay: number): void {
    this.timers.get(uri)?.dispose();
    const run = (this.runs.get(uri) ?? 0) + 1;
    this.runs.set(uri, run);
    this.timers.set(
      uri,
      this.runtime.setTimeout(() => {
        this.timers.delete(uri);
        void this.validate(uri, run);
      }, delay),
    );
  }

  scheduleAll(): void {
    for (const uri of this.documents.openUris()) this.schedule(uri, 0);
  }

  /** The document was closed: its diagnostics are cleared. */
  closed(uri: string): void {
    this.publishedOnce.delete(uri);
    this.timers.get(uri)?.dispose();
    this.timers.delete(uri);
    this.runs.delete(uri);
    this.connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
  }

  dispose(): void {
    for (const t of this.timers.values()) t.dispose();
    this.timers.clear();
  }

  private async validate(uri: string, run: number): Promise<void> {
    const current = () => this.runs.get(uri) === run && this.documents.get(uri) !== undefined;
    try {
      const cur = this.documents.get(uri);
      // A document not read yet is read with the Env of its early diagnostics, then counted.
      if (!this.publishedOnce.has(uri) && !this.envs.isSettled(uri) && cur && (!this.documents.isRead(uri) || cur.sis.users.length >= this.earlyMinUsers)) {
        await this.publishBeforeSnapshot(uri, current);
      }
      const model = await this.documents.model(uri);
      const fresh = () => current() && this.documents.get(uri)?.sis === model?.sis;
      if (!model || !fresh()) return;
      const yieldNow = () => new Promise<boolean>((resolve) => this.runtime.setTimeout(() => resolve(fresh()), 0));
      const diagnostics = await model.diagnostics(yieldNow);
      // A newer version or a newer run makes this result stale: drop it.
      if (!diagnostics || !fresh()) return;
      const acrossFeed = (await this.workspace?.openDocumentChecked(uri)) ?? [];
      if (!fresh()) return;
      this.publishedOnce.add(uri);
      await this.connection.sendDiagnostics({ uri, version: model.version, diagnostics: acrossFeed.length > 0 ? [...diagnostics, ...acrossFeed] : diagnostics });
    } catch (err) {
      this.log.error(`validation failed: ${describeError(err)}`);
    }
  }

  /**
   * First diagnostics of a document whose snapshot is still to be read: everything but what
   * only the snapshot can tell, published for the same version, then completed by `validate`.
   * Runs in one piece so that the snapshot's (long) parse cannot start in between.
   */
  private async publishBeforeSnapshot(uri: string, current: () => boolean): Promise<void> {
    const env = await this.envs.envBeforeSnapshot(uri);
    const cur = this.documents.get(uri);
    if (!env || !cur || !current() || this.envs.isSettled(uri)) return;
    const sis = this.documents.readFor(uri, env)!;
    if (sis.users.length < this.earlyMinUsers) return;
    const model = new DocumentModel(cur.doc, sis, env);
    const diagnostics = await model.diagnostics();
    if (!diagnostics || !current() || this.documents.get(uri)?.sis !== model.sis) return;
    await this.connection.sendDiagnostics({ uri, version: model.version, diagnostics });
  }
}
