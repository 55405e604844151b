/**
 * Which snapshot a document uses, as contract §6 says: the `snapshotPath` setting (relative to
 * the workspace folder), else a `*.alma-snapshot.json` beside the document (the one named after
 * it first), else one at the workspace root. The language server answers the same question
 * (`almaSis/snapshotInfo`); this is used when the server cannot answer (not started yet).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const SNAPSHOT_SUFFIX = '.alma-snapshot.json';

/** Among a directory's names, the snapshot for `docPath`: named after it, else the first by name. */
export function pickSnapshotName(names: readonly string[], docPath: string | undefined): string | undefined {
  const snaps = names.filter((n) => n.endsWith(SNAPSHOT_SUFFIX)).sort();
  if (docPath) {
    const base = path.basename(docPath).replace(/(\.sis)?\.xml$/i, '');
    const own = snaps.find((n) => n === base + SNAPSHOT_SUFFIX);
    if (own) return own;
  }
  return snaps[0];
}

export interface Located {
  readonly path: string;
  readonly source: 'setting' | 'beside-document' | 'workspace-root' | 'argument';
}

async function names(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch {
    return [];
  }
}

export async function locateSnapshot(docPath: string | undefined, folder: string | undefined, setting: string | undefined): Promise<Located | undefined> {
  if (setting && setting.trim() !== '') {
    const base = folder ?? (docPath ? path.dirname(docPath) : undefined);
    const p = path.isAbsolute(setting) ? setting : base ? path.resolve(base, setting) : undefined;
    if (p) return { path: p, source: 'setting' };
  }
  if (docPath) {
    const dir = path.dirname(docPath);
    const n = pickSnapshotName(await names(dir), docPath);
    if (n) return { path: path.join(dir, n), source: 'beside-document' };
  }
  if (folder) {
    const n = pickSnapshotName(await names(folder), docPath);
    if (n) return { path: path.join(folder, n), source: 'workspace-root' };
  }
  return undefined;
}
