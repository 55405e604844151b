/**
 * Which snapshot a document uses, by the core's rule (`shared/src/analysis/snapshotLocator.ts`,
 * the one the language server follows too), with this machine's folders. The extension asks the
 * server first (`almaSis/snapshotInfo`); this answers while the server cannot (not started yet).
 */
import { promises as fs } from 'node:fs';
import { locateSnapshot as locate, type LocatedSnapshot, type SnapshotSource } from '../../shared/src/analysis/snapshotLocator';

export interface Located {
  readonly path: string;
  readonly source: SnapshotSource;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch {
    return [];
  }
}

/** `document`: the file's path (undefined when it is not a file); `folders`: the workspace folders' paths. */
export function locateSnapshot(document: string | undefined, folders: readonly string[], setting: string | undefined): Promise<LocatedSnapshot | undefined> {
  return locate({ document, folders, setting }, names);
}
