// Runs the in-editor test suite (dist/test/suite.js, built from test/e2e/suite/) inside a real
// VS Code extension host: code-server (the VS Code workbench and its Node extension host) driven
// by headless Chromium through playwright-core. The extension under test is the packaged .vsix,
// installed with --install-extension, i.e. exactly what a user installs.
//
//   node scripts/e2e-code-server.mjs [--keep]      (npm run test:e2e; --keep leaves the temp folder)
//
// Exit code: the suite's (0 = all passed, 1 = a failure), 2 when the harness itself failed.
// code-server and Chromium are always stopped (their whole process groups), also on Ctrl-C.
// docs/testing.md says why code-server and not desktop VS Code.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { unzipSync } from 'fflate';
import { ensureTools, withoutNpmRunEnv } from './e2e-tools.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = join(ROOT, 'dist', 'test', 'suite.js');
const SUITE_TAG = '\u2063[suite] ';
const log = (msg) => process.stderr.write(`[e2e] ${msg}\n`);
const seconds = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT, ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
  return r;
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
async function until(what, deadlineMs, check) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a whole process group: SIGTERM, then SIGKILL after a grace period. */
async function killGroup(pid, name) {
  if (!pid) return;
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const end = Date.now() + 3000;
  while (Date.now() < end && alive(-pid)) await new Promise((r) => setTimeout(r, 50));
  if (alive(-pid)) {
    log(`${name} did not stop on SIGTERM; killing its process group`);
    signal('SIGKILL');
  }
}

/**
 * `npm run package`, written to a private path (another run or another person may be packaging
 * in the same checkout at the same time), and return that .vsix.
 */
export function packageVsix(outDir) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const vsix = join(outDir, `${pkg.name}-${pkg.version}.vsix`);
  run('npm', ['run', '--silent', 'package', '--', '--out', vsix], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(vsix)) throw new Error(`npm run package did not write ${vsix}`);
  checkVsixContents(vsix);
  return { vsix, id: `${pkg.publisher}.${pkg.name}`.toLowerCase(), version: pkg.version };
}

// What the .vsix may hold (.vscodeignore is an allow list; the bundles are self-contained).
const VSIX_REQUIRED = ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/readme.md'];
const VSIX_ALLOWED = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE(\.txt|\.md)?)$/,
  // The bundles at the top of dist/ (not dist/test/ or dist/tools/).
  /^extension\/dist\/[^/]+\.js$/,
  /^extension\/(syntaxes|schemas)\/[^/]+\.json$/,
  /^extension\/images\/icon\.png$/,
];

/** Fails when the package holds anything beyond the allow list, or misses a bundle. */
function checkVsixContents(vsix) {
  const names = [];
  // The filter sees every entry; returning false skips inflating it (only the names are needed).
  unzipSync(readFileSync(vsix), { filter: (f) => (names.push(f.name), false) });
  const extra = names.filter((n) => !n.endsWith('/') && !VSIX_ALLOWED.some((re) => re.test(n)));
  const missing = VSIX_REQUIRED.filter((n) => !names.includes(n));
  if (extra.length || missing.length) {
    throw new Error(`the .vsix is not what .vscodeignore allows: ${extra.length ? `unexpected ${extra.join(', ')}` : ''}${missing.length ? ` missing ${missing.join(', ')}` : ''}`);
  }
}

/**
 * Starts code-server with the packaged extension and a copy of example/ as its workspace, opens
 * the workbench in headless Chromium and hands `page` (and friends) to `body`. Everything is torn
 * down afterwards, whatever happens.
 *
 * @param {{ keep?: boolean, testsPath?: string, settings?: object, viewport?: object, scale?: number }} opts
 * @param {(ctx: { page: import('playwright-core').Page, workspace: string, url: string, exit: Promise<number> }) => Promise<number>} body
 */
export async function withWorkbench(opts, body) {
  const t0 = Date.now();
  const tools = ensureTools();
  const tTools = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'alma-sis-e2e-'));
  // `npm run package` builds everything (the bundles and the suite) before packaging.
  let vsix, id;
  try {
    ({ vsix, id } = packageVsix(tmp));
    if (opts.testsPath && !existsSync(opts.testsPath)) throw new Error(`${opts.testsPath} is missing: the suite was not built`);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  log(`tools ${((tTools - t0) / 1000).toFixed(1)} s, build and package ${seconds(tTools)} s`);

  const home = join(tmp, 'home');
  const env = {
    ...withoutNpmRunEnv(process.env),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: join(tmp, 'run'),
    PATH: dirname(tools.node) + ':' + process.env.PATH,
    // Nothing of the user's VS Code or code-server setup may leak in.
    VSCODE_IPC_HOOK_CLI: '',
    PASSWORD: '',
    // No extension gallery: nothing is fetched from open-vsx.org at run time.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '' }),
    // The suite's reporter tags its lines so they can be told from the workbench's log.
    ALMA_SIS_E2E_TAG: SUITE_TAG,
  };
  for (const d of [env.XDG_CONFIG_HOME, env.XDG_CACHE_HOME, env.XDG_DATA_HOME, env.XDG_STATE_HOME, env.XDG_RUNTIME_DIR]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
  }
  // The tests edit the snapshot on disk: they get a copy of the example, never the original.
  const workspace = join(tmp, 'workspace');
  cpSync(join(ROOT, 'example'), workspace, { recursive: true });
  const userData = join(tmp, 'user');
  const extDir = join(tmp, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  // A calm workbench: no welcome page, no trust prompt, no telemetry, no auto-updates.
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'update.mode': 'none',
        'workbench.enableExperiments': false,
        'git.enabled': false,
        'window.commandCenter': false,
        ...(opts.settings ?? {}),
      },
      null,
      2,
    ),
  );
  const configYaml = join(tmp, 'config.yaml');
  writeFileSync(configYaml, 'auth: none\ncert: false\n');
  const csArgs = [
    tools.codeServerEntry,
    '--config', configYaml,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userData,
    '--extensions-dir', extDir,
  ];

  let codeServer;
  let browser;
  let browserServer;
  let browserPid;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    const tDown = Date.now();
    const within5s = (p) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    // Closing the server closes the browser (and the connection to it).
    if (browserServer) await within5s(browserServer.close());
    else if (browser) await within5s(browser.close());
    if (browserPid) await killGroup(browserPid, 'Chromium');
    if (codeServer) await killGroup(codeServer.pid, 'code-server');
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
    log(`stopped code-server and Chromium in ${seconds(tDown)} s`);
  };
  const onSignal = (sig) => {
    if (tornDown) return;
    log(`${sig}: stopping code-server and Chromium`);
    teardown().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);

  try {
    const tInstall = Date.now();
    const inst = spawnSync(tools.node, [...csArgs, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
    if (inst.status !== 0 || !readdirSync(extDir).some((d) => d.toLowerCase().startsWith(id + '-'))) {
      throw new Error(`code-server --install-extension failed (exit ${inst.status}):\n${inst.stdout}\n${inst.stderr}`);
    }
    const installed = join(extDir, readdirSync(extDir).find((d) => d.toLowerCase().startsWith(id + '-')));
    log(`installed the .vsix in ${seconds(tInstall)} s`);

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const csLog = [];
    codeServer = spawn(
      tools.node,
      [...csArgs, '--bind-addr', `127.0.0.1:${port}`, '--reconnection-grace-time', '5', '--vscode-option', 'enable-smoke-test-driver', workspace],
      { env, cwd: tmp, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const s of [codeServer.stdout, codeServer.stderr]) {
      s.setEncoding('utf8');
      s.on('data', (d) => csLog.push(d));
    }
    let csExited = null;
    codeServer.on('exit', (code, sig) => (csExited = `exit ${code ?? sig}`));
    await until('code-server /healthz', 30_000, async () => {
      if (csExited) throw new Error(`code-server stopped (${csExited}):\n${csLog.join('')}`);
      try {
        return (await fetch(`${origin}/healthz`)).ok;
      } catch {
        return false;
      }
    });
    log(`code-server up on ${origin} after ${seconds(t0)} s`);
    const tBrowser = Date.now();

    const { chromium } = await import('playwright-core');
    // launchServer (not launch) so that the browser's PID is known and its process group can be
    // killed whatever state Playwright is in.
    browserServer = await chromium.launchServer({
      executablePath: tools.chromium,
      headless: true,
      // Our own handlers stop code-server too; Playwright's would exit before they run.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      env: { ...env, PATH: process.env.PATH },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    browserPid = browserServer.process().pid;
    browser = await chromium.connect(browserServer.wsEndpoint());
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 860 }, deviceScaleFactor: opts.scale ?? 1 });
    const page = await context.newPage();

    let resolveExit;
    const exit = new Promise((r) => (resolveExit = r));
    // The workbench calls these when running with enable-smoke-test-driver and a test payload.
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args ?? '');
      if (text.startsWith(SUITE_TAG)) process.stdout.write(text.slice(SUITE_TAG.length) + '\n');
      else if (process.env.ALMA_SIS_E2E_DEBUG) log(`workbench: ${text}`);
    });

    if (process.env.ALMA_SIS_E2E_DEBUG) {
      page.on('pageerror', (e) => log(`page error: ${e.message}`));
    }
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [];
    if (opts.testsPath) {
      // The workbench runs extensionTestsPath only in extension-development mode. The development
      // path is the folder --install-extension unpacked the .vsix into, so the code under test
      // is still exactly the packaged files.
      payload.push(['extensionDevelopmentPath', remote(installed)]);
      payload.push(['extensionTestsPath', remote(opts.testsPath)]);
    }
    const url = `${origin}/?folder=${encodeURIComponent(workspace)}` + (payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
    await page.goto(url, { timeout: 120_000 });
    log(`workbench page loaded in ${seconds(tBrowser)} s`);
    const code = await body({ page, workspace, url, exit, origin, codeServerLog: csLog });
    return code;
  } finally {
    await teardown();
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeListener(sig, onSignal);
    log(`done in ${seconds(t0)} s`);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const deadlineMs = Number(process.env.ALMA_SIS_E2E_TIMEOUT_MS || 300_000);
  let code;
  try {
    code = await withWorkbench({ keep: argv.includes('--keep'), testsPath: SUITE }, async ({ exit, codeServerLog }) => {
      const tSuite = Date.now();
      let timer;
      const timeout = new Promise((_, fail) => {
        timer = setTimeout(() => {
          // Most often the extension host died or never started: code-server's log says which.
          const tail = codeServerLog.join('').split('\n').slice(-30).join('\n');
          fail(new Error(`the suite did not finish within ${deadlineMs / 1000} s; code-server's last log lines:\n${tail}`));
        }, deadlineMs);
      });
      try {
        const c = await Promise.race([exit, timeout]);
        log(`suite finished with exit code ${c} in ${seconds(tSuite)} s`);
        return c;
      } finally {
        clearTimeout(timer);
      }
    });
  } catch (e) {
    log(`error: ${e.message}`);
    code = 2;
  }
  process.exit(code);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
