/**
 * Text that must wait before it is written, kept in order: in memory up to a limit, beyond it in
 * a private temporary file. The plan's text and Markdown start with counts that only the end
 * knows, so every user's lines wait; 1.7 million users print about 200 MB, which must not all
 * stay in memory.
 *
 * The file holds personal data: it is created readable by its owner only, in a folder of its
 * own, and removed when the text has been written back or the spool is closed (also when the
 * process exits early).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** What stays in memory before the spool starts writing to disk. */
export const SPOOL_MEMORY_LIMIT = 32 * 1024 * 1024;
const READ_BACK = 1 << 20;
/** Texts are encoded (and written) in pieces of about this many characters. */
const BATCH = 1 << 16;

/**
 * Items given by feed position in any order (a user planned again at the end comes after those
 * that follow it), handed on in position order as soon as the ones before them are there.
 */
export class InFeedOrder<T> {
  private readonly waiting = new Map<number, T>();
  private next = 0;

  constructor(private readonly emit: (item: T) => void) {}

  /** The item at position `index` (positions from 0, each once). */
  put(index: number, item: T): void {
    if (index !== this.next) {
      this.waiting.set(index, item);
      return;
    }
    this.emit(item);
    this.next++;
    for (let t = this.waiting.get(this.next); t !== undefined; t = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.emit(t);
      this.next++;
    }
  }

  /** Hands on what still waits, in position order, skipping positions never given. */
  end(): void {
    for (const index of [...this.waiting.keys()].sort((a, b) => a - b)) this.emit(this.waiting.get(index)!);
    this.waiting.clear();
  }

  clear(): void {
    this.waiting.clear();
  }
}

export class OrderedTextSpool {
  private readonly order = new InFeedOrder<string>((text) => this.append(text));
  /** Texts in order not yet encoded (up to `BATCH` characters). */
  private pending: string[] = [];
  private pendingSize = 0;
  /**
   * The texts in order, as UTF-8 in pieces of about `BATCH`: a plan's text is mostly two-byte
   * characters to V8 (its arrows), so 100,000 users' text held as strings took twice its size in
   * the heap, where the collector walked it on every full collection.
   */
  private ready: Buffer[] = [];
  /** Bytes in `ready`. */
  private readySize = 0;
  private file: { dir: string; path: string; fd: number } | undefined;
  private readonly removeOnExit = () => this.close();

  constructor(
    private readonly memoryLimit = SPOOL_MEMORY_LIMIT,
    private readonly parent = tmpdir(),
  ) {}

  /** The text at position `index` (positions from 0, each once, in any order). */
  put(index: number, text: string): void {
    this.order.put(index, text);
  }

  /** Whether some of the text went to disk (for tests and figures). */
  get spilled(): boolean {
    return this.file !== undefined;
  }

  /** Writes everything in position order (positions never given are skipped), then closes. */
  async writeTo(write: (text: string) => void, drain?: () => Promise<void>): Promise<void> {
    try {
      this.order.end();
      if (this.file) {
        this.flush();
        const decoder = new StringDecoder('utf8');
        const buf = Buffer.allocUnsafe(READ_BACK);
        let at = 0;
        for (;;) {
          const n = readSync(this.file.fd, buf, 0, READ_BACK, at);
          if (n === 0) break;
          at += n;
          write(decoder.write(buf.subarray(0, n)));
          await drain?.();
        }
        const rest = decoder.end();
        if (rest) write(rest);
      } else {
        // Written in the pieces they were encoded in (whole texts, so whole characters): one
        // write per user costs more than the user.
        this.encodePending();
        for (const piece of this.ready) {
          write(piece.toString('utf8'));
          await drain?.();
        }
      }
    } finally {
      this.close();
    }
  }

  /** Forgets everything and removes the temporary file, if any. */
  close(): void {
    this.pending = [];
    this.pendingSize = 0;
    this.ready = [];
    this.readySize = 0;
    this.order.clear();
    const file = this.file;
    if (!file) return;
    this.file = undefined;
    process.removeListener('exit', this.removeOnExit);
    try {
      closeSync(file.fd);
    } finally {
      rmSync(file.dir, { recursive: true, force: true });
    }
  }

  private append(text: string): void {
    if (!text) return;
    this.pending.push(text);
    this.pendingSize += text.length;
    if (this.pendingSize >= Math.min(BATCH, this.memoryLimit)) this.encodePending();
  }

  private encodePending(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingSize = 0;
    this.ready.push(bytes);
    this.readySize += bytes.length;
    if (this.readySize >= this.memoryLimit) this.flush();
  }

  /** Moves the texts in memory to the end of the file (created on first use). */
  private flush(): void {
    this.encodePending();
    if (this.ready.length === 0) return;
    if (!this.file) {
      const dir = mkdtempSync(join(this.parent, 'alma-sis-spool-'));
      const path = join(dir, 'text');
      this.file = { dir, path, fd: openSync(path, 'wx+', 0o600) };
      process.on('exit', this.removeOnExit);
    }
    writeSync(this.file.fd, Buffer.concat(this.ready));
    this.ready = [];
    this.readySize = 0;
  }
}
