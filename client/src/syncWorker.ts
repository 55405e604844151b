/**
 * Entry of the worker thread that computes sync previews (bundled as `dist/syncWorker.js`):
 * the extension host posts `{ id, req }` and gets `{ id, ok }` or `{ id, error }` back.
 */
import { parentPort } from 'node:worker_threads';
import { localDay } from '../../shared/src/analysis/inputs';
import { SyncService, type SyncRequest } from '../../shared/src/analysis/syncService';

const service = new SyncService(() => localDay(new Date()));
parentPort?.on('message', (msg: { id: number; req: SyncRequest }) => {
  try {
    parentPort!.postMessage({ id: msg.id, ok: service.handle(msg.req) });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
