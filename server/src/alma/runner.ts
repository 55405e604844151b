/**
 * Makes a batch of API calls under the core's schedule (`shared/src/alma/schedule.ts`): a few
 * at a time, each started at the slot the schedule gives, throttled answers and server errors
 * tried again, and the whole batch stopped, in Alma's words, by what another try cannot mend:
 * a refused key, the daily threshold, too few calls left today, or the user cancelling.
 *
 * The clock, the sleep and the randomness come in from the caller, so tests can run the real
 * policy against a local fake Users API without waiting in real time.
 */
import {
  classifyAnswer,
  describeAlmaError,
  remainingCalls,
  type AlmaError,
  type AnswerKind,
} from '../../../shared/src/alma/api';
import { CallSchedule, dailyBudgetProblem, retryDelay, type RatePolicy } from '../../../shared/src/alma/schedule';
import { NetworkError, type Transport } from './http';

/** Why a batch stopped before its end. Nothing the batch read is used then. */
export class AlmaStop extends Error {
  constructor(
    readonly reason: 'invalid-key' | 'daily-limit' | 'budget' | 'unavailable' | 'cancelled',
    message: string,
    readonly status?: number,
    readonly almaError?: AlmaError,
  ) {
    super(message);
    this.name = 'AlmaStop';
  }
}

/** The outcome of one call of a batch. */
export type CallOutcome =
  | { readonly kind: 'ok'; readonly json: unknown }
  | { readonly kind: 'not-found'; readonly error: AlmaError }
  /** Refused for this call alone (a 4xx other than the above); the others went on. */
  | { readonly kind: 'failed'; readonly message: string; readonly status: number };

export interface RunnerClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1), for the jitter of retries. */
  random(): number;
}

export const REAL_CLOCK: RunnerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (ms <= 0) return resolve();
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  random: () => Math.random(),
};

export interface RunnerOptions {
  readonly transport: Transport;
  readonly policy: RatePolicy;
  readonly clock?: RunnerClock;
  readonly signal?: AbortSignal;
  /** Calls in flight at once (the schedule still spaces their starts). */
  readonly concurrency?: number;
  /** After every finished call: calls done and in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RunnerStats {
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
  throttled: number;
  /** The last `X-Exl-Api-Remaining` seen. */
  remaining?: number;
  /** The rate the schedule ended at (calls per second). */
  finalRate: number;
}

/** Runs the calls (paths with their queries) and returns one outcome per call, in order. */
export async function runCalls(paths: readonly string[], options: RunnerOptions, stats: RunnerStats = { requests: 0, retries: 0, throttled: 0, finalRate: 0 }): Promise<CallOutcome[]> {
  const clock = options.clock ?? REAL_CLOCK;
  const { transport, policy, signal } = options;
  const schedule = new CallSchedule(policy);
  const outcomes: CallOutcome[] = new Array(paths.length);
  let next = 0;
  let done = 0;
  let stopped: AlmaStop | undefined;
  const controller = new AbortController();
  const abortAll = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', abortAll, { once: true });
  if (signal?.aborted) abortAll();

  const cancelled = () => new AlmaStop('cancelled', 'Cancelled: nothing was written.');
  const stop = (e: AlmaStop) => {
    stopped ??= e;
    controller.abort(e);
  };

  const callOnce = async (path: string): Promise<CallOutcome> => {
    for (let attempt = 1; ; attempt++) {
      const at = schedule.reserve(clock.now());
      await clock.sleep(at - clock.now(), controller.signal);
      let kind: AnswerKind;
      let status = 0;
      try {
        stats.requests++;
        const answer = await transport.get(path, controller.signal);
        status = answer.status;
        kind = classifyAnswer(answer, clock.now());
        const remaining = remainingCalls(answer);
        if (remaining !== undefined) {
          stats.remaining = remaining;
          // Reached already: Alma's own answer says so (below).
          const problem = kind.kind === 'daily-limit' ? undefined : dailyBudgetProblem(remaining, paths.length - done - 1, policy.dailyReserve);
          if (problem) throw new AlmaStop('budget', `${problem} Nothing was written.`);
        }
      } catch (e) {
        if (e instanceof AlmaStop) throw e;
        if (controller.signal.aborted) throw stopped ?? cancelled();
        if (!(e instanceof NetworkError)) throw e;
        const delay = retryDelay(policy, attempt, clock.random());
        if (delay === undefined) throw new AlmaStop('unavailable', `No answer from Alma after ${attempt} tries: ${e.message}. Nothing was written.`);
        stats.retries++;
        await clock.sleep(delay, controller.signal);
        continue;
      }
      switch (kind.kind) {
        case 'ok':
          schedule.succeeded();
          return { kind: 'ok', json: kind.json };
        case 'not-found':
          schedule.succeeded();
          return { kind: 'not-found', error: kind.error };
        case 'failed':
          return { kind: 'failed', status: kind.status, message: describeAlmaError(kind.error, `HTTP ${kind.status}`) };
        case 'invalid-key':
          throw new AlmaStop(
            'invalid-key',
            `Alma refused the API key: ${describeAlmaError(kind.error, `HTTP ${kind.status}`)}. Check the key, that it may read this API (Users: read; Configuration: read, for code tables), and that it belongs to this gateway. Nothing was written.`,
            kind.status,
            kind.error,
          );
        case 'daily-limit':
          throw new AlmaStop(
            'daily-limit',
            `Alma's daily API threshold for your institution is reached: ${describeAlmaError(kind.error, 'HTTP 429')}. Try again tomorrow. Nothing was written.`,
            429,
            kind.error,
          );
        case 'throttled': {
          stats.throttled++;
          const delay = retryDelay(policy, attempt, clock.random(), kind.retryAfterMs);
          if (delay === undefined) {
            throw new AlmaStop('unavailable', `Alma kept answering "${describeAlmaError(kind.error, 'too many requests')}" after ${attempt} tries. Nothing was written.`, 429, kind.error);
          }
          schedule.wasThrottled(clock.now(), delay);
          stats.retries++;
          continue;
        }
        case 'server-error': {
          const delay = retryDelay(policy, attempt, clock.random());
          if (delay === undefined) {
            throw new AlmaStop('unavailable', `Alma answered HTTP ${kind.status || status}${kind.error ? ` (${describeAlmaError(kind.error, '')})` : ''} ${attempt} times. Nothing was written.`, kind.status, kind.error);
          }
          stats.retries++;
          await clock.sleep(delay, controller.signal);
          continue;
        }
      }
    }
  };

  const worker = async () => {
    while (!stopped && next < paths.length) {
      const k = next++;
      try {
        outcomes[k] = await callOnce(paths[k]);
        done++;
        options.onProgress?.(done, paths.length);
      } catch (e) {
        if (e instanceof AlmaStop) stop(e);
        else if (controller.signal.aborted) stop(stopped ?? cancelled());
        else stop(new AlmaStop('unavailable', `The call failed: ${e instanceof Error ? e.message : String(e)}. Nothing was written.`));
      }
    }
  };
  try {
    const n = Math.max(1, Math.min(options.concurrency ?? 4, paths.length));
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    signal?.removeEventListener('abort', abortAll);
    stats.finalRate = schedule.callsPerSecond;
  }
  if (signal?.aborted && (!stopped || stopped.reason !== 'cancelled')) throw cancelled();
  if (stopped) throw stopped;
  return outcomes;
}
