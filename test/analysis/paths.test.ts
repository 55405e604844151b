/**
 * The core's plain-string paths answer as Node's `path.posix` and `path.win32` do, so the
 * language server (Node paths) and the extension (VS Code's `fsPath`) compare alike.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseName, dirName, isAbsolutePath, isInside, resolvePath } from '../../shared/src/analysis/paths';

const segment = fc.constantFrom('a', 'B', 'users.xml', 'feeds', 'x y', '.', '..', 'Ünï', 'users.alma-snapshot.json');
const posixPath = fc.array(segment, { minLength: 0, maxLength: 5 }).map((s) => '/' + s.join('/'));
const windowsPath = fc
  .tuple(fc.constantFrom('C:', 'c:', 'D:', '\\\\server\\share'), fc.array(segment, { minLength: 0, maxLength: 5 }), fc.constantFrom('\\', '/'))
  .map(([root, s, sep]) => root + sep + s.join(sep));
const relative = fc.array(segment, { minLength: 1, maxLength: 4 }).chain((s) => fc.constantFrom('/', '\\').map((sep) => s.join(sep)));

describe('plain-string paths', () => {
  it('POSIX: as path.posix', () => {
    fc.assert(
      fc.property(posixPath, fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')), (p, rel) => {
        const n = path.posix.normalize(p);
        expect(isAbsolutePath(p)).toBe(true);
        expect(resolvePath(p, rel)).toBe(path.posix.resolve(p, rel));
        expect(dirName(n)).toBe(path.posix.dirname(n));
        expect(baseName(n)).toBe(path.posix.basename(n));
        expect(isInside(p, resolvePath(p, rel))).toBe(!path.posix.relative(p, path.posix.resolve(p, rel)).startsWith('..'));
      }),
    );
    // a backslash is part of a POSIX name
    expect(resolvePath('/w', 'a\\b')).toBe('/w/a\\b');
    expect(isInside('/w/a', '/w/ab')).toBe(false);
    expect(isInside('/w/a', '/W/a/b')).toBe(false);
  });

  it('Windows: as path.win32', () => {
    fc.assert(
      fc.property(windowsPath, relative, (p, rel) => {
        const n = path.win32.resolve(p);
        expect(isAbsolutePath(p)).toBe(true);
        expect(resolvePath(p, rel)).toBe(path.win32.resolve(p, rel));
        expect(dirName(n)).toBe(path.win32.dirname(n));
        expect(baseName(n)).toBe(path.win32.basename(n));
        const r = path.win32.relative(p, path.win32.resolve(p, rel));
        expect(isInside(p, resolvePath(p, rel))).toBe(!r.startsWith('..') && !path.win32.isAbsolute(r));
      }),
    );
    expect(isInside('C:\\Work', 'c:\\work\\users.xml')).toBe(true);
    expect(resolvePath('C:\\w', 'D:\\s.json')).toBe('D:\\s.json');
  });
});
