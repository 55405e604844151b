/**
 * No network access anywhere (issue 8). The built command line (`validate`, `plan`, `apply`,
 * `snapshot import`, `codes`) and the language server (a full session on the example) run with
 * `fixtures/trap-network.js` preloaded: sockets, TLS, DNS, http(s), UDP and fetch are recorded
 * and refused; any attempt fails the test. Inputs include DOCTYPEs naming external entities
 * over http and file URLs. Where `unshare -n` works (Linux, root), the commands also run in a
 * fresh network namespace with no interface but loopback and must give the same output.
 *
 * The two commands that call Alma (`snapshot fetch`, `code-tables fetch`) run under the same
 * trap with one address let through, the configured gateway (a fake Users API on 127.0.0.1):
 * every connection they attempt must be to that address, and they must attempt some.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, startFakeAlma } from '../fakeAlma/server';
import { CLI, EXAMPLE, exampleSession, SERVER } from './session';

const TRAP = path.join(__dirname, 'fixtures', 'trap-network.js');
const HAVE = fs.existsSync(CLI) && fs.existsSync(SERVER) && fs.existsSync(path.join(EXAMPLE, 'users.xml'));
if (!HAVE) console.warn('no-network tests skipped: dist/cli.js or dist/server.js not built (npm run build), or example/ missing');
const UNSHARE = process.platform === 'linux' && spawnSync('unshare', ['-n', 'true']).status === 0;

describe.skipIf(!HAVE)('no network access', { timeout: 300_000 }, () => {
  let dir = '';
  let log = '';
  const env = () => ({ ...process.env, ALMA_SIS_NET_LOG: log });
  const attempts = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim() : '');

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-net-'));
    log = path.join(dir, 'network-attempts.log');
    fs.cpSync(EXAMPLE, path.join(dir, 'ws'), { recursive: true });
    const ws = path.join(dir, 'ws');
    // A file that names external resources in every way XML allows.
    const users = fs.readFileSync(path.join(ws, 'users.xml'), 'utf8');
    const dtd =
      '<!DOCTYPE users SYSTEM "http://127.0.0.1:9/users.dtd" [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n<!ENTITY net SYSTEM "https://example.com/x">\n' +
      '<!ENTITY % pe SYSTEM "http://127.0.0.1:9/pe.dtd"> %pe;\n]>\n';
    fs.writeFileSync(path.join(ws, 'entities.xml'), users.replace(/<users>/, `${dtd}<users>`).replace(/<last_name>/, '<last_name>&xxe;&net;'));
    // A Users API answer for `snapshot import`, from the example snapshot.
    const snap = JSON.parse(fs.readFileSync(path.join(ws, 'users.alma-snapshot.json'), 'utf8'));
    fs.writeFileSync(path.join(ws, 'export.json'), JSON.stringify({ user: snap.users.map((u: { user: unknown }) => u.user), total_record_count: snap.users.length }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const commands: string[][] = [
    ['validate', 'users.xml', 'broken-users.xml', 'entities.xml'],
    ['validate', '--format', 'sarif', 'entities.xml'],
    ['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--format', 'json'],
    ['plan', 'entities.xml', '--snapshot', 'users.alma-snapshot.json'],
    ['apply', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'next.alma-snapshot.json'],
    ['snapshot', 'import', '--users', 'export.json', '--last-sis', 'users.xml', '--out', 'imported.alma-snapshot.json'],
    ['codes'],
  ];

  function run(args: string[], prefix: string[] = []) {
    const [cmd, ...rest] = [...prefix, process.execPath, '--require', TRAP, CLI, ...args];
    return spawnSync(cmd, rest, { cwd: path.join(dir, 'ws'), env: env(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  }

  it('the trap works: a child that connects is recorded and refused (so the checks below can fail)', () => {
    const r = spawnSync(process.execPath, ['--require', TRAP, '-e', "require('node:net').connect(9, '127.0.0.1'); "], { env: env(), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(attempts()).toMatch(/net\.connect/);
    fs.rmSync(log);
  });

  for (const args of commands) {
    it(`alma-sis ${args.join(' ')}: no connection attempted`, () => {
      const r = run(args);
      expect(r.stderr).not.toMatch(/network access refused|\n\s+at /);
      expect([0, 1]).toContain(r.status);
      expect(attempts()).toBe('');
    });
  }

  it('the language server over a full session (with external entities in a document): no connection attempted', async () => {
    const { server, answered } = await exampleSession(path.join(dir, 'ws'), { nodeArgs: ['--require', TRAP], env: env() });
    expect(answered.get('textDocument/hover') ?? 0).toBeGreaterThan(0);
    expect(server.exited()).toBeUndefined();
    await server.dispose();
    expect(server.stderr()).not.toMatch(/network access refused/);
    expect(attempts()).toBe('');
  });

  it('the commands that call Alma connect only to the configured gateway, and the key goes nowhere else', async () => {
    const fixtures = loadFixtures();
    const fake = await startFakeAlma({ apiKey: 'l7xx-net-test', users: fixtures.users, codeTables: fixtures.codeTables });
    const gateway = new URL(fake.url).host;
    const runAsync = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--require', TRAP, CLI, ...args], {
          cwd: path.join(dir, 'ws'),
          env: { ...env(), ALMA_SIS_NET_ALLOW: gateway, ALMA_API_KEY: 'l7xx-net-test' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    try {
      for (const args of [
        // entities.xml names http and file entities: only the gateway is reached all the same.
        ['snapshot', 'fetch', 'entities.xml', '--snapshot', 'fetched.alma-snapshot.json', '--gateway', fake.url],
        ['code-tables', 'fetch', '--out', 'fetched-tables.json', '--gateway', fake.url, '--table', 'UserGroups'],
      ]) {
        const r = await runAsync(args);
        expect(r.stderr, args.join(' ')).not.toMatch(/network access refused|\n\s+at /);
        expect(r.code, args.join(' ')).toBe(0);
        const lines = attempts().split('\n').filter(Boolean);
        expect(lines.length, args.join(' ')).toBeGreaterThan(0);
        for (const line of lines) expect(line, args.join(' ')).toMatch(new RegExp(`^\\d+ allowed \\S+ ${gateway.replace(/[.]/g, '\\.')}$`));
        fs.rmSync(log);
      }
      expect(fake.requests.length).toBeGreaterThan(0);
    } finally {
      await fake.close();
    }
  });

  it.skipIf(!UNSHARE)('in a network namespace without interfaces the commands give the same output', () => {
    for (const args of commands.filter((a) => a[0] === 'validate' || a[0] === 'plan')) {
      const here = run(args);
      const isolated = run(args, ['unshare', '-n']);
      expect(isolated.status, args.join(' ')).toBe(here.status);
      expect(isolated.stdout).toBe(here.stdout);
    }
  });
});
