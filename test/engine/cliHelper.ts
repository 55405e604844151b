/** Runs \`alma-sis\` in-process with captured output (no build needed). */
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

