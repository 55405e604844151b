/**
 * File work of the extension that needs Node but not VS Code, so that it is tested in plain
 * Node: writing a snapshot safely (docs/safety.md), undoing it, fingerprints, the upload zip.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';

export const BACKUP_SUFFIX = '.bak';

/**
 * Writes `data` to `target` without ever leaving a partial file: the bytes go to a temporary
 * file beside the target (same directory, so the rename stays on one file system), are flushed,
 * and the temporary file is renamed over the target. With `backup`, the previous content is
 * first copied to `target.bak`. Returns the backup's path when one was made.
 */
export async function writeFileSafely(target: string, data: string | Uint8Array, options: { backup?: boolean } = {}): Promise<string | undefined> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let backupPath: string | undefined;
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.backup) {
      try {
        await fs.copyFile(target, target + BACKUP_SUFFIX);
        backupPath = target + BACKUP_SUFFIX;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // no previous file: nothing to keep
      }
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return backupPath;
}

/** Puts the `.bak` copy back over `target` (safely). Throws when there is no backup. */
export async function restoreBackup(target: string): Promise<void> {
  const data = await fs.readFile(target + BACKUP_SUFFIX);
  await writeFileSafely(target, data);
}

/** A fingerprint of a file's bytes, to notice that it changed since it was read. */
export function fingerprint(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Fingerprint of the file on disk now; undefined when it does not exist. */
export async function fingerprintOfFile(file: string): Promise<string | undefined> {
  try {
    return fingerprint(await fs.readFile(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The zip Alma's FTP fetch expects: one XML file per zip, named after it (`users.xml` →
 * `users.zip`), as the public loaders do (GIL-GALILEO's alma-user-integration-legacy-converter,
 * MIT Libraries' alma-patronload); Alma reads SIS files from zips only (Alma online help
 * "Student Information Systems").
 */
export function uploadZipPath(xmlPath: string): string {
  const dir = path.dirname(xmlPath);
  const base = path.basename(xmlPath).replace(/\.xml$/i, '');
  return path.join(dir, base + '.zip');
}

export function zipForUpload(xmlName: string, bytes: Uint8Array, mtime: Date = new Date()): Uint8Array {
  const name = /\.xml$/i.test(xmlName) ? xmlName : xmlName + '.xml';
  return zipSync({ [name]: [bytes, { level: 6, mtime }] });
}
