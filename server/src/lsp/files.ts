import * as path from 'node:path';
import type { Disposable, Runtime } from './runtime';

/** A file read and turned into `T`, or the reason it could not be. */
export interface Loaded<T> {
  readonly path: string;
  /** Bumped every time the file is re-read. */
  readonly generation: number;
  readonly value?: T;
  /** Why the file cannot be used; never quotes the file's content. */
  readonly error?: string;
}

/**
 * Files the server depends on (the snapshot, code tables), read once, kept until they change
 * on disk, then re-read. Each file's directory is watched (see `Runtime.watchDir`); a client's
 * `workspace/didChangeWatchedFiles` goes through `changed()` too.
 */
export class WatchedFiles<T> {
  private readonly entries = new Map<string, Promise<Loaded<T>>>();
  private readonly watchers = new Map<string, Disposable>();
  private readonly dirListings = new Map<string, Promise<string[]>>();
  private generation = 0;
  private readonly ready = new Set<string>();
  private pending = new Map<string, Disposable>();

  constructor(
    private readonly runtime: Runtime,
    /** The file's bytes → its value (`path`: for the value to say where it came from). */
    private readonly parse: (bytes: Uint8Array, path: string) => { value?: T; error?: string },
    /** Called (debounced) after a watched file or directory changed. */
    private readonly onDidChange: (changedPath: string) => void,
    /** Which names matter to directory listings (e.g. `*.alma-snapshot.json`); others never invalidate them. */
    private readonly listed: (name: string) => boolean = () => true,
  ) {}

  get(file: string): Promise<Loaded<T>> {
    const key = path.resolve(file);
    let entry = this.entries.get(key);
    if (!entry) {
      this.watch(path.dirname(key));
      entry = this.load(key);
      this.entries.set(key, entry);
      const e = entry;
      void e.then(() => {
        if (this.entries.get(key) === e) this.ready.add(key);
      });
    }
    return entry;
  }

  /** True when `file` has been read (or failed) and is still current: `get` answers at once. */
  isReady(file: string): boolean {
    return this.ready.has(path.resolve(file));
  }

  /** Directory listing, cached until the directory changes. */
  list(dir: string): Promise<string[]> {
    const key = path.resolve(dir);
    let listing = this.dirListings.get(key);
    if (!listing) {
      this.watch(key);
      listing = this.runtime.readDir(key);
      this.dirListings.set(key, listing);
    }
    return listing;
  }

  /** Forgets what is known of `file` (and of its directory's listing) and tells the owner. */
  changed(file: string): void {
    const key = path.resolve(file);
    const dir = path.dirname(key);
    const had = this.entries.delete(key);
    this.ready.delete(key);
    // Saving the SIS file itself must not look like a new snapshot appearing.
    const listed = this.listed(path.basename(key)) && this.dirListings.delete(dir);
    if (had || listed) this.onDidChange(key);
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.dispose();
    for (const p of this.pending.values()) p.dispose();
    this.watchers.clear();
  }

  private watch(dir: string): void {
    if (this.watchers.has(dir)) return;
    this.watchers.set(
      dir,
      this.runtime.watchDir(dir, (name) => {
        // Editors and `apply` write in several steps; wait until the burst is over.
        const file = name ? path.join(dir, name) : dir;
        this.pending.get(file)?.dispose();
        this.pending.set(
          file,
          this.runtime.setTimeout(() => {
            this.pending.delete(file);
            try {
              if (name) this.changed(file);
              else {
                // Unknown name (polling): everything in the directory may have changed.
                for (const k of [...this.entries.keys()]) if (path.dirname(k) === dir) this.changed(k);
                if (this.dirListings.delete(dir)) this.onDidChange(dir);
              }
            } catch {
              // A failing listener must not take the server down from a timer; the next change retries.
            }
          }, 50),
        );
      }),
    );
  }

  private async load(file: string): Promise<Loaded<T>> {
    const generation = ++this.generation;
    let bytes: Uint8Array;
    try {
      bytes = await this.runtime.readBytes(file);
    } catch (err) {
      const code = (err as { code?: string }).code;
      return { path: file, generation, error: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'error'})` };
    }
    try {
      const { value, error } = this.parse(bytes, file);
      return { path: file, generation, value, error };
    } catch (err) {
      return { path: file, generation, error: `cannot use the file (${(err as Error).name ?? 'error'})` };
    }
  }
}
