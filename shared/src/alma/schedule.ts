/**
 * When each API call may go, and what to do after a failed one: a pure schedule. The Node side
 * asks it with the time (`now`, in milliseconds) and sleeps as told; nothing here reads a clock
 * or sets a timer, so the policy is tested with a made-up clock.
 *
 * - Calls start evenly spaced a little below the current rate, never above the configured calls
 *   per second, which never exceeds Alma's per-institution threshold ("API Governance Thresholds").
 * - A throttled answer (429) halves the rate and holds every call back for the `Retry-After`
 *   Alma gave, or the backoff; each success then raises the rate again by about one call per
 *   second per second (additive increase, multiplicative decrease, as TCP does), so a refresh
 *   that shares the institution's threshold with other integrations settles below it.
 * - Server errors and failed connections are tried again after an exponential backoff with
 *   jitter, up to `maxAttempts` in all; a refusal that another try cannot change (an invalid
 *   key, the daily threshold) is never retried.
 * - The daily threshold: before spending calls, the refresh checks that the institution has
 *   enough left today (`X-Exl-Api-Remaining`) to finish and still keep `dailyReserve` for
 *   everything else that uses its API key.
 */
import { ALMA_CALLS_PER_SECOND_LIMIT } from './api';

export interface RatePolicy {
  /** Upper bound of the call rate (at most Alma's threshold). */
  readonly callsPerSecond: number;
  /** Tries per call, the first included. */
  readonly maxAttempts: number;
  /** First backoff; each further try doubles it (with jitter), up to `maxBackoffMs`. */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Calls to leave to the institution's other integrations today. */
  readonly dailyReserve: number;
}

export const DEFAULT_RATE_POLICY: RatePolicy = {
  // Below the threshold of 25: the institution's other integrations share it.
  callsPerSecond: 20,
  maxAttempts: 6,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
  dailyReserve: 1000,
};

/** A rate policy from settings or flags; bad values are reported and the default kept. */
export function ratePolicyFrom(raw: { callsPerSecond?: unknown; dailyReserve?: unknown; maxAttempts?: unknown }): { policy: RatePolicy; problems: string[] } {
  const problems: string[] = [];
  let policy = DEFAULT_RATE_POLICY;
  if (raw.callsPerSecond !== undefined && raw.callsPerSecond !== null) {
    const n = Number(raw.callsPerSecond);
    if (Number.isFinite(n) && n > 0 && n <= ALMA_CALLS_PER_SECOND_LIMIT) policy = { ...policy, callsPerSecond: n };
    else problems.push(`calls per second: expected a number above 0 and at most ${ALMA_CALLS_PER_SECOND_LIMIT} (Alma's threshold per institution), got ${JSON.stringify(raw.callsPerSecond)}`);
  }
  if (raw.dailyReserve !== undefined && raw.dailyReserve !== null) {
    const n = Number(raw.dailyReserve);
    if (Number.isInteger(n) && n >= 0) policy = { ...policy, dailyReserve: n };
    else problems.push(`daily reserve: expected a whole number of calls, 0 or more, got ${JSON.stringify(raw.dailyReserve)}`);
  }
  if (raw.maxAttempts !== undefined && raw.maxAttempts !== null) {
    const n = Number(raw.maxAttempts);
    if (Number.isInteger(n) && n >= 1 && n <= 20) policy = { ...policy, maxAttempts: n };
    else problems.push(`attempts: expected a whole number from 1 to 20, got ${JSON.stringify(raw.maxAttempts)}`);
  }
  return { policy, problems };
}

const SPACING_MARGIN = 1.1;

/** The slots at which calls may start. One per run; all its calls go through `reserve`. */
export class CallSchedule {
  private rate: number;
  private nextFree = -Infinity;
  private heldUntil = -Infinity;
  /** Throttled answers so far (for the report). */
  throttled = 0;

  constructor(private readonly policy: RatePolicy) {
    this.rate = Math.min(policy.callsPerSecond, ALMA_CALLS_PER_SECOND_LIMIT);
  }

  /** The current rate, in calls per second. */
  get callsPerSecond(): number {
    return this.rate;
  }

  /** Takes the next slot: the time (≥ now) at which the caller may start its call. */
  reserve(now: number): number {
    const at = Math.max(now, this.nextFree, this.heldUntil);
    // 10 % apart more than the rate says: the network brings calls closer on arrival than they left.
    this.nextFree = at + (1000 / this.rate) * SPACING_MARGIN;
    return at;
  }

  /** A call succeeded: the rate creeps back up towards the policy's. */
  succeeded(): void {
    const max = Math.min(this.policy.callsPerSecond, ALMA_CALLS_PER_SECOND_LIMIT);
    this.rate = Math.min(max, this.rate + 1 / this.rate);
  }

  /** A call was throttled at `now`: halve the rate and hold every call back for `delayMs`. */
  wasThrottled(now: number, delayMs: number): void {
    this.throttled++;
    this.rate = Math.max(0.5, this.rate / 2);
    this.heldUntil = Math.max(this.heldUntil, now + delayMs);
  }
}

/**
 * How long to wait before try number `attempt + 1` (attempt counts from 1), or undefined when
 * the call has had its tries. `random` is in [0, 1): half the backoff is fixed, half is jitter,
 * so that calls that failed together do not come back together. A `Retry-After` from Alma
 * is a floor.
 */
export function retryDelay(policy: RatePolicy, attempt: number, random: number, retryAfter?: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const backoff = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (attempt - 1));
  const delay = backoff / 2 + (random * backoff) / 2;
  return Math.round(Math.max(delay, retryAfter ?? 0));
}

/**
 * Whether the institution can afford the calls still to make: a sentence saying why not when
 * `remaining` (calls left today, from Alma) minus the calls needed would go below the reserve.
 */
export function dailyBudgetProblem(remaining: number | undefined, callsNeeded: number, reserve: number): string | undefined {
  if (remaining === undefined || remaining - callsNeeded >= reserve) return undefined;
  return (
    `Alma reports ${remaining} API calls left today for your institution; this needs ${callsNeeded} more, ` +
    `which would leave fewer than the ${reserve} kept for its other integrations. ` +
    'Try again tomorrow, fetch fewer users, or lower the reserve.'
  );
}
