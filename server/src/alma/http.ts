/**
 * The one place that talks to Alma over the network: GET requests to the configured gateway,
 * with the API key in the `Authorization: apikey …` header (never in the URL, so it cannot end
 * up in a log of addresses). Only `https`, except to this machine (127.0.0.1, ::1, localhost),
 * where plain `http` is allowed for tests and local proxies. Connections are kept alive and
 * reused; every request can be aborted.
 *
 * Nothing here logs: the caller decides what to say, and the answers hold personal data.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { ALMA_GATEWAYS, knownGateway, type HttpAnswer } from '../../../shared/src/alma/api';

/** A gateway that cannot be used (not a URL, not https, has a path or credentials). */
export class GatewayError extends Error {}

export interface Gateway {
  /** `https://api-eu.hosted.exlibrisgroup.com` (no trailing slash). */
  readonly origin: string;
  /** The host the key may be sent to. */
  readonly hostname: string;
  readonly port: number;
  readonly secure: boolean;
  /** The region, when it is one of Alma's documented gateways. */
  readonly region?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** `eu`, `api-eu.hosted.exlibrisgroup.com` or a URL → the gateway; throws `GatewayError`. */
export function parseGateway(value: string): Gateway {
  const known = knownGateway(value);
  const text = known?.url ?? (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? value.trim() : `https://${value.trim()}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GatewayError(`"${value}" is not a gateway: give one of ${ALMA_GATEWAYS.map((g) => g.id).join(', ')} or an https URL`);
  }
  const secure = url.protocol === 'https:';
  const loopback = LOOPBACK.has(url.hostname);
  if (!secure && !(url.protocol === 'http:' && loopback)) {
    throw new GatewayError(`the gateway must be an https URL (plain http only to this machine), not ${url.protocol}//${url.host}`);
  }
  if (url.username || url.password) throw new GatewayError('the gateway URL must not hold a user name or password');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new GatewayError(`the gateway is a host only, like ${ALMA_GATEWAYS[0].url} (without /almaws/v1)`);
  }
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  return { origin: url.origin, hostname: url.hostname.replace(/^\[|\]$/g, ''), port, secure, ...(known ? { region: known.region } : {}) };
}

export interface Transport {
  /** GET `pathAndQuery` from the gateway; rejects only when no answer came (network, timeout, abort). */
  get(pathAndQuery: string, signal?: AbortSignal): Promise<HttpAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** A request that got no answer: connection refused, reset, timed out (the runner may try again). */
export class NetworkError extends Error {}

/** The key in the header Alma reads; requests answer JSON. */
export function createTransport(gateway: Gateway, apiKey: string, options: { timeoutMs?: number; userAgent?: string } = {}): Transport {
  const lib = gateway.secure ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 8 });
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    get(pathAndQuery, signal) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason ?? new Error('aborted'));
          return;
        }
        const req = lib.request(
          {
            host: gateway.hostname,
            port: gateway.port,
            path: pathAndQuery,
            method: 'GET',
            agent,
            headers: {
              Authorization: `apikey ${apiKey}`,
              Accept: 'application/json',
              'User-Agent': options.userAgent ?? 'alma-sis-sync',
            },
            timeout: timeoutMs,
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const headers: Record<string, string | undefined> = {};
              for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
              resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', (e) => reject(signal?.aborted ? signal.reason : new NetworkError(e.message)));
          },
        );
        req.on('timeout', () => req.destroy(new NetworkError(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
        req.on('error', (e: NodeJS.ErrnoException) => {
          if (signal?.aborted) reject(signal.reason ?? e);
          else reject(e instanceof NetworkError ? e : new NetworkError(e.code ? `${e.code} (${gateway.hostname})` : e.message));
        });
        req.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}
