import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SNAPSHOT_SUFFIX = '.alma-snapshot.json';

/** The file-system path of a `file:` URI, undefined for other schemes (untitled, in-memory). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).toString();
}

/** The workspace folder holding `docPath` (the deepest one), else the first folder. */
export function folderOf(docPath: string | undefined, folders: readonly string[]): string | undefined {
  if (docPath) {
    let best: string | undefined;
    for (const f of folders) {
      const rel = path.relative(f, docPath);
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && (!best || f.length > best.length)) best = f;
    }
    if (best) return best;
  }
  return folders[0];
}

/** Resolves a setting's path: absolute as is, else relative to the folder (or the document's directory). */
export function resolveSettingPath(setting: string, folder: string | undefined, docPath: string | undefined): string | undefined {
  if (path.isAbsolute(setting)) return setting;
  const base = folder ?? (docPath ? path.dirname(docPath) : undefined);
  return base ? path.resolve(base, setting) : undefined;
}

/**
 * Among the names in a directory, the snapshot to use for `docPath`: the one named after the
 * document (`users.xml` → `users.alma-snapshot.json`), else the first in name order.
 */
export function pickSnapshot(names: readonly string[], docPath: string | undefined): string | undefined {
  const snaps = names.filter((n) => n.endsWith(SNAPSHOT_SUFFIX)).sort();
  if (snaps.length === 0) return undefined;
  if (docPath) {
    const base = path.basename(docPath).replace(/(\.sis)?\.xml$/i, '');
    const own = snaps.find((n) => n === base + SNAPSHOT_SUFFIX);
    if (own) return own;
  }
  return snaps[0];
}
