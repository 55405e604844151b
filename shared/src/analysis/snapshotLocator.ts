/**
 * Which snapshot a document is compared with — one rule for the language server, the
 * extension (status bar, preview, Run Sync) and anything else that asks (docs/editors.md):
 *
 * 1. the `snapshotPath` setting, absolute or relative to the workspace folder (to the document's
 *    folder when there is no workspace);
 * 2. else a `*.alma-snapshot.json` beside the document;
 * 3. else one at the root of the workspace folder that holds the document.
 *
 * Among several candidates in one folder, the one named after the document wins
 * (`users.xml` → `users.alma-snapshot.json`), else the first by name. Paths are plain strings;
 * the caller lists directories (the core does no I/O).
 */
import { baseName, dirName, isAbsolutePath, isInside, resolvePath } from './paths';

export const SNAPSHOT_SUFFIX = '.alma-snapshot.json';

/** How the locator found the snapshot. */
export type LocatorSource = 'setting' | 'beside-document' | 'workspace-root';
/** How the snapshot in use was chosen: by the locator, or given for one run (a command's argument). */
export type SnapshotSource = LocatorSource | 'argument';

export interface LocatedSnapshot {
  readonly path: string;
  readonly source: LocatorSource;
}

export interface SnapshotQuery {
  /** The document's file path; undefined for a document that is not a file (untitled). */
  readonly document: string | undefined;
  /** The workspace folders' paths, the first one first. */
  readonly folders: readonly string[];
  /** The `snapshotPath` setting as given (blank = not set). */
  readonly setting?: string;
}

/** The document's name without `.xml` / `.sis.xml`: what its snapshot and plan are named after. */
export function documentStem(document: string): string {
  return baseName(document).replace(/(\.sis)?\.xml$/i, '');
}

/** Where a document's first snapshot goes: beside it, named after it (where rule 2 finds it). */
export function snapshotPathFor(document: string): string {
  return resolvePath(dirName(document), documentStem(document) + SNAPSHOT_SUFFIX);
}

/** The workspace folder holding `document` (the deepest one), else the first folder. */
export function folderOf(document: string | undefined, folders: readonly string[]): string | undefined {
  if (document) {
    let best: string | undefined;
    for (const f of folders) if (isInside(f, document) && (!best || f.length > best.length)) best = f;
    if (best) return best;
  }
  return folders[0];
}

/** A path setting (`snapshotPath`, `codeTablesPath`): absolute as is, else relative to the folder (or the document's folder). */
export function resolveSettingPath(setting: string, folder: string | undefined, document: string | undefined): string | undefined {
  if (isAbsolutePath(setting)) return resolvePath(setting, setting);
  const base = folder ?? (document ? dirName(document) : undefined);
  return base === undefined ? undefined : resolvePath(base, setting);
}

/** Among the names in one folder, the snapshot for `document`: named after it, else the first by name. */
export function pickSnapshot(names: readonly string[], document: string | undefined): string | undefined {
  const snapshots = names.filter((n) => n.endsWith(SNAPSHOT_SUFFIX)).sort();
  if (document) {
    const own = documentStem(document) + SNAPSHOT_SUFFIX;
    if (snapshots.includes(own)) return own;
  }
  return snapshots[0];
}

/** The snapshot for a document, by the rules above; `listDir` gives a folder's names ([] when it cannot be read). */
export async function locateSnapshot(query: SnapshotQuery, listDir: (dir: string) => Promise<readonly string[]>): Promise<LocatedSnapshot | undefined> {
  const { document, folders } = query;
  const folder = folderOf(document, folders);
  const setting = query.setting?.trim();
  if (setting) {
    const p = resolveSettingPath(setting, folder, document);
    return p === undefined ? undefined : { path: p, source: 'setting' };
  }
  if (document) {
    const dir = dirName(document);
    const name = pickSnapshot(await listDir(dir), document);
    if (name) return { path: resolvePath(dir, name), source: 'beside-document' };
  }
  if (folder) {
    const name = pickSnapshot(await listDir(folder), document);
    if (name) return { path: resolvePath(folder, name), source: 'workspace-root' };
  }
  return undefined;
}
