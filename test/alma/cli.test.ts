/**
 * `alma-sis snapshot fetch` and `alma-sis code-tables fetch`, the built command line against the
 * fake Users API on 127.0.0.1: drift summary, snapshot written with protection kept, throttling,
 * an invalid key, the daily threshold, Ctrl-C (the snapshot untouched), code tables.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCodeTables } from '../../shared/src/validate/codeTables';
import { CLI, REPO, ensureBuilt, hasStackTrace } from '../cli/helpers';
import { loadFixtures, startFakeAlma, type FakeAlma, type FakeAlmaOptions } from '../fakeAlma/server';

const KEY = 'l7xx-cli-test-key';
const fixtures = loadFixtures();
let fake: FakeAlma | undefined;
let dir = '';

beforeAll(() => ensureBuilt());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-fetch-'));
  fs.cpSync(path.join(REPO, 'example'), dir, { recursive: true });
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(o: Partial<FakeAlmaOptions> = {}) {
  fake = await startFakeAlma({ apiKey: KEY, users: fixtures.users, codeTables: fixtures.codeTables, ...o });
  return fake;
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process, asynchronously (the fake server answers from this process). */
function cli(args: string[], o: { env?: Record<string, string>; whileRunning?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ALMA_API')) env[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...env, ALMA_API_KEY: KEY, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  o.whileRunning?.(child);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const snapshotText = () => fs.readFileSync(path.join(dir, 'users.alma-snapshot.json'), 'utf8');

describe('alma-sis snapshot fetch', () => {
  it('refreshes the snapshot for the users the file names, keeps protection, and prints the drift', async () => {
    const f = await start({ remaining: 50_000 });
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', f.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Note: Objects have changed in Alma since the snapshot was taken');
    expect(r.stdout).toContain('  # user "asmith" has changed\n');
    expect(r.stdout).toContain('  # user "dlee" has been deleted\n');
    expect(r.stdout).toContain('Refreshed users.alma-snapshot.json: 7 users read from Alma, 2 changed, 1 deleted, 1 added, 4 unchanged;');
    expect(r.stdout).toMatch(/Wrote users\.alma-snapshot\.json \(9 calls; Alma reports 49991 left today\)\.\n$/);
    const snap = JSON.parse(snapshotText());
    const byId = new Map(snap.users.map((e: { user: { primary_id: string } }) => [e.user.primary_id, e]));
    expect((byId.get('cgarcia') as { sync: unknown }).sync).toEqual({ protected: { user_group: { lastSisValue: 'GRAD' } } });
    expect(byId.has('dlee')).toBe(false);
    expect(byId.has('zold')).toBe(true);
    expect(fs.existsSync(path.join(dir, 'users.alma-snapshot.json.bak'))).toBe(true);
    // Every call: the key in the header, the full user, no counters.
    expect(f.requests.every((q) => q.keyInHeader && q.query.view === 'full' && q.query.expand === 'none')).toBe(true);

    // Right after: nothing changed in Alma, nothing written.
    const again = await cli(['snapshot', 'fetch', 'users.xml', '-s', 'users.alma-snapshot.json', '-g', f.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes\. Your snapshot matches Alma\./);
    expect(again.stdout).toContain('users.alma-snapshot.json is already current: not written');
  });

  it('--format json: counts, drift, values not in Alma, calls', async () => {
    const f = await start();
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'new.alma-snapshot.json', '--gateway', f.url, '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ format: 'alma-sis-refresh', version: 1, written: true, snapshot: 'new.alma-snapshot.json', counts: { read: 7, changed: 2, deleted: 1, added: 1 } });
    expect(report.drift[0]).toEqual({ kind: 'changed', primaryId: 'asmith', fields: [{ field: 'user_group', before: 'UNDERGRAD', after: 'GRAD', protected: false, protectedKind: true }], lists: [{ list: 'phones', removed: 0, added: 1 }], unchanged: 31 });
    expect(report.notInAlma.map((n: { id: string }) => n.id)).toEqual(['dlee', 'hpark']);
    // --out: the original is left alone.
    expect(snapshotText()).toBe(fs.readFileSync(path.join(REPO, 'example', 'users.alma-snapshot.json'), 'utf8'));
  });

  it('creates the snapshot when it does not exist, with the profile flags as its profile', async () => {
    const f = await start();
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'first.alma-snapshot.json', '--gateway', f.url, '--profile-code', 'SIS_MAIN']);
    expect(r.code).toBe(0);
    const snap = JSON.parse(fs.readFileSync(path.join(dir, 'first.alma-snapshot.json'), 'utf8'));
    expect(snap).toMatchObject({ format: 'alma-sis-snapshot', version: 1, profile: { profileCode: 'SIS_MAIN' } });
    expect(snap.users).toHaveLength(7);
  });

  it('throttles to the threshold it is given: no 429 from a server that allows 5 a second', async () => {
    const f = await start({ perSecond: 5 });
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', f.url, '--calls-per-second', '5']);
    expect(r.code).toBe(0);
    expect(f.requests.filter((q) => q.status === 429)).toEqual([]);
    expect(f.maxPerSecond()).toBeLessThanOrEqual(5);
  });

  it('a burst of 429s is waited out and the refresh completes', async () => {
    const f = await start({ burst429: 4, retryAfterSeconds: 1 });
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', f.url]);
    expect(r.code).toBe(0);
    expect(f.requests.filter((q) => q.status === 429)).toHaveLength(4);
    expect(r.stdout).toMatch(/\(13 calls, 4 throttled and tried again\)/);
  });

  it('an invalid key: exit 2, Alma\'s words, the snapshot untouched', async () => {
    const f = await start();
    const before = snapshotText();
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', f.url], { env: { ALMA_API_KEY: 'not-the-key' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('alma-sis snapshot fetch: Alma refused the API key: API-key not defined or not configured to allow this API. (UNAUTHORIZED). Check the key, that it may read this API (Users: read; Configuration: read, for code tables), and that it belongs to this gateway. Nothing was written.\n');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(snapshotText()).toBe(before);
    expect(r.stderr).not.toContain('not-the-key');
  });

  it('the daily threshold reached: exit 2, the snapshot untouched', async () => {
    const f = await start({ remaining: 0 });
    const before = snapshotText();
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', f.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Alma's daily API threshold for your institution is reached: Daily API Request Threshold has been reached.");
    expect(snapshotText()).toBe(before);
  });

  it('Ctrl-C: exit 130, nothing written, the snapshot untouched', async () => {
    const f = await start({ delayMs: 400 });
    const before = snapshotText();
    const r = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', f.url], {
      whileRunning: (child) => {
        const poll = setInterval(() => {
          if (f.requests.length > 0) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('alma-sis snapshot fetch: Cancelled: nothing was written.\n');
    expect(snapshotText()).toBe(before);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.endsWith('.bak'))).toEqual([]);
  });

  it('says what is missing: no key, no gateway, a gateway that is not https', async () => {
    const noKey = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', 'eu'], { env: { ALMA_API_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no API key: set the environment variable ALMA_API_KEY/);
    const noGateway = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json']);
    expect(noGateway.stderr).toMatch(/--gateway is required \(or set ALMA_API_GATEWAY\): na, eu, ap, aps, ca, cn or an https URL/);
    const http = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', 'http://example.com']);
    expect(http.stderr).toMatch(/--gateway: the gateway must be an https URL/);
    const fast = await cli(['snapshot', 'fetch', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--gateway', 'eu', '--calls-per-second', '50']);
    expect(fast.stderr).toMatch(/at most 25/);
  });
});

describe('alma-sis code-tables fetch', () => {
  it('writes the SIS fields\' tables from the Configuration API, without disabled rows; tables Alma lacks are named', async () => {
    const f = await start();
    const r = await cli(['code-tables', 'fetch', '--out', 'fetched-tables.json', '--gateway', f.url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Wrote fetched-tables\.json: 9 tables, \d+ codes\n/);
    expect(r.stdout).toContain('Not fetched: UserTitles: General Error: An error has occurred while processing the request. Code table UserTitles not found. (60101)\n');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'fetched-tables.json'), 'utf8'));
    expect(json.format).toBe('alma-sis-code-tables');
    expect(json.tables.UserGroups.map((c: { code: string }) => c.code)).toEqual(['UNDERGRAD', 'GRAD', 'FACULTY', 'STAFF', 'ALUMNI']);
    expect(parseCodeTables(json).tables.tables.get('UserGroups')?.byCode.get('GRAD')?.label).toBe('Graduate student');
    expect(f.requests.every((q) => q.path.startsWith('/almaws/v1/conf/code-tables/'))).toBe(true);
  });

  it('over an existing file of ours: keeps "allowed" and the tables not fetched', async () => {
    const f = await start();
    const file = path.join(dir, 'code-tables.json');
    const existing = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...existing, allowed: { UserGroups: { PUBLIC: ['UNDERGRAD'] } } }));
    const r = await cli(['code-tables', 'fetch', '--out', 'code-tables.json', '--gateway', f.url, '--table', 'UserGroups']);
    expect(r.code).toBe(0);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(json.allowed).toEqual({ UserGroups: { PUBLIC: ['UNDERGRAD'] } });
    expect(Object.keys(json.tables)).toEqual(Object.keys(existing.tables));
    expect(fs.existsSync(`${file}.bak`)).toBe(true);
  });

  it('refuses to overwrite a file that is not code tables', async () => {
    const f = await start();
    const r = await cli(['code-tables', 'fetch', '--out', 'users.xml', '--gateway', f.url, '--table', 'UserGroups']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to overwrite users.xml: it is not a code-tables file this tool can read');
  });
});
