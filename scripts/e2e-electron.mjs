// Runs the same in-editor suite (dist/test/suite.js) in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code (a developer's laptop).
// The extension under test is the packaged .vsix, unpacked, exactly as a user installs it.
//
//   node scripts/e2e-electron.mjs [--require-electron] [--version 1.95.0]   (npm run test:e2e:electron)
//
// When VS Code cannot be downloaded (no route to update.code.visualstudio.com, as on the CI
// machines) it says so and exits 0, or 1 with --require-electron. Use `npm run test:e2e`
// (code-server) there. On Linux without a display, run it under `xvfb-run -a`.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { packageVsix, ROOT } from './e2e-code-server.mjs';
import { cacheRoot } from './e2e-tools.mjs';

const log = (msg) => process.stderr.write(`[e2e:electron] ${msg}\n`);
const argv = process.argv.slice(2);
const requireElectron = argv.includes('--require-electron');
const versionAt = argv.indexOf('--version');
const version = versionAt >= 0 ? argv[versionAt + 1] : 'stable';

async function main() {
  let vscodeExecutablePath;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({
      version,
      cachePath: join(cacheRoot(), 'vscode-test'),
      timeout: 30_000,
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    log(`desktop VS Code (${version}) could not be downloaded: ${why}`);
    log('the Electron launcher did NOT run the suite; `npm run test:e2e` runs it in code-server instead.');
    return requireElectron ? 1 : 0;
  }

  const tmp = mkdtempSync(join(tmpdir(), 'alma-sis-electron-'));
  try {
    const { vsix } = packageVsix(tmp);
    // Unpack the .vsix (a zip whose extension/ folder is the installed extension).
    const extensionDir = join(tmp, 'extension-under-test');
    for (const [name, data] of Object.entries(unzipSync(readFileSync(vsix)))) {
      if (!name.startsWith('extension/') || name.endsWith('/')) continue;
      const out = join(extensionDir, name.slice('extension/'.length));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, data);
    }
    const workspace = join(tmp, 'workspace');
    cpSync(join(ROOT, 'example'), workspace, { recursive: true });
    const suite = join(ROOT, 'dist', 'test', 'suite.js');
    if (!existsSync(suite)) throw new Error(`${suite} is missing: the suite was not built`);
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: suite,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', join(tmp, 'user'),
        '--extensions-dir', join(tmp, 'extensions'),
      ],
    });
    log('suite passed');
    return 0;
  } catch (e) {
    log(`suite failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
