import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pickSnapshot } from '../../shared/src/analysis/snapshotLocator';
import { locateSnapshot } from '../../client/src/locate';

let ws: string;
beforeEach(() => {
  ws = mkdtempSync(path.join(tmpdir(), 'alma-sis-locate-'));
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

describe('which snapshot a document uses (docs/editors.md)', () => {
  it('prefers the snapshot named after the document, else the first by name', () => {
    const names = ['b.alma-snapshot.json', 'users.alma-snapshot.json', 'a.alma-snapshot.json', 'users.xml', 'x.json'];
    expect(pickSnapshot(names, '/w/users.xml')).toBe('users.alma-snapshot.json');
    expect(pickSnapshot(names, '/w/patrons.sis.xml')).toBe('a.alma-snapshot.json');
    expect(pickSnapshot(['patrons.alma-snapshot.json', 'a.alma-snapshot.json'], '/w/patrons.sis.xml')).toBe('patrons.alma-snapshot.json');
    expect(pickSnapshot(['users.xml'], '/w/users.xml')).toBeUndefined();
  });

  it('setting first, then beside the document, then the workspace root', async () => {
    mkdirSync(path.join(ws, 'feeds'));
    writeFileSync(path.join(ws, 'root.alma-snapshot.json'), '{}');
    const doc = path.join(ws, 'feeds', 'users.xml');
    expect(await locateSnapshot(doc, [ws], undefined)).toEqual({ path: path.join(ws, 'root.alma-snapshot.json'), source: 'workspace-root' });
    writeFileSync(path.join(ws, 'feeds', 'users.alma-snapshot.json'), '{}');
    expect(await locateSnapshot(doc, [ws], '')).toEqual({ path: path.join(ws, 'feeds', 'users.alma-snapshot.json'), source: 'beside-document' });
    // the setting wins, relative to the workspace folder, even when the file does not exist (then the caller says so)
    expect(await locateSnapshot(doc, [ws], 'snaps/prod.alma-snapshot.json')).toEqual({ path: path.join(ws, 'snaps', 'prod.alma-snapshot.json'), source: 'setting' });
    expect(await locateSnapshot(doc, [ws], '/abs/s.alma-snapshot.json')).toEqual({ path: '/abs/s.alma-snapshot.json', source: 'setting' });
    expect(await locateSnapshot(undefined, [], undefined)).toBeUndefined();
  });
});
