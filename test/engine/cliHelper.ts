/** Runs `alma-sis` in-process with captured output (no build needed), and a temporary folder for tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { runCli } from '../../server/src/cli/main';
import type { CliContext } from '../../server/src/cli/command';

export async function cli(argv: string[], env: Record<string, string> = {}, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    stdout: { write: (t) => void (out += t), isTTY: env.TTY === '1' },
    stderr: { write: (t) => void (err += t), isTTY: false },
    stdin: async function* () {
      yield new TextEncoder().encode(stdin);
    },
    env,
    now: () => new Date('2026-01-01T12:00:00Z'),
    version: '0.0.0-test',
  };
  const code = await runCli(argv, ctx);
  return { code, out, err };
}


/**
 * A fresh temporary folder for each test of the file (made before, removed after), and a way to
 * write a file into it: `const tmp = tempFolder('alma-plan-')`, then `tmp.dir()`, `tmp.write(name, text)`.
 */
export function tempFolder(prefix: string): { dir: () => string; write: (name: string, text: string) => string } {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    write: (name, text) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
  };
}
