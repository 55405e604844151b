/**
 * File-system paths as plain strings, for the core (which compiles without Node's `path`).
 * A path is Windows-style when it starts with a drive letter (`C:`) or `\\` (a share): then
 * `\` and `/` both separate, the case of letters does not matter when comparing, and joined
 * paths use `\`; otherwise it is POSIX-style (only `/` separates). The answers are those of
 * Node's `path.win32` and `path.posix` for absolute paths (a test holds them equal), so the
 * language server and the extension, which take paths from Node and VS Code, compare alike.
 * (`pathe` and `path-browserify`, the pure libraries for this, write `/` on Windows or know
 * POSIX only: paths would then differ from the ones VS Code and Node hand the adapters.)
 */

function windowsStyle(p: string): boolean {
  return /^[A-Za-z]:/.test(p) || /^[\\/]{2}[^\\/]/.test(p);
}

function isSeparator(p: string, i: number, windows: boolean): boolean {
  const c = p.charCodeAt(i);
  return c === 47 || (windows && c === 92);
}

function lastSeparator(p: string, windows: boolean): number {
  for (let i = p.length - 1; i >= 0; i--) if (isSeparator(p, i, windows)) return i;
  return -1;
}

/** True for `/x`, `C:\x`, `C:/x` and `\\server\share\x`. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\/.test(p);
}

/** The last segment of a path (`/a/users.xml` → `users.xml`; '' for a root). */
export function baseName(p: string): string {
  const windows = windowsStyle(p);
  let end = p.length;
  while (end > 0 && isSeparator(p, end - 1, windows)) end--;
  const name = p.slice(lastSeparator(p.slice(0, end), windows) + 1, end);
  return /^[A-Za-z]:$/.test(name) ? '' : name;
}

/**
 * The root of an absolute path: `/`, `C:\` or `\\server\share\`, with `\` for Windows; the
 * rest is split into its segments.
 */
function splitAbsolute(p: string): { root: string; segments: string[]; windows: boolean } {
  const windows = windowsStyle(p) || /^\\/.test(p);
  let root: string;
  let rest: string;
  const unc = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)[\\/]*/.exec(p);
  if (windows && unc) {
    root = `\\\\${unc[1]}\\${unc[2]}\\`;
    rest = p.slice(unc[0].length);
  } else if (windows && /^[A-Za-z]:/.test(p)) {
    root = `${p.slice(0, 2)}\\`;
    rest = p.slice(2);
  } else {
    root = windows ? '\\' : '/';
    rest = p;
  }
  const segments: string[] = [];
  for (const s of rest.split(windows ? /[\\/]+/ : /\/+/)) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  return { root, segments, windows };
}

function join(root: string, segments: readonly string[], windows: boolean): string {
  return root + segments.join(windows ? '\\' : '/');
}

/** The folder holding a path (`/a/users.xml` → `/a`); an absolute path's root stays itself. */
export function dirName(p: string): string {
  const { root, segments, windows } = splitAbsolute(p);
  return join(root, segments.slice(0, -1), windows);
}

/**
 * `target` resolved against the absolute folder `base`, as `path.resolve(base, target)`:
 * an absolute target as it is (normalised), a relative one below `base`.
 */
export function resolvePath(base: string, target: string): string {
  if (isAbsolutePath(target)) {
    const t = splitAbsolute(target);
    return join(t.root, t.segments, t.windows);
  }
  const b = splitAbsolute(base);
  const windows = b.windows;
  const segments = [...b.segments];
  for (const s of target.split(windows ? /[\\/]+/ : /\/+/)) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  return join(b.root, segments, windows);
}

/** True when `p` is `folder` or inside it (whole segments; letter case ignored on Windows). */
export function isInside(folder: string, p: string): boolean {
  const f = splitAbsolute(folder);
  const q = splitAbsolute(p);
  if (f.windows !== q.windows || f.segments.length > q.segments.length) return false;
  const same = f.windows ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase() : (a: string, b: string) => a === b;
  if (!same(f.root, q.root)) return false;
  return f.segments.every((s, i) => same(s, q.segments[i]));
}
