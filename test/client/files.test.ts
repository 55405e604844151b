import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, fingerprintOfFile, restoreBackup, uploadZipPath, writeFileSafely, zipForUpload } from '../../client/src/files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'alma-sis-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writing a snapshot safely', () => {
  it('replaces the target, keeps the previous one as .bak and leaves no temporary file', async () => {
    const target = path.join(dir, 'users.alma-snapshot.json');
    writeFileSync(target, 'old');
    const bak = await writeFileSafely(target, 'new', { backup: true });
    expect(bak).toBe(target + '.bak');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readFileSync(target + '.bak', 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['users.alma-snapshot.json', 'users.alma-snapshot.json.bak']);
  });

  it('writes a first snapshot without a backup', async () => {
    const target = path.join(dir, 'first.alma-snapshot.json');
    expect(await writeFileSafely(target, 'x', { backup: true })).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['first.alma-snapshot.json']);
  });

  it('leaves the target untouched and cleans up when the rename fails', async () => {
    const target = path.join(dir, 'is-a-dir');
    // a non-empty directory cannot be replaced by a file
    mkdirSync(path.join(target, 'inner'), { recursive: true });
    await expect(writeFileSafely(target, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['is-a-dir']);
  });

  it('undo puts the previous snapshot back', async () => {
    const target = path.join(dir, 's.alma-snapshot.json');
    writeFileSync(target, 'before');
    await writeFileSafely(target, 'after', { backup: true });
    await restoreBackup(target);
    expect(readFileSync(target, 'utf8')).toBe('before');
  });

  it('undo without a backup fails instead of writing anything', async () => {
    const target = path.join(dir, 'none.alma-snapshot.json');
    writeFileSync(target, 'keep');
    await expect(restoreBackup(target)).rejects.toThrow();
    expect(readFileSync(target, 'utf8')).toBe('keep');
  });

  it('fingerprints notice a change on disk', async () => {
    const f = path.join(dir, 'a');
    writeFileSync(f, 'one');
    const a = await fingerprintOfFile(f);
    expect(a).toBe(fingerprint('one'));
    writeFileSync(f, 'two');
    expect(await fingerprintOfFile(f)).not.toBe(a);
    expect(await fingerprintOfFile(path.join(dir, 'missing'))).toBeUndefined();
  });
});

describe('the upload zip', () => {
  it('holds the one XML file, named after it', () => {
    expect(uploadZipPath('/data/out/users.xml')).toBe('/data/out/users.zip');
    expect(uploadZipPath('/data/out/patrons.sis.XML')).toBe('/data/out/patrons.sis.zip');
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<users><user><primary_id>é</primary_id></user></users>\n';
    const zip = zipForUpload('users.xml', new TextEncoder().encode(xml));
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual(['users.xml']);
    expect(strFromU8(entries['users.xml'])).toBe(xml);
  });
});
