/**
 * Reading and writing `*.alma-snapshot.json` on disk (the snapshot file: docs/plan.md).
 *
 * Writing never leaves a partial file: the text goes to a temporary file beside the target,
 * is flushed to disk (fsync), and renamed over the target; the previous snapshot is kept as
 * `NAME.bak`. A file at the target that is not a snapshot we can read is never overwritten:
 * it may be something else the user needs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { internalOrProtected, SnapshotKeysIndex } from '../../../shared/src/engine/plan';
import type { SnapshotIndex } from '../../../shared/src/engine/types';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/src/settings';
import { recordFromApi, type UserRecord } from '../../../shared/src/sis/record';
import { checkSnapshotRoot, parseSnapshot, snapshotLayout, snapshotProfile, snapshotPieces, SnapshotEntryReader, type Snapshot, type SnapshotEntry, type SnapshotProblem } from '../../../shared/src/snapshot/snapshot';
import { SnapshotStreamReader } from '../../../shared/src/snapshot/stream';
import { incompleteUtf8Tail } from '../../../shared/src/text/encoding';
import { InputError, fsErrorMessage } from './input';

export interface LoadedSnapshot {
  readonly path: string;
  readonly snapshot: Snapshot;
  /** Problems that did not stop reading (warnings and ignored entries). */
  readonly problems: readonly SnapshotProblem[];
}

/** `path:line: message (at $.json.path)` */
export function describeSnapshotProblem(file: string, p: SnapshotProblem): string {
  return `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.severity}: ${p.message} (at ${p.path})`;
}

function decode(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`cannot read ${file}: it is not UTF-8 text`);
  }
}

/** Reads a snapshot; throws `InputError` when it cannot be read or is not a usable snapshot. */
export async function loadSnapshot(file: string): Promise<LoadedSnapshot> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    throw new InputError(fsErrorMessage(file, e));
  }
  const { snapshot, problems } = parseSnapshot(decode(bytes, file));
  if (!snapshot) {
    const first = problems.find((p) => p.severity === 'error') ?? problems[0];
    throw new InputError(first ? `cannot use the snapshot ${describeSnapshotProblem(file, first)}` : `cannot use the snapshot ${file}`);
  }
  return { path: file, snapshot, problems };
}

/**
 * A snapshot on disk, indexed by its users' keys and read back one entry at a time: what `plan`
 * and `apply` use, so a snapshot of 100,000 users is never held whole (the entries a file
 * matches are read again, each on its own).
 */
export interface SnapshotOnDisk {
  readonly path: string;
  /** The top-level object without `users`, keys in file order. */
  readonly root: Readonly<Record<string, unknown>>;
  /** Position of `users` among the top-level keys (-1: absent). */
  readonly usersKeyIndex: number;
  /** Problems that did not stop reading (warnings and ignored entries), in file order. */
  readonly problems: readonly SnapshotProblem[];
  /** The settings the index was made with (`settingsOf` of the snapshot's profile). */
  readonly settings: Settings;
  readonly index: SnapshotIndex;
  /** Byte range of entry k: `ranges[2k]` to `ranges[2k + 1]`. */
  readonly ranges: Float64Array;
  /** The file's size in bytes. */
  readonly size: number;
  /** The bytes of the file from `start` to `end`. */
  bytes(start: number, end: number): Uint8Array;
  /** Whether the file is still the one that was read (same size and time of change). */
  unchanged(): boolean;
  close(): void;
}

// ignoreBOM: a U+FEFF is kept as a character, as Buffer's toString keeps it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const decodeUtf8 = (bytes: Uint8Array) => utf8.decode(bytes);
/** Reads an entry again by itself: its problems (a repeated primary id among them) were reported by the index pass. */
const ONE_ENTRY = new SnapshotEntryReader({ repeats: false });
const PIECE = 1 << 16;
const WINDOW = 1 << 20;

/** Where the bytes of a snapshot come from: the file by position, or the bytes read when it cannot be read by position (a pipe). */
interface ByteSource {
  read(start: number, end: number): Uint8Array;
  /** The bytes from `start` to `end` as text (UTF-8). */
  text(start: number, end: number): string;
  size: number;
  close(): void;
  stat?: fs.Stats;
}

function openSource(file: string): ByteSource {
  let fd: number;
  let stat: fs.Stats;
  try {
    fd = fs.openSync(file, 'r');
    stat = fs.fstatSync(fd);
  } catch (e) {
    throw new InputError(fsErrorMessage(file, e));
  }
  if (stat.isDirectory()) {
    fs.closeSync(fd);
    throw new InputError(`cannot read ${file}: it is a directory`);
  }
  if (stat.isFile()) {
    const fill = (out: Buffer, start: number, length: number) => {
      let at = 0;
      while (at < length) {
        const n = fs.readSync(fd, out, at, length - at, start + at);
        if (n === 0) throw new InputError(`cannot read ${file}: it changed while being read`);
        at += n;
      }
    };
    // The entries a file matches come mostly in file order: they are read through a window of
    // the file (one read for many entries, not one system call and one buffer per entry).
    let window = Buffer.allocUnsafe(WINDOW);
    let windowStart = 0;
    let windowEnd = 0;
    return {
      size: stat.size,
      stat,
      read(start, end) {
        const out = Buffer.allocUnsafe(end - start);
        fill(out, start, out.length);
        return out;
      },
      text(start, end) {
        if (start < windowStart || end > windowEnd) {
          if (end - start > window.length) window = Buffer.allocUnsafe(end - start);
          windowStart = start;
          windowEnd = Math.min(stat.size, start + window.length);
          fill(window, start, windowEnd - start);
        }
        // TextDecoder (simdutf) decodes about four times faster than Buffer's toString here.
        return utf8.decode(window.subarray(start - windowStart, end - windowStart));
      },
      close: () => fs.closeSync(fd),
    };
  }
  // A pipe or a device: read it once, keep the bytes.
  const parts: Buffer[] = [];
  const chunk = Buffer.allocUnsafe(PIECE);
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, PIECE, null);
    if (n === 0) break;
    parts.push(Buffer.from(chunk.subarray(0, n)));
  }
  fs.closeSync(fd);
  return bytesSource(Buffer.concat(parts));
}

/** A source over bytes held in memory. */
function bytesSource(all: Uint8Array): ByteSource {
  return { size: all.length, read: (start, end) => all.subarray(start, end), text: (start, end) => utf8.decode(all.subarray(start, end)), close: () => undefined };
}

/** Why a snapshot cannot be used, with the problem that says so when there is one (the language server shows it without the file's name). */
export class SnapshotUnusable extends InputError {
  constructor(
    message: string,
    readonly problem?: SnapshotProblem,
  ) {
    super(message);
  }
}

/**
 * Reads the snapshot at `file` as a stream and indexes it with the settings `settingsOf` makes
 * from its `profile`. Throws `InputError` when it cannot be read or used, with the same
 * messages as `loadSnapshot`.
 */
export function openSnapshot(file: string, settingsOf: (profile: Readonly<Record<string, unknown>> | undefined) => Settings): SnapshotOnDisk {
  const source = openSource(file);
  try {
    return indexSource(file, source, settingsOf);
  } catch (e) {
    source.close();
    throw e;
  }
}

/**
 * `openSnapshot` of a snapshot's bytes held in memory (the language server's: a snapshot file
 * may be replaced or rewritten while it is in use, and an open file would stop `apply` from
 * replacing it on some systems). The entries are parsed from the bytes when asked for.
 */
export function snapshotFromBytes(file: string, bytes: Uint8Array, settingsOf: (profile: Readonly<Record<string, unknown>> | undefined) => Settings): SnapshotOnDisk {
  return indexSource(file, bytesSource(bytes), settingsOf);
}

function indexSource(file: string, source: ByteSource, settingsOf: (profile: Readonly<Record<string, unknown>> | undefined) => Settings): SnapshotOnDisk {
  let pass = indexPass(file, source, settingsOf, undefined);
  // A profile after the users (unusual) that changes the Match ID: index again with it.
  if (pass.settings.matchBy !== pass.finalSettings.matchBy) pass = indexPass(file, source, settingsOf, pass.finalSettings);
  const { root, usersKeyIndex, problems, keys, ranges, count, concerns, protectedFields } = pass;
  const settings = pass.finalSettings;
  let cached: { k: number; entry: SnapshotEntry; record?: UserRecord | null } | undefined;
  const read = (k: number) => {
    if (cached?.k !== k) {
      const raw = JSON.parse(source.text(ranges[2 * k], ranges[2 * k + 1])) as unknown;
      // Its problems were reported when the file was indexed.
      cached = { k, entry: ONE_ENTRY.read(raw, k, 0, () => undefined) };
    }
    return cached;
  };
  const record = (k: number) => {
    const c = read(k);
    if (c.record === undefined) c.record = c.entry.user ? recordFromApi(c.entry.user) : null;
    return c.record ?? undefined;
  };
  const index: SnapshotIndex = {
    settings,
    size: count,
    byMatch: keys.byMatch,
    byIdentifier: keys.byIdentifier,
    entry: (k) => (k >= 0 && k < count ? read(k).entry : undefined),
    record: (k) => (k >= 0 && k < count ? record(k) : undefined),
    internalOrProtected: (k) => (k >= 0 && k < count ? concerns[k] === 1 : true),
    protectedFields: (k) => protectedFields.get(k) ?? [],
  };
  return {
    path: file,
    root,
    usersKeyIndex,
    problems,
    settings,
    index,
    ranges: ranges.subarray(0, 2 * count),
    size: source.size,
    bytes: (start, end) => source.read(start, end),
    unchanged: () => {
      if (!source.stat) return true;
      try {
        const now = fs.statSync(file);
        return now.size === source.stat.size && now.mtimeMs === source.stat.mtimeMs;
      } catch {
        return false;
      }
    },
    close: () => source.close(),
  };
}

/**
 * The index of a snapshot read by `openSnapshot` or `snapshotFromBytes` for other settings: the
 * same maps when the Match ID is the same, else the entries indexed again (each read once).
 */
export function indexWithSettings(snapshot: SnapshotOnDisk, settings: Settings): SnapshotIndex {
  const index = snapshot.index;
  if (index.settings.matchBy.toLowerCase() === settings.matchBy.toLowerCase()) return { ...index, settings };
  const keys = new SnapshotKeysIndex(settings);
  for (let k = 0; k < index.size; k++) {
    const user = index.entry(k)?.user;
    if (user) keys.add(k, user);
  }
  return { ...index, settings, byMatch: keys.byMatch, byIdentifier: keys.byIdentifier };
}

/** One pass over the snapshot's bytes: checks them, collects the problems, indexes the entries. */
function indexPass(file: string, source: ByteSource, settingsOf: (profile: Readonly<Record<string, unknown>> | undefined) => Settings, given: Settings | undefined) {
  const problems: SnapshotProblem[] = [];
  let settings = given;
  let keys: SnapshotKeysIndex | undefined;
  let ranges = new Float64Array(1024);
  /** Per entry: 1 when `internalOrProtected`. */
  let concerns = new Uint8Array(512);
  /** The protected fields of the entries that have some. */
  const protectedFields = new Map<number, readonly string[]>();
  let count = 0;
  const entries = new SnapshotEntryReader();
  const reader: SnapshotStreamReader = new SnapshotStreamReader(decodeUtf8, (e) => {
    if (!keys) {
      // The settings from the profile, when it came before the users (as this tool writes it).
      settings ??= settingsOf(snapshotProfile({ root: reader.rootSoFar() }));
      keys = new SnapshotKeysIndex(settings);
    }
    // The line is counted only for an entry with a problem (most have none).
    let line: number | undefined;
    const entry = entries.read(e.raw, e.k, e.start, (p) => problems.push({ ...p, line: (line ??= reader.lineAt(e.start)) }));
    if (entry.user) keys.add(e.k, entry.user);
    if (2 * count + 2 > ranges.length) {
      const bigger = new Float64Array(ranges.length * 2);
      bigger.set(ranges);
      ranges = bigger;
    }
    ranges[2 * count] = e.start;
    ranges[2 * count + 1] = e.end;
    if (count === concerns.length) {
      const bigger = new Uint8Array(concerns.length * 2);
      bigger.set(concerns);
      concerns = bigger;
    }
    // The entry as read here has the user's account_type and the whole sync part: enough.
    concerns[count] = internalOrProtected(entry) ? 1 : 0;
    if (entry.protected.size > 0) protectedFields.set(count, [...entry.protected.keys()]);
    count++;
  });
  // UTF-8 is checked piece by piece (a sequence cut by a piece waits for the next one).
  let carry = new Uint8Array(0);
  for (let at = 0; at < source.size; at += PIECE) {
    const piece = source.read(at, Math.min(source.size, at + PIECE));
    const bytes = carry.length > 0 ? Buffer.concat([carry, piece]) : piece;
    const last = at + PIECE >= source.size;
    const keep = last ? 0 : incompleteUtf8Tail(bytes);
    const body = bytes.subarray(0, bytes.length - keep);
    if (!isUtf8(body)) throw new InputError(`cannot read ${file}: it is not UTF-8 text`);
    carry = bytes.slice(bytes.length - keep);
    reader.push(body);
  }
  const end = reader.end();
  problems.push(...end.problems);
  const fail = (first: SnapshotProblem | undefined) => new SnapshotUnusable(first ? `cannot use the snapshot ${describeSnapshotProblem(file, first)}` : `cannot use the snapshot ${file}`, first);
  if (!end.root) throw fail(problems.find((p) => p.severity === 'error'));
  const rootProblems: SnapshotProblem[] = [];
  const usable = checkSnapshotRoot(end.root, (p) => rootProblems.push({ ...p, line: 1 }));
  if (end.usersNotList) rootProblems.push({ severity: 'error', path: '$.users', message: '"users" must be a list', offset: 0, line: 1 });
  if (!usable || end.usersNotList) throw fail(rootProblems.find((p) => p.severity === 'error'));
  const finalSettings = settingsOf(snapshotProfile({ root: end.root }));
  return { root: end.root, usersKeyIndex: end.usersKeyIndex, problems: [...rootProblems, ...problems], keys: keys ?? new SnapshotKeysIndex(finalSettings), ranges, count, concerns, protectedFields, settings: settings ?? finalSettings, finalSettings };
}

/** What a file at the target must be for a write to replace it. */
export interface TargetKind {
  /** `a snapshot`, `a code-tables file`: for the refusal message. */
  readonly name: string;
  accepts(text: string): boolean;
  /** Judges the file without reading it whole (a snapshot can be large); `accepts` is then not used. */
  acceptsFile?(file: string): boolean;
}

const SNAPSHOT_TARGET: TargetKind = {
  name: 'a snapshot',
  accepts: (text) => parseSnapshot(text).snapshot !== undefined,
  acceptsFile(file) {
    try {
      openSnapshot(file, () => DEFAULT_SETTINGS).close();
      return true;
    } catch (e) {
      if (e instanceof InputError) return false;
      throw e;
    }
  },
};

/** Refuses when `file` exists and is not of `kind` (never overwrite what we do not understand). */
async function checkTarget(file: string, kind: TargetKind): Promise<boolean> {
  if (kind.acceptsFile) {
    if (!fs.existsSync(file)) return false;
    if (!kind.acceptsFile(file)) {
      throw new InputError(`refusing to overwrite ${file}: it is not ${kind.name} this tool can read (move it away or choose another --out)`);
    }
    return true;
  }
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return false;
    throw new InputError(`cannot write ${file}: ${fsErrorMessage(file, e).replace(/^cannot read [^:]*: /, '')}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = '';
  }
  if (!kind.accepts(text)) {
    throw new InputError(`refusing to overwrite ${file}: it is not ${kind.name} this tool can read (move it away or choose another --out)`);
  }
  return true;
}

/** Whether a process with this id is running (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * A writer killed mid-write (SIGKILL runs no clean-up) leaves its `.NAME.PID.STAMP.tmp`; the
 * next write removes those whose process is gone. Temporaries of a live writer are left alone.
 */
async function removeStaleTemporaries(dir: string, base: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) {
      await fs.promises.rm(path.join(dir, name), { force: true }).catch(() => undefined);
    }
  }
}

/**
 * Writes `text` to `file` atomically, keeping the previous file as `file.bak`. A file already
 * there must be of `options.kind` (default: a snapshot). Throws `InputError` (nothing changed)
 * when it cannot.
 */
export async function writeFileAtomic(
  file: string,
  text: string | Iterable<string | Uint8Array>,
  options: { backup: boolean; kind?: TargetKind; /** The caller has read `file` as a snapshot already (it is the one being applied). */ readAlready?: boolean } = { backup: true },
): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const exists = options.readAlready ? fs.existsSync(file) : await checkTarget(file, options.kind ?? SNAPSHOT_TARGET);
  await removeStaleTemporaries(dir, path.basename(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx', 0o644);
    if (typeof text === 'string') await handle.writeFile(text, 'utf8');
    else {
      // Pieces gathered into writes of about a megabyte: a large snapshot never exists as one string.
      let batch: Uint8Array[] = [];
      let size = 0;
      for (const piece of text) {
        const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
        batch.push(bytes);
        size += bytes.length;
        if (size >= 1 << 20) {
          await handle.write(Buffer.concat(batch));
          batch = [];
          size = 0;
        }
      }
      if (batch.length > 0) await handle.write(Buffer.concat(batch));
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (exists && options.backup) await fs.promises.copyFile(file, `${file}.bak`);
    await fs.promises.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as { code?: string }).code;
    throw new InputError(`cannot write ${file}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'no such directory' : (code ?? String(e))}`);
  }
  // Make the rename itself durable (best effort: not every platform can open a directory).
  try {
    const d = await fs.promises.open(dir, 'r');
    await d.sync().catch(() => undefined);
    await d.close();
  } catch {
    /* ignore */
  }
}

/**
 * The entries `apply` changes, kept in a file of their own beside the target until the new
 * snapshot is written (removed then, and by `close` in any case; a killed writer's file is
 * removed by the next write, as its temporary files are).
 */
export class ChangedEntries {
  private readonly file: string;
  private fd: number | undefined;
  private size = 0;
  /** Entry k of the snapshot → where its replacement is. */
  readonly replaced = new Map<number, [number, number]>();
  /** New entries with their feed position, to be added in feed order. */
  readonly created: { at: number; span: [number, number] }[] = [];

  constructor(target: string) {
    const dir = path.dirname(path.resolve(target));
    this.file = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.changes.tmp`);
  }

  add(text: string, replaces: number | undefined, feedIndex: number): void {
    if (this.fd === undefined) {
      try {
        this.fd = fs.openSync(this.file, 'wx+', 0o600);
      } catch (e) {
        throw new InputError(`cannot write beside ${this.file}: ${(e as { code?: string }).code ?? String(e)}`);
      }
    }
    const bytes = Buffer.from(text, 'utf8');
    fs.writeSync(this.fd, bytes, 0, bytes.length, this.size);
    const span: [number, number] = [this.size, this.size + bytes.length];
    this.size += bytes.length;
    if (replaces !== undefined) this.replaced.set(replaces, span);
    else this.created.push({ at: feedIndex, span });
  }

  read([start, end]: [number, number]): Uint8Array {
    const out = Buffer.allocUnsafe(end - start);
    if (this.fd !== undefined) fs.readSync(this.fd, out, 0, out.length, start);
    return out;
  }

  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.file, { force: true });
  }
}

/**
 * Writes the snapshot `apply` leaves: `snapshot`'s entries in their order, each copied byte for
 * byte from the file unless `changes` replaces it, then the new users; never held whole.
 */
export async function saveSnapshotFrom(file: string, snapshot: SnapshotOnDisk, changes: ChangedEntries | undefined): Promise<void> {
  const root: Record<string, unknown> = {};
  Object.entries(snapshot.root).forEach(([k, v], i) => {
    if (i === snapshot.usersKeyIndex) root.users = [];
    root[k] = v;
  });
  if (snapshot.usersKeyIndex >= 0 && !('users' in root)) root.users = [];
  const created = [...(changes?.created ?? [])].sort((a, b) => a.at - b.at);
  const count = snapshot.index.size;
  function* bodies(): Generator<Uint8Array> {
    for (let k = 0; k < count; k++) {
      const span = changes?.replaced.get(k);
      yield span ? changes!.read(span) : snapshot.bytes(snapshot.ranges[2 * k], snapshot.ranges[2 * k + 1]);
    }
    for (const c of created) yield changes!.read(c.span);
  }
  const inPlace = path.resolve(file) === path.resolve(snapshot.path);
  await writeFileAtomic(file, snapshotLayout(root, count + created.length, bodies()), { backup: true, readAlready: inPlace });
}

/** Serialises and writes a snapshot atomically, piece by piece (see `writeFileAtomic`). */
export async function saveSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  await writeFileAtomic(file, snapshotPieces(snapshot));
}
