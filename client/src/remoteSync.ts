/**
 * The extension host's side of the sync worker: requests with ids, a real cancellation (the
 * worker is stopped and started afresh on the next request), and the same service in process
 * when no worker can be started (then the host waits while it computes).
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { localDay } from '../../shared/src/analysis/inputs';
import { NEED_SNAPSHOT, SyncService, type SyncRequest } from '../../shared/src/analysis/syncService';

/** The day for validation's date checks: today on this machine. */
const today = (): string => localDay(new Date());

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class RemoteSync {
  private worker: Worker | undefined;
  private local: SyncService | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Which snapshot the current worker holds (it keeps one at a time). */
  private heldSnapshot: string | undefined;

  constructor(
    private readonly script: string,
    private readonly log: (line: string) => void,
  ) {}

  private ensureWorker(): Worker | undefined {
    if (this.worker || this.local) return this.worker;
    if (!existsSync(this.script)) {
      this.local = new SyncService(today);
      return undefined;
    }
    try {
      const w = new Worker(this.script);
      w.on('message', (m: { id: number; ok?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.ok);
      });
      const down = (why: string) => {
        if (this.worker !== w) return;
        this.worker = undefined;
        this.heldSnapshot = undefined;
        for (const p of this.pending.values()) p.reject(new Error(why));
        this.pending.clear();
      };
      w.on('error', (e) => {
        this.log(`Sync worker failed: ${e.message}`);
        down(`the sync worker failed: ${e.message}`);
      });
      w.on('exit', () => down('the sync worker stopped'));
      this.worker = w;
      return w;
    } catch (e) {
      this.log(`Sync worker not started (${e instanceof Error ? e.message : String(e)}); computing in the extension host.`);
      this.local = new SyncService(today);
      return undefined;
    }
  }

  /** Sends a request; `isCancelled` is polled while waiting and stops the worker when it says yes. */
  async request<T>(req: SyncRequest, onCancel?: (cancel: () => void) => void): Promise<T> {
    const w = this.ensureWorker();
    if (!w) return this.local!.handle(req) as T;
    const id = this.nextId++;
    const result = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    onCancel?.(() => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      p.reject(new Cancelled());
      // The engine runs in one piece: stopping the thread is the only way to stop it.
      void this.stop();
    });
    w.postMessage({ id, req });
    return result;
  }

  /** Computes, sending the snapshot's text only when the worker does not hold it already. */
  async compute<T>(req: Extract<SyncRequest, { op: 'compute' }>, snapshotText: () => string | undefined, onCancel?: (cancel: () => void) => void): Promise<T> {
    const withText = req.snapshotId !== undefined && this.heldSnapshot !== req.snapshotId;
    try {
      const r = await this.request<T>(withText ? { ...req, snapshotText: snapshotText() } : req, onCancel);
      this.heldSnapshot = req.snapshotId;
      return r;
    } catch (e) {
      if (e instanceof Error && e.message === NEED_SNAPSHOT) {
        const r = await this.request<T>({ ...req, snapshotText: snapshotText() }, onCancel);
        this.heldSnapshot = req.snapshotId;
        return r;
      }
      throw e;
    }
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.heldSnapshot = undefined;
    for (const p of this.pending.values()) p.reject(new Cancelled());
    this.pending.clear();
    if (w) await w.terminate();
  }
}
