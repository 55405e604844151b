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
import { parseSnapshot, snapshotPieces, type Snapshot, type SnapshotProblem } from '../../../shared/src/snapshot/snapshot';
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

/** What a file at the target must be for a write to replace it. */
export interface TargetKind {
  /** `a snapshot`, `a code-tables file`: for the refusal message. */
  readonly name: string;
  accepts(text: string): boolean;
}

const SNAPSHOT_TARGET: TargetKind = { name: 'a snapshot', accepts: (text) => parseSnapshot(text).snapshot !== undefined };

/** Refuses when `file` exists and is not of `kind` (never overwrite what we do not understand). */
async function checkTarget(file: string, kind: TargetKind): Promise<boolean> {
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
export async function writeFileAtomic(file: string, text: string | Iterable<string>, options: { backup: boolean; kind?: TargetKind } = { backup: true }): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const exists = await checkTarget(file, options.kind ?? SNAPSHOT_TARGET);
  await removeStaleTemporaries(dir, path.basename(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx', 0o644);
    if (typeof text === 'string') await handle.writeFile(text, 'utf8');
    else {
      // Pieces gathered into writes of about a megabyte: a large snapshot never exists as one string.
      let batch: string[] = [];
      let size = 0;
      for (const piece of text) {
        batch.push(piece);
        size += piece.length;
        if (size >= 1 << 20) {
          await handle.write(batch.join(''), null, 'utf8');
          batch = [];
          size = 0;
        }
      }
      if (batch.length > 0) await handle.write(batch.join(''), null, 'utf8');
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

/** Serialises and writes a snapshot atomically, piece by piece (see `writeFileAtomic`). */
export async function saveSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  await writeFileAtomic(file, snapshotPieces(snapshot));
}
