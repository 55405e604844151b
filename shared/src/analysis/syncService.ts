/**
 * The sync computation as a service that answers plain-data requests, so that it can run in a
 * worker thread (the extension's `client/src/syncWorker.ts`) and keep the extension host responsive on large files, or in
 * process when a worker cannot start. It keeps, per document, the text it last read, the
 * reader's model and the `SyncCache`: a new text is compared with the previous one and only
 * the changed stretch is re-read (one edit covering every change since the last request).
 */
import { readSisDocument, updateSisDocument, type TextEdit } from '../sis/read';
import type { SisDocument } from '../sis/types';
import { computeSync, SyncCache, type SyncResult } from './sync';

export interface ComputeRequest {
  readonly op: 'compute';
  readonly key: string;
  readonly text: string;
  /** The snapshot's fingerprint; its text is sent only when the service does not hold it yet. */
  readonly snapshotId: string | undefined;
  readonly snapshotText?: string;
  readonly layer: unknown;
  /** The code tables' text (small: sent with every request), when the editor names a file. */
  readonly codeTablesText?: string;
}

export type SyncRequest =
  | ComputeRequest
  | { readonly op: 'sides'; readonly key: string; readonly index: number }
  | { readonly op: 'next'; readonly key: string }
  | { readonly op: 'fieldOffset'; readonly key: string; readonly index: number; readonly field: string }
  | { readonly op: 'forget'; readonly key: string };

/** What the views need from a computation, as plain data. */
export interface ComputeReply {
  readonly plan: SyncResult['plan'];
  readonly settings: SyncResult['settings'];
  readonly notices: SyncResult['notices'];
  readonly fatalProblems: number;
  readonly names: readonly (string | null)[];
  /** Absolute offsets of each user's `<user` and of its end. */
  readonly userStarts: readonly number[];
  readonly userEnds: readonly number[];
}

export interface SidesReply {
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
}

/** Thrown back when the service lacks the snapshot text for `snapshotId`: send it again with the text. */
export const NEED_SNAPSHOT = 'need-snapshot';

/** The smallest single edit that turns `prev` into `next` (common prefix and suffix). */
export function diffEdit(prev: string, next: string): TextEdit {
  const max = Math.min(prev.length, next.length);
  let p = 0;
  while (p < max && prev.charCodeAt(p) === next.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && prev.charCodeAt(prev.length - 1 - s) === next.charCodeAt(next.length - 1 - s)) s++;
  return { start: p, end: prev.length - s, newLength: next.length - p - s };
}

interface DocState {
  text: string;
  sis: SisDocument;
  readonly cache: SyncCache;
  result: SyncResult | undefined;
}

export class SyncService {
  private readonly docs = new Map<string, DocState>();
  private snapshot: { id: string; text: string } | undefined;

  /** `today`: the day for validation's date checks, asked at each computation (the host's clock). */
  constructor(private readonly today: () => string) {}

  handle(req: SyncRequest): unknown {
    switch (req.op) {
      case 'compute':
        return this.compute(req);
      case 'sides': {
        const r = this.result(req.key);
        return { before: r.matchedUser(req.index) ?? null, after: r.userAfter(req.index) ?? null } satisfies SidesReply;
      }
      case 'next':
        return this.result(req.key).nextSnapshotText();
      case 'fieldOffset':
        return this.result(req.key).fieldOffset(req.index, req.field) ?? null;
      case 'forget':
        this.docs.delete(req.key);
        return null;
    }
  }

  private result(key: string): SyncResult {
    const r = this.docs.get(key)?.result;
    if (!r) throw new Error('no computation for this document yet');
    return r;
  }

  private compute(req: ComputeRequest): ComputeReply {
    let snapshotText: string | undefined;
    if (req.snapshotId !== undefined) {
      if (req.snapshotText !== undefined) this.snapshot = { id: req.snapshotId, text: req.snapshotText };
      if (this.snapshot?.id !== req.snapshotId) throw new Error(NEED_SNAPSHOT);
      snapshotText = this.snapshot.text;
    }
    let state = this.docs.get(req.key);
    if (!state) {
      state = { text: req.text, sis: readSisDocument(req.text), cache: new SyncCache(), result: undefined };
      this.docs.set(req.key, state);
    } else if (state.text !== req.text) {
      state.sis = updateSisDocument(state.sis, req.text, diffEdit(state.text, req.text));
      state.text = req.text;
    }
    const r = computeSync({ text: req.text, sis: state.sis, snapshotText, settingsLayer: req.layer, codeTablesText: req.codeTablesText, today: this.today() }, state.cache);
    state.result = r;
    return {
      plan: r.plan,
      settings: r.settings,
      notices: r.notices,
      fatalProblems: r.fatalProblems,
      names: r.sis.users.map((_u, i) => r.nameOf(i) ?? null),
      userStarts: r.sis.users.map((u) => u.start),
      userEnds: r.sis.users.map((u) => u.end),
    };
  }
}
