/**
 * What the language server needs from the world, passed in by the entry point (`server.ts`)
 * so that tests can run the real server with the real runtime over in-memory streams.
 */
export interface Disposable {
  dispose(): void;
}

export interface Runtime {
  /** Reads a UTF-8 text file; rejects when it cannot be read. */
  readFile(path: string): Promise<string>;
  /** Reads a file's bytes; rejects when it cannot be read. */
  readBytes(path: string): Promise<Uint8Array>;
  /** The first `maxBytes` of a UTF-8 file (a multi-byte character cut at the end is dropped), and whether that is all of it. */
  readHead(path: string, maxBytes: number): Promise<{ text: string; complete: boolean }>;
  /** Names of the entries of a directory; [] when it cannot be read. */
  readDir(path: string): Promise<string[]>;
  /** The entries of a directory with their kind (symbolic links are `other`: never followed); [] when it cannot be read. */
  readDirEntries(path: string): Promise<{ readonly name: string; readonly kind: 'file' | 'dir' | 'other' }[]>;
  /** A file's size in bytes; undefined when it is not there or is not a file (a folder). */
  fileSize(path: string): Promise<number | undefined>;
  /**
   * Calls `onChange` when something in `dir` changes (a file written, created, renamed over,
   * deleted). Watching the directory rather than the file survives atomic writes (write beside,
   * rename over), which is how `alma-sis apply` writes snapshots.
   */
  watchDir(dir: string, onChange: (fileName: string | undefined) => void): Disposable;
  setTimeout(callback: () => void, ms: number): Disposable;
}
