import * as fs from 'node:fs';
import type { Disposable, Runtime } from './runtime';

/** The runtime of the Node entry point: real files, `fs.watch` with a polling fallback, timers. */
export function nodeRuntime(): Runtime {
  return {
    readFile: (path) => fs.promises.readFile(path, 'utf8'),
    readBytes: (path) => fs.promises.readFile(path),
    readHead: async (path, maxBytes) => {
      const fh = await fs.promises.open(path, 'r');
      try {
        const buf = Buffer.alloc(maxBytes);
        const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
        const complete = bytesRead < maxBytes;
        // TextDecoder with stream: true holds back a character cut at the end.
        const text = new TextDecoder('utf-8').decode(buf.subarray(0, bytesRead), { stream: !complete });
        return { text, complete };
      } finally {
        await fh.close();
      }
    },
    readDir: async (path) => {
      try {
        return await fs.promises.readdir(path);
      } catch {
        return [];
      }
    },
    readDirEntries: async (path) => {
      try {
        return (await fs.promises.readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, kind: e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other' }));
      } catch {
        return [];
      }
    },
    fileSize: async (path) => {
      try {
        const s = await fs.promises.stat(path);
        return s.isFile() ? s.size : undefined;
      } catch {
        return undefined;
      }
    },
    watchDir: (dir, onChange) => watchDir(dir, onChange),
    setTimeout: (callback, ms) => {
      const t = setTimeout(callback, ms);
      return { dispose: () => clearTimeout(t) };
    },
  };
}

function watchDir(dir: string, onChange: (fileName: string | undefined) => void): Disposable {
  try {
    const watcher = fs.watch(dir, { persistent: false }, (_event, fileName) => onChange(fileName ? String(fileName) : undefined));
    // A watcher can fail later (directory removed, too many watches): fall back to polling.
    let fallback: Disposable | undefined;
    watcher.on('error', () => {
      watcher.close();
      fallback ??= pollDir(dir, onChange);
    });
    return {
      dispose: () => {
        watcher.close();
        fallback?.dispose();
      },
    };
  } catch {
    return pollDir(dir, onChange);
  }
}

/** Polls the directory's entries (names, sizes, mtimes) every second. */
function pollDir(dir: string, onChange: (fileName: string | undefined) => void): Disposable {
  let last = '';
  const state = (): string => {
    try {
      return fs
        .readdirSync(dir)
        .map((n) => {
          try {
            const s = fs.statSync(`${dir}/${n}`);
            return `${n}:${s.size}:${s.mtimeMs}`;
          } catch {
            return n;
          }
        })
        .join('|');
    } catch {
      return '';
    }
  };
  last = state();
  const timer = setInterval(() => {
    const now = state();
    if (now !== last) {
      last = now;
      onChange(undefined);
    }
  }, 1000);
  timer.unref();
  return { dispose: () => clearInterval(timer) };
}
