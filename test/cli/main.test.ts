/** The dispatcher in-process, with a fake context: what reaches stdout/stderr and the exit code. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../server/src/cli/main';
import type { CliContext } from '../../server/src/cli/command';

function context(stdin: () => AsyncIterable<Uint8Array> = async function* () {}) {
  const out = { stdout: '', stderr: '' };
  const ctx: CliContext = {
    stdout: { write: (t) => void (out.stdout += t), isTTY: false },
    stderr: { write: (t) => void (out.stderr += t), isTTY: false },
    stdin,
    env: {},
    now: () => new Date(2026, 0, 1),
    version: '9.8.7',
  };
  return { ctx, out };
}

describe('runCli', () => {
  it('prints the version it is given', async () => {
    const { ctx, out } = context();
    expect(await runCli(['--version'], ctx)).toBe(0);
    expect(out.stdout).toBe('9.8.7\n');
  });

  it('validates standard input with the date from the context clock', async () => {
    const xml = '<users><user><primary_id>a</primary_id><expiry_date>2025-12-31</expiry_date></user></users>';
    const { ctx, out } = context(async function* () {
      yield new TextEncoder().encode(xml);
    });
    expect(await runCli(['validate', '--format', 'json', '-'], ctx)).toBe(0);
    const codes = JSON.parse(out.stdout).files[0].diagnostics.map((d: { code: string }) => d.code);
    // 2025-12-31 is before the context's today (2026-01-01)
    expect(codes).toContain('expiry-in-past');
  });

  it('turns a failing standard input into exit 2 with a message, no stack trace', async () => {
    const { ctx, out } = context(async function* () {
      throw Object.assign(new Error('boom'), { code: 'EIO' });
    });
    expect(await runCli(['validate', '-'], ctx)).toBe(2);
    expect(out.stderr).toBe('alma-sis validate: cannot read standard input: EIO\n');
    expect(out.stdout).toBe('0 files checked, 1 file could not be read: no problems.\n');
  });

  it('sends the general help to stderr with exit 2 when no command is given', async () => {
    const { ctx, out } = context();
    expect(await runCli([], ctx)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^Usage: alma-sis COMMAND/);
  });

  it('names the sub-commands of a first word, and finds two-word commands', async () => {
    const { ctx, out } = context();
    expect(await runCli(['snapshot'], ctx)).toBe(2);
    expect(out.stderr).toMatch(/^alma-sis: 'snapshot' needs a sub-command: 'snapshot import'/);
    const help = context();
    expect(await runCli(['snapshot', 'import', '--help'], help.ctx)).toBe(0);
    expect(help.out.stdout).toMatch(/^Usage: alma-sis snapshot import /);
  });
});
