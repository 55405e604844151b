/**
 * Entry of the in-editor test suite. VS Code's extension host `require`s the bundle
 * (`dist/test/suite.js`, built by scripts/build.mjs) and awaits `run()`; both launchers
 * (`scripts/e2e-code-server.mjs`, `scripts/e2e-electron.mjs`) use this one entry.
 *
 * The tests are bundled in (no glob at run time): mocha's `describe`/`it` globals are set up
 * first, then each test module is required so that it registers its tests.
 */
import type MochaType from 'mocha';
import * as path from 'node:path';
import { format } from 'node:util';

/**
 * mocha is loaded from the project's node_modules at run time rather than bundled: its parallel
 * mode resolves worker files by path, which a bundle cannot hold (esbuild warns on every build).
 * The suite always runs from a checkout (dist/test/suite.js), never from the .vsix.
 */
function loadMocha(): typeof MochaType {
  const mochaPath = path.join(__dirname, '..', '..', 'node_modules', 'mocha');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(mochaPath);
}

/**
 * In code-server the extension host's console reaches the launcher mixed with the workbench's
 * own log; the launcher sets ALMA_SIS_E2E_TAG and prints only the lines that carry it.
 */
function tagReporterOutput(Mocha: typeof MochaType): void {
  const tag = process.env.ALMA_SIS_E2E_TAG;
  if (!tag) return;
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  base.consoleLog = (...args: unknown[]) => console.log(tag + format(...args));
}

export function run(): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    // Each test waits on events with its own deadline; this is only the backstop.
    timeout: 60_000,
    slow: 5_000,
    grep: process.env.ALMA_SIS_E2E_GREP || undefined,
  });
  tagReporterOutput(Mocha);
  mocha.suite.emit('pre-require', globalThis, 'suite.js', mocha);
  // Required (not imported) so that they load after mocha's globals exist. Order matters only
  // for the readability of the report; every test file is independent.
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./activation.test');
  require('./workspace.test');
  require('./diagnostics.test');
  require('./hover.test');
  require('./codeLens.test');
  require('./outline.test');
  require('./inlayHints.test');
  require('./quickFix.test');
  require('./snapshotOnDisk.test');
  require('./commands.test');
  require('./moreCommands.test');
  require('./refresh.test');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} in-editor test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
