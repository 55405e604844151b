/**
 * What the commands that call Alma share (`snapshot fetch`, `code-tables fetch`): the gateway
 * (`--gateway`, else `ALMA_API_GATEWAY`), the API key (only from `ALMA_API_KEY`: a flag would
 * show in the shell's history and the process list, a file could end up in the workspace), the
 * rate limits, Ctrl-C, and progress on a terminal.
 */
import { ALMA_CALLS_PER_SECOND_LIMIT, ALMA_GATEWAYS } from '../../../shared/src/alma/api';
import { DEFAULT_RATE_POLICY, ratePolicyFrom, type RatePolicy } from '../../../shared/src/alma/schedule';
import { createTransport, GatewayError, parseGateway, type Gateway, type Transport } from '../alma/http';
import { AlmaStop } from '../alma/runner';
import { UsageError, stringOption, type OptionSpec, type ParsedArgs } from './args';
import type { CliContext } from './command';

export const API_KEY_VARIABLE = 'ALMA_API_KEY';
export const GATEWAY_VARIABLE = 'ALMA_API_GATEWAY';

/** Exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it). */
export const EXIT_CANCELLED = 130;

export const ALMA_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'gateway',
    kind: 'string',
    short: 'g',
    valueName: 'GATEWAY',
    description: `Alma's API gateway for your region: ${ALMA_GATEWAYS.map((g) => `${g.id} (${g.region})`).join(', ')}, or an https URL (default: $${GATEWAY_VARIABLE})`,
  },
  {
    name: 'calls-per-second',
    kind: 'string',
    valueName: 'N',
    description: `at most N calls a second (default ${DEFAULT_RATE_POLICY.callsPerSecond}; Alma allows ${ALMA_CALLS_PER_SECOND_LIMIT} per institution)`,
  },
  {
    name: 'daily-reserve',
    kind: 'string',
    valueName: 'N',
    description: `stop rather than leave fewer than N of the institution's API calls for today (default ${DEFAULT_RATE_POLICY.dailyReserve})`,
  },
];

export const ALMA_HELP = [
  `The API key is read from the environment variable ${API_KEY_VARIABLE} (never from a flag or a file):`,
  'a key with read access to the Users API (and to the Configuration API for code tables). Only this',
  'command connects to the network, and only to the gateway.',
].join('\n');

export interface AlmaConnection {
  readonly gateway: Gateway;
  readonly transport: Transport;
  readonly policy: RatePolicy;
}

export function almaConnection(args: ParsedArgs, ctx: CliContext): AlmaConnection {
  const given = stringOption(args, 'gateway') ?? ctx.env[GATEWAY_VARIABLE];
  if (given === undefined || given.trim() === '') {
    throw new UsageError(`--gateway is required (or set ${GATEWAY_VARIABLE}): ${ALMA_GATEWAYS.map((g) => g.id).join(', ')} or an https URL`);
  }
  let gateway: Gateway;
  try {
    gateway = parseGateway(given);
  } catch (e) {
    if (e instanceof GatewayError) throw new UsageError(`--gateway: ${e.message}`);
    throw e;
  }
  const key = ctx.env[API_KEY_VARIABLE]?.trim();
  if (!key) throw new UsageError(`no API key: set the environment variable ${API_KEY_VARIABLE} to an Alma API key that may read the Users API`);
  if (/[\r\n]/.test(key)) throw new UsageError(`${API_KEY_VARIABLE} holds a line break; it must be the key alone`);
  const { policy, problems } = ratePolicyFrom({ callsPerSecond: stringOption(args, 'calls-per-second'), dailyReserve: stringOption(args, 'daily-reserve') });
  if (problems.length > 0) throw new UsageError(problems[0]);
  return { gateway, transport: createTransport(gateway, key, { userAgent: `alma-sis-sync/${ctx.version}` }), policy };
}

/** Ctrl-C as a signal, when the context offers it (the built command line does). */
export function interruptSignal(ctx: CliContext): AbortSignal | undefined {
  return ctx.interrupt?.();
}

/** Progress on standard error, on a terminal only, overwritten in place. */
export function progressLine(ctx: CliContext, what: string): { update(done: number, total: number): void; end(): void } {
  let shown = false;
  return {
    update(done, total) {
      if (!ctx.stderr.isTTY) return;
      shown = true;
      ctx.stderr.write(`\r${what}: ${done}/${total}\u001b[K`);
    },
    end() {
      if (shown) ctx.stderr.write('\r\u001b[K');
    },
  };
}

/** An `AlmaStop` as an exit code and a message on standard error. */
export function stopExit(e: AlmaStop, ctx: CliContext, command: string): number {
  ctx.stderr.write(`alma-sis ${command}: ${e.message}\n`);
  return e.reason === 'cancelled' ? EXIT_CANCELLED : 2;
}
