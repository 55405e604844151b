/**
 * Where the bytes of an input come from: an `.xml` file, every `.xml` inside a `.zip` (as
 * uploaded to Alma: Alma online help "Student Information Systems"), or standard input (`-`). Each document is handed on as an
 * async iterator of byte pieces, so that a later reader can stream a large file instead of
 * holding it whole; what needs the whole input today (a zip's central directory) says so.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Unzip, UnzipInflate, unzipSync } from 'fflate';

/** An input that cannot be read at all (missing, a directory, not a zip): exit 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** One XML document to read. */
export interface InputDocument {
  /** As people see it: `users.xml`, `feed.zip!/users.xml`, `<stdin>`. */
  readonly path: string;
  /**
   * The raw bytes, in pieces. A piece is valid until the next one is asked for (a file is read
   * into one buffer again and again): copy what must outlive that.
   */
  bytes(): AsyncIterable<Uint8Array>;
  /**
   * Whether the input is still as it was when opened (a file on disk can change between two
   * reads: same size and modification time). Absent: it cannot change (its bytes are held in memory).
   */
  sameAsOpened?(): Promise<boolean>;
}

/** An argument that gave no document; `path` is the argument (or the zip entry). */
export interface InputFailure {
  readonly path: string;
  readonly error: string;
}

/** How `-` is shown. */
export const STDIN_PATH = '<stdin>';

/**
 * Whole-input reading has a ceiling: a JavaScript string holds at most about 512 M UTF-16 units.
 * Larger inputs get a clear message instead of a crash (streaming them is a later issue's work).
 */
export const MAX_WHOLE_INPUT_BYTES = 512 * 1024 * 1024;

const PIECE = 1 << 20;

/**
 * Bytes of a file read in pieces, each into the same buffer (constant memory). A new buffer per
 * piece is memory outside V8's heap that is only given back when the collector runs: measured
 * on a 213 MB file, 65 MB of such buffers waited for it at the peak.
 */
async function* filePieces(file: string): AsyncIterable<Uint8Array> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = new Uint8Array(PIECE);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, PIECE, null);
      if (bytesRead === 0) break;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Splits bytes already in memory into pieces, so consumers see the same shape either way. */
async function* memoryPieces(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += PIECE) yield bytes.subarray(i, Math.min(bytes.length, i + PIECE));
}

export async function collectBytes(pieces: AsyncIterable<Uint8Array>, limit = MAX_WHOLE_INPUT_BYTES, what = 'the input'): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const p of pieces) {
    total += p.length;
    if (total > limit) throw new InputError(`${what} is larger than ${Math.round(limit / 1048576)} MB, more than this version can read at once`);
    // A piece may be overwritten by the next one (see `InputDocument.bytes`).
    parts.push(p.slice());
  }
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** `PK\x03\x04` (a zip's first local header) or `PK\x05\x06` (an empty zip). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/** A zip entry worth validating: an `.xml` file, not a folder nor macOS metadata. */
export function isXmlEntry(name: string): boolean {
  if (name.endsWith('/')) return false;
  if (name.startsWith('__MACOSX/') || path.posix.basename(name).startsWith('._')) return false;
  return name.toLowerCase().endsWith('.xml');
}

/**
 * The XML documents inside a zip, each inflated piece by piece when it is read. The zip itself
 * is held whole (its directory is at the end).
 */
export function zipDocuments(zipPath: string, zip: Uint8Array): InputDocument[] {
  const names: string[] = [];
  try {
    // A filter that keeps nothing lists the entries without inflating any.
    unzipSync(zip, {
      filter: (f) => {
        if (isXmlEntry(f.name)) {
          if (f.originalSize > MAX_WHOLE_INPUT_BYTES) throw new InputError(`${zipPath}!/${f.name} is larger than ${Math.round(MAX_WHOLE_INPUT_BYTES / 1048576)} MB, more than this version can read at once`);
          names.push(f.name);
        }
        return false;
      },
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${zipPath} is not a readable zip archive (${describe(e)})`);
  }
  if (names.length === 0) throw new InputError(`${zipPath} holds no .xml file`);
  return names.map((name, i) => {
    // The how-manyth entry of this name (a zip may repeat a name).
    const nth = names.slice(0, i).filter((n) => n === name).length;
    return { path: `${zipPath}!/${name}`, bytes: () => inflateEntry(zip, name, nth, `${zipPath}!/${name}`) };
  });
}

/**
 * The bytes of one zip entry, inflated piece by piece as they are read (a 200 MB XML zipped to
 * 20 MB is never held inflated).
 */
async function* inflateEntry(zip: Uint8Array, name: string, nth: number, shown: string): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let seen = 0;
  let done = false;
  let failure: unknown;
  const unzip = new Unzip((file) => {
    if (file.name !== name || seen++ !== nth) return;
    file.ondata = (err, data, final) => {
      if (err) failure = err;
      else {
        if (data.length > 0) out.push(data);
        if (final) done = true;
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  const STEP = 1 << 16;
  for (let at = 0; at < zip.length && !done; at += STEP) {
    try {
      unzip.push(zip.subarray(at, Math.min(zip.length, at + STEP)), at + STEP >= zip.length);
    } catch (e) {
      failure = e;
    }
    if (failure !== undefined) throw new InputError(`cannot unpack ${shown} (${describe(failure)})`);
    while (out.length > 0) yield out.shift()!;
  }
  if (!done) throw new InputError(`cannot unpack ${shown} (the archive ends inside it)`);
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, ' ').slice(0, 200);
}

/** Explains a file-system error without a stack trace. */
export function fsErrorMessage(file: string, e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return `cannot read ${file}: no such file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${file}: permission denied`;
    case 'EISDIR':
      return `cannot read ${file}: it is a directory`;
    default:
      return `cannot read ${file}: ${code ?? describe(e)}`;
  }
}

/** Reads the first bytes of a file (to tell a zip from XML). */
async function head(file: string): Promise<Uint8Array> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = new Uint8Array(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export interface OpenOptions {
  /** Standard input as byte pieces, read when an argument is `-`. */
  readonly stdin: () => AsyncIterable<Uint8Array>;
}

/**
 * Turns one command-line argument into its documents: one for an XML file or `-`, one per
 * `.xml` entry of a zip. Throws `InputError` when the argument gives nothing to read.
 * Whether it is a zip is decided by its first bytes (a `.zip` name that is not one is an error).
 */
export async function openInput(arg: string, options: OpenOptions): Promise<InputDocument[]> {
  if (arg === '-') {
    let bytes: Uint8Array;
    try {
      bytes = await collectBytes(options.stdin(), MAX_WHOLE_INPUT_BYTES, 'standard input');
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(fsErrorMessage('standard input', e));
    }
    if (looksLikeZip(bytes)) return zipDocuments(STDIN_PATH, bytes);
    return [{ path: STDIN_PATH, bytes: () => memoryPieces(bytes) }];
  }
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(arg);
  } catch (e) {
    throw new InputError(fsErrorMessage(arg, e));
  }
  if (stat.isDirectory()) throw new InputError(`cannot read ${arg}: it is a directory`);
  let first: Uint8Array;
  try {
    first = await head(arg);
  } catch (e) {
    throw new InputError(fsErrorMessage(arg, e));
  }
  if (looksLikeZip(first)) {
    if (stat.size > MAX_WHOLE_INPUT_BYTES) throw new InputError(`${arg} is larger than ${Math.round(MAX_WHOLE_INPUT_BYTES / 1048576)} MB, more than this version can read at once`);
    let zip: Uint8Array;
    try {
      zip = await fs.promises.readFile(arg);
    } catch (e) {
      throw new InputError(fsErrorMessage(arg, e));
    }
    return zipDocuments(arg, zip);
  }
  if (arg.toLowerCase().endsWith('.zip')) throw new InputError(`${arg} is not a zip archive`);
  return [
    {
      path: arg,
      sameAsOpened: async () => {
        try {
          const now = await fs.promises.stat(arg);
          return now.size === stat.size && now.mtimeMs === stat.mtimeMs;
        } catch {
          return false;
        }
      },
      bytes: () => {
        const pieces = filePieces(arg);
        return (async function* () {
          try {
            yield* pieces;
          } catch (e) {
            throw new InputError(fsErrorMessage(arg, e));
          }
        })();
      },
    },
  ];
}

/**
 * The inputs grouped into feeds, the unit Alma reads as one run: each argument is one feed (a
 * zip's XML files together, as Alma reads one uploaded zip), or with `together` all of them
 * (files that will be zipped together). An unreadable argument gives an `InputFailure` and
 * the rest go on.
 */
export async function* openFeeds(args: readonly string[], options: OpenOptions & { readonly together?: boolean }): AsyncGenerator<InputDocument[] | InputFailure> {
  const all: InputDocument[] = [];
  for (const arg of args) {
    let docs: InputDocument[];
    try {
      docs = await openInput(arg, options);
    } catch (e) {
      if (e instanceof InputError) {
        yield { path: arg === '-' ? STDIN_PATH : arg, error: e.message };
        continue;
      }
      throw e;
    }
    if (options.together) all.push(...docs);
    else yield docs;
  }
  if (options.together && all.length > 0) yield all;
}
