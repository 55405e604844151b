import { describe, expect, it } from 'vitest';
import { CallSchedule, DEFAULT_RATE_POLICY, dailyBudgetProblem, ratePolicyFrom, retryDelay } from '../../shared/src/alma/schedule';

describe('the call schedule (a made-up clock)', () => {
  it('spaces calls evenly at the configured rate, never faster', () => {
    const s = new CallSchedule({ ...DEFAULT_RATE_POLICY, callsPerSecond: 10 });
    const starts = Array.from({ length: 25 }, () => s.reserve(0));
    expect(starts.slice(0, 3).map(Math.round)).toEqual([0, 110, 220]);
    // No window of one second holds more than 10 starts.
    for (let i = 0; i + 10 < starts.length; i++) expect(starts[i + 10] - starts[i]).toBeGreaterThanOrEqual(1000);
  });

  it('a throttled answer halves the rate and holds every call back; successes bring it back', () => {
    const s = new CallSchedule({ ...DEFAULT_RATE_POLICY, callsPerSecond: 20 });
    s.reserve(0);
    s.wasThrottled(0, 2000);
    expect(s.callsPerSecond).toBe(10);
    expect(s.reserve(10)).toBe(2000);
    expect(Math.round(s.reserve(10))).toBe(2110);
    for (let k = 0; k < 200; k++) s.succeeded();
    expect(s.callsPerSecond).toBe(20);
    expect(s.throttled).toBe(1);
  });

  it('never goes above Alma\'s threshold of 25 a second, whatever the policy says', () => {
    const s = new CallSchedule({ ...DEFAULT_RATE_POLICY, callsPerSecond: 100 });
    expect(s.callsPerSecond).toBe(25);
    expect(ratePolicyFrom({ callsPerSecond: '26' }).problems[0]).toMatch(/at most 25/);
    expect(ratePolicyFrom({ callsPerSecond: '5', dailyReserve: '0' }).policy).toMatchObject({ callsPerSecond: 5, dailyReserve: 0 });
    expect(ratePolicyFrom({ dailyReserve: '-1' }).problems).toHaveLength(1);
  });

  it('backs off exponentially with jitter, honours Retry-After, and gives up after the last try', () => {
    const p = { ...DEFAULT_RATE_POLICY, baseBackoffMs: 500, maxBackoffMs: 4000, maxAttempts: 5 };
    expect(retryDelay(p, 1, 0)).toBe(250);
    expect(retryDelay(p, 1, 0.999)).toBe(500);
    expect(retryDelay(p, 3, 0)).toBe(1000);
    expect(retryDelay(p, 4, 1)).toBe(4000);
    expect(retryDelay(p, 2, 0, 3000)).toBe(3000);
    expect(retryDelay(p, 5, 0)).toBeUndefined();
  });

  it('refuses to spend the calls the institution keeps for its other integrations', () => {
    expect(dailyBudgetProblem(undefined, 100, 1000)).toBeUndefined();
    expect(dailyBudgetProblem(5000, 100, 1000)).toBeUndefined();
    expect(dailyBudgetProblem(1050, 100, 1000)).toMatch(/1050 API calls left today.*needs 100 more.*1000 kept/);
  });
});
