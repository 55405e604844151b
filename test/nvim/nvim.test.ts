/**
 * A second real LSP client: Debian's Neovim 0.7.2 drives the bundled server over stdio
 * with the Lua lines of docs/editors.md as its init.lua (test/nvim/lsp.lua then opens a file) and must see
 * a diagnostic at its place and a hover on a protected field.
 * Skips, saying so, when `nvim` is not installed (CI installs it with apt).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');
const bundle = join(root, 'dist/server.js');
const example = join(root, 'example');

function nvimVersion(): string | undefined {
  const r = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}
const version = nvimVersion();
const hasExample = existsSync(join(example, 'users.xml')) && existsSync(join(example, 'users.alma-snapshot.json'));
if (!version) console.warn('test/nvim: skipped, `nvim` is not installed (Debian: apt-get install neovim)');

/** The Lua block of docs/editors.md's "Neovim 0.7" section: the test runs what users are told to write. */
function readmeLua(): string {
  const doc = readFileSync(join(root, 'docs', 'editors.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Neovim 0.7'));
  const m = /```lua\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('docs/editors.md: no ```lua block after "### Neovim 0.7"');
  return m[1];
}

interface NvimResult {
  errors: string[];
  diagnostics: { code?: string; lnum: number; col: number; end_lnum: number; end_col: number; message: string }[];
  hover: string[];
  stopped?: boolean;
}

describe.skipIf(!version || !hasExample)(`Neovim (${version ?? 'not installed'}) as an LSP client of the bundled server`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'alma-sis-nvim-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('shows the duplicate-user diagnostic where it is and a hover on a protected field', () => {
    if (!existsSync(bundle)) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root });
    const workspace = join(tmp, 'workspace');
    cpSync(example, workspace, { recursive: true });
    const home = join(tmp, 'home');
    for (const d of ['.config', '.cache', '.local/share', '.local/state']) mkdirSync(join(home, d), { recursive: true });
    const file = join(workspace, 'users.xml');
    const lines = readFileSync(file, 'utf8').split('\n');
    // The second <primary_id>gnguyen</primary_id> is the duplicate; bwong's user_group is protected.
    const dupLine = lines.findIndex((l, i) => l.includes('<primary_id>gnguyen</primary_id>') && lines.slice(0, i).some((p) => p.includes('<primary_id>gnguyen</primary_id>')));
    const bwong = lines.findIndex((l) => l.includes('<primary_id>bwong</primary_id>'));
    const hoverLine = lines.findIndex((l, i) => i > bwong && l.includes('<user_group'));
    const out = join(tmp, 'result.json');
    // The documented lines verbatim; `alma-sis-language-server` on PATH is the bundle, as after an install.
    const init = join(tmp, 'init.lua');
    writeFileSync(init, readmeLua());
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'alma-sis-language-server'), `#!/bin/sh\nexec "${process.execPath}" "${bundle}" "$@"\n`);
    chmodSync(join(bin, 'alma-sis-language-server'), 0o755);

    const run = spawnSync('nvim', ['--headless', '-u', init, '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'lsp.lua')}`], {
      cwd: workspace,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_CACHE_HOME: join(home, '.cache'),
        XDG_DATA_HOME: join(home, '.local/share'),
        XDG_STATE_HOME: join(home, '.local/state'),
        PATH: `${bin}:${process.env.PATH}`,
        ALMA_SIS_FILE: file,
        ALMA_SIS_WAIT_CODE: 'duplicate-user',
        ALMA_SIS_HOVER_LINE: String(hoverLine),
        ALMA_SIS_HOVER_COL: String(lines[hoverLine].indexOf('<user_group') + 3),
        ALMA_SIS_OUT: out,
      },
    });
    expect(run.error, `nvim did not finish: ${run.error?.message}\n${run.stderr}`).toBeUndefined();
    expect(existsSync(out), `nvim wrote no result (exit ${run.status}):\n${run.stdout}\n${run.stderr}`).toBe(true);
    const result = JSON.parse(readFileSync(out, 'utf8')) as NvimResult;
    expect(result.errors).toEqual([]);

    const dup = result.diagnostics.find((d) => d.code === 'duplicate-user');
    const col = lines[dupLine].indexOf('gnguyen');
    expect(dup, JSON.stringify(result.diagnostics)).toBeDefined();
    expect([dup!.lnum, dup!.col, dup!.end_lnum, dup!.end_col]).toEqual([dupLine, col, dupLine, col + 'gnguyen'.length]);

    const hover = result.hover.join('\n');
    expect(hover).toContain('user_group');
    expect(hover).toMatch(/protected/i);
    expect(hover).toContain('STAFF');
    expect(result.stopped).toBe(true);
  });
});
