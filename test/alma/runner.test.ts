/**
 * The runner and the refresh against the fake Users API on 127.0.0.1: throttling, a burst of
 * 429s, server errors, an invalid key, the daily threshold, cancelling, no answer at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { userPath } from '../../shared/src/alma/api';
import { DEFAULT_RATE_POLICY, type RatePolicy } from '../../shared/src/alma/schedule';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { recordFromXml } from '../../shared/src/sis/record';
import { parseSnapshot } from '../../shared/src/snapshot/snapshot';
import { createTransport, GatewayError, parseGateway } from '../../server/src/alma/http';
import { refreshFromAlma } from '../../server/src/alma/refresh';
import { AlmaStop, runCalls, type RunnerClock } from '../../server/src/alma/runner';
import { loadFixtures, startFakeAlma, type FakeAlma, type FakeAlmaOptions } from '../fakeAlma/server';

const KEY = 'l7xx-test-key';
const fixtures = loadFixtures();
let fake: FakeAlma | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(o: Partial<FakeAlmaOptions> = {}) {
  fake = await startFakeAlma({ apiKey: KEY, users: fixtures.users, codeTables: fixtures.codeTables, ...o });
  return fake;
}

/** Time that passes only when the runner sleeps: a test of the policy, not of the wall clock. */
function virtualClock(): RunnerClock & { sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      if (ms > 0) {
        sleeps.push(ms);
        t += ms;
      }
    },
    random: () => 0.5,
  };
}

const policy = (p: Partial<RatePolicy> = {}): RatePolicy => ({ ...DEFAULT_RATE_POLICY, ...p });
const paths = (ids: string[]) => ids.map((id) => userPath({ id }));

describe('the gateway', () => {
  it('takes a region id or an https URL; plain http only to this machine', () => {
    expect(parseGateway('eu')).toMatchObject({ origin: 'https://api-eu.hosted.exlibrisgroup.com', secure: true, region: 'Europe' });
    expect(parseGateway('api-ca.hosted.exlibrisgroup.com').origin).toBe('https://api-ca.hosted.exlibrisgroup.com');
    expect(parseGateway('http://127.0.0.1:8080')).toMatchObject({ hostname: '127.0.0.1', port: 8080, secure: false });
    expect(() => parseGateway('http://api-eu.hosted.exlibrisgroup.com')).toThrow(GatewayError);
    expect(() => parseGateway('https://api-eu.hosted.exlibrisgroup.com/almaws/v1')).toThrow(/host only/);
    expect(() => parseGateway('https://user:pw@example.com')).toThrow(/user name/);
    expect(() => parseGateway('ftp://x')).toThrow(GatewayError);
  });

  it('sends the key in the Authorization header, never in the address', async () => {
    const f = await start();
    const t = createTransport(parseGateway(f.url), KEY);
    const a = await t.get(userPath({ id: 'jdoe' }));
    t.close();
    expect(a.status).toBe(200);
    expect(f.requests[0]).toMatchObject({ keyInHeader: true, path: '/almaws/v1/users/jdoe', query: { view: 'full', expand: 'none' } });
    expect(JSON.stringify(f.requests[0].query)).not.toContain(KEY);
  });
});

describe('runCalls against the fake Users API', () => {
  it('stays under the per-second threshold: no 429 at the rate the server allows', async () => {
    const f = await start({ perSecond: 4 });
    const t = createTransport(parseGateway(f.url), KEY);
    const stats = { requests: 0, retries: 0, throttled: 0, finalRate: 0 };
    const ids = ['jdoe', 'asmith', 'bwong', 'cgarcia', 'emuller', 'fkhan', 'zold', 'gnguyen', 'jdoe', 'asmith'];
    const out = await runCalls(paths(ids), { transport: t, policy: policy({ callsPerSecond: 4 }), concurrency: 4 }, stats);
    t.close();
    expect(out.every((o) => o.kind === 'ok')).toBe(true);
    expect(stats.throttled).toBe(0);
    expect(f.requests.every((r) => r.status === 200)).toBe(true);
    expect(f.maxPerSecond()).toBeLessThanOrEqual(4);
  });

  it('a burst of 429s: waits as Alma says (Retry-After), slows down, and gets every answer', async () => {
    const f = await start({ burst429: 3, retryAfterSeconds: 2 });
    const t = createTransport(parseGateway(f.url), KEY);
    const clock = virtualClock();
    const stats = { requests: 0, retries: 0, throttled: 0, finalRate: 0 };
    const out = await runCalls(paths(['jdoe', 'asmith', 'bwong']), { transport: t, policy: policy(), clock, concurrency: 1 }, stats);
    t.close();
    expect(out.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(stats).toMatchObject({ requests: 6, retries: 3, throttled: 3 });
    expect(clock.sleeps.filter((ms) => ms >= 2000).length).toBeGreaterThanOrEqual(3);
    expect(stats.finalRate).toBeLessThan(DEFAULT_RATE_POLICY.callsPerSecond);
  });

  it('a throttled burst that does not end: stops after the last try, in Alma\'s words', async () => {
    const f = await start({ burst429: 100 });
    const t = createTransport(parseGateway(f.url), KEY);
    const run = runCalls(paths(['jdoe']), { transport: t, policy: policy({ maxAttempts: 3 }), clock: virtualClock() });
    await expect(run).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringContaining('HTTP requests are more than allowed per second (PER_SECOND_THRESHOLD)') });
    t.close();
    expect(f.requests).toHaveLength(3);
  });

  it('server errors are tried again with backoff', async () => {
    const f = await start({ serverErrors: 2 });
    const t = createTransport(parseGateway(f.url), KEY);
    const clock = virtualClock();
    const out = await runCalls(paths(['jdoe']), { transport: t, policy: policy(), clock, concurrency: 1 });
    t.close();
    expect(out[0].kind).toBe('ok');
    expect(f.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(clock.sleeps).toEqual([375, 750]);
  });

  it('an invalid key stops everything at once, in Alma\'s words', async () => {
    const f = await start();
    const t = createTransport(parseGateway(f.url), 'wrong-key');
    const run = runCalls(paths(['jdoe', 'asmith', 'bwong', 'cgarcia']), { transport: t, policy: policy(), clock: virtualClock(), concurrency: 1 });
    await expect(run).rejects.toMatchObject({ reason: 'invalid-key', message: expect.stringContaining('Alma refused the API key: API-key not defined or not configured to allow this API. (UNAUTHORIZED)') });
    t.close();
    expect(f.requests).toHaveLength(1);
  });

  it('the daily threshold: stops when it is reached, and before starting what it cannot finish', async () => {
    const f = await start({ remaining: 0 });
    const t = createTransport(parseGateway(f.url), KEY);
    await expect(runCalls(paths(['jdoe']), { transport: t, policy: policy({ dailyReserve: 0 }), clock: virtualClock() })).rejects.toMatchObject({ reason: 'daily-limit', message: expect.stringContaining('(DAILY_THRESHOLD)') });
    f.options.remaining = 1003;
    const ids = ['jdoe', 'asmith', 'bwong', 'cgarcia', 'emuller'];
    await expect(runCalls(paths(ids), { transport: t, policy: policy({ dailyReserve: 1000 }), clock: virtualClock(), concurrency: 1 })).rejects.toMatchObject({
      reason: 'budget',
      message: expect.stringContaining('Alma reports 1002 API calls left today'),
    });
    t.close();
  });

  it('cancelling stops the calls in flight and says nothing was written', async () => {
    const f = await start({ delayMs: 300 });
    const t = createTransport(parseGateway(f.url), KEY);
    const controller = new AbortController();
    const run = runCalls(paths(['jdoe', 'asmith', 'bwong', 'cgarcia', 'emuller', 'fkhan']), {
      transport: t,
      policy: policy(),
      signal: controller.signal,
      concurrency: 2,
      onProgress: (done) => {
        if (done === 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ reason: 'cancelled', message: 'Cancelled: nothing was written.' });
    t.close();
    expect(f.requests.length).toBeLessThan(6);
  });

  it('no answer at all: tries again, then says so', async () => {
    const f = await start();
    const url = f.url;
    await f.close();
    fake = undefined;
    const t = createTransport(parseGateway(url), KEY);
    const run = runCalls(paths(['jdoe']), { transport: t, policy: policy({ maxAttempts: 2 }), clock: virtualClock() });
    await expect(run).rejects.toBeInstanceOf(AlmaStop);
    await expect(run).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/No answer from Alma after 2 tries: ECONNREFUSED/) });
    t.close();
  });
});

describe('refreshFromAlma end to end (fake Users API)', () => {
  it('fetches the users the example names and merges them, asking each value once', async () => {
    const f = await start({ perSecond: 20 });
    const t = createTransport(parseGateway(f.url), KEY);
    const example = path.resolve(__dirname, '../../example');
    const snapshot = parseSnapshot(fs.readFileSync(path.join(example, 'users.alma-snapshot.json'), 'utf8')).snapshot!;
    const users = readSisDocument(fs.readFileSync(path.join(example, 'users.xml'), 'utf8')).users.map((u, index) => ({ index, record: recordFromXml(u.element) }));
    const progress: number[] = [];
    const run = await refreshFromAlma(users, snapshot, settingsFrom({}).settings, { transport: t, policy: policy(), onProgress: (d) => progress.push(d) });
    t.close();
    expect(f.requests.map((r) => r.path.split('/').pop())).toEqual(expect.arrayContaining(['jdoe', 'hpark', 'gnguyen']));
    expect(f.requests).toHaveLength(9);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(run.counts).toMatchObject({ read: 7, changed: 2, deleted: 1, added: 1, notInAlma: 2 });
    expect(run.failures).toEqual([]);
  });
});
