/**
 * A small stand-in for Alma's Users and Configuration APIs, on 127.0.0.1 only, for the tests of
 * the refresh (unit, command line and in-editor). It answers as Alma does: "Get user details"
 * with `user_id_type` (all unique identifier types by default), "Retrieve code table", errors as
 * `{"errorsExist": true, "errorList": {"error": [{errorCode, errorMessage, trackingId}]}}` with
 * Alma's codes (401861, 401890, UNAUTHORIZED, PER_SECOND_THRESHOLD, DAILY_THRESHOLD), and the
 * `X-Exl-Api-Remaining` header. Fixtures (`fixtures/`) are in the API's JSON shape.
 *
 * Knobs make it misbehave the ways Alma does: a per-second threshold, a burst of 429s, a daily
 * threshold, server errors, slow answers. Every request is recorded (time, path, query, whether
 * the key came in the header) for the tests to check the client's manners.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

type Json = Record<string, unknown>;

export interface FakeAlmaOptions {
  /** The one key that is accepted. */
  readonly apiKey: string;
  /** Users API JSON users. */
  users?: readonly Json[];
  /** "Retrieve code table" answers (`{name, row: [...]}`). */
  codeTables?: readonly Json[];
  /** More requests than this within any second are answered 429 PER_SECOND_THRESHOLD. */
  perSecond?: number;
  /** The next N user requests are answered 429 PER_SECOND_THRESHOLD (a burst from elsewhere); counts down. */
  burst429?: number;
  /** `Retry-After` (seconds) sent with a 429, if any. */
  retryAfterSeconds?: number;
  /** The next N user requests (after a burst) are answered 503; counts down. */
  serverErrors?: number;
  /** Calls left today; at 0 every call gets 429 DAILY_THRESHOLD. */
  remaining?: number;
  /** Each answer waits this long (for cancel tests). */
  delayMs?: number;
}

export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The key came as `Authorization: apikey …` (not in the URL). */
  readonly keyInHeader: boolean;
  readonly status: number;
}

export interface FakeAlma {
  /** `http://127.0.0.1:PORT`: the gateway to configure. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly options: FakeAlmaOptions;
  /** The most requests that started within any one second. */
  maxPerSecond(): number;
  close(): Promise<void>;
}

/** The fixtures folder (Users API users, code tables), found from this file or a checkout root. */
export function fixturesDir(root?: string): string {
  return root ? path.join(root, 'test', 'fakeAlma', 'fixtures') : path.join(__dirname, 'fixtures');
}

export function loadFixtures(dir = fixturesDir()): { users: Json[]; codeTables: Json[] } {
  const users = JSON.parse(fs.readFileSync(path.join(dir, 'users.json'), 'utf8')) as { user: Json[] };
  const codeTables = JSON.parse(fs.readFileSync(path.join(dir, 'code-tables.json'), 'utf8')) as Json[];
  return { users: users.user, codeTables };
}

let tracking = 0;
function errorBody(code: string, message: string): string {
  tracking++;
  return JSON.stringify({ errorsExist: true, errorList: { error: [{ errorCode: code, errorMessage: message, trackingId: `E01-FAKE-${tracking}` }] }, result: null });
}

function codeOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v) return codeOf((v as { value: unknown }).value);
  return undefined;
}

function findUser(users: readonly Json[], id: string, idType: string | undefined): Json | undefined {
  const want = id.toLowerCase();
  const byIdentifier = (u: Json, type?: string) =>
    ((u.user_identifier as Json[] | undefined) ?? []).some((i) => codeOf(i.value)?.toLowerCase() === want && (type === undefined || codeOf(i.id_type) === type));
  if (!idType || idType === 'all_unique') {
    return users.find((u) => codeOf(u.primary_id)?.toLowerCase() === want) ?? users.find((u) => byIdentifier(u));
  }
  return users.find((u) => byIdentifier(u, idType));
}

export function startFakeAlma(options: FakeAlmaOptions): Promise<FakeAlma> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const auth = req.headers.authorization ?? '';
    const keyInHeader = auth.startsWith('apikey ');
    const key = keyInHeader ? auth.slice('apikey '.length) : (query.apikey ?? '');
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      requests.push({ at, method: req.method ?? '', path: url.pathname, query, keyInHeader, status });
      const send = () => {
        if (res.destroyed) return;
        const remaining = options.remaining;
        res.writeHead(status, {
          'Content-Type': 'application/json;charset=UTF-8',
          ...(remaining !== undefined ? { 'X-Exl-Api-Remaining': String(Math.max(0, remaining)) } : {}),
          ...headers,
        });
        res.end(body);
      };
      if (options.delayMs) setTimeout(send, options.delayMs);
      else send();
    };
    if (req.method !== 'GET') return answer(405, errorBody('60101', 'General Error: An error has occurred while processing the request.'));
    if (key !== options.apiKey) return answer(400, errorBody('UNAUTHORIZED', 'API-key not defined or not configured to allow this API.'));
    if (options.remaining !== undefined) {
      if (options.remaining <= 0) return answer(429, errorBody('DAILY_THRESHOLD', 'Daily API Request Threshold has been reached. For details see: https://developers.exlibrisgroup.com/alma/apis#threshold'));
      options.remaining--;
    }
    const inLastSecond = requests.filter((r) => r.at > at - 1000).length + 1;
    if (options.perSecond !== undefined && inLastSecond > options.perSecond) {
      return answer(429, errorBody('PER_SECOND_THRESHOLD', 'HTTP requests are more than allowed per second'), options.retryAfterSeconds ? { 'Retry-After': String(options.retryAfterSeconds) } : {});
    }
    const user = /^\/almaws\/v1\/users\/([^/]+)$/.exec(url.pathname);
    if (user) {
      if (options.burst429) {
        options.burst429--;
        return answer(429, errorBody('PER_SECOND_THRESHOLD', 'HTTP requests are more than allowed per second'), options.retryAfterSeconds ? { 'Retry-After': String(options.retryAfterSeconds) } : {});
      }
      if (options.serverErrors) {
        options.serverErrors--;
        return answer(503, '<html><body>Service Temporarily Unavailable</body></html>', { 'Content-Type': 'text/html' });
      }
      const id = decodeURIComponent(user[1]);
      const idType = query.user_id_type;
      const found = findUser(options.users ?? [], id, idType);
      if (found) return answer(200, JSON.stringify(found));
      return idType && idType !== 'all_unique'
        ? answer(400, errorBody('401890', `User with identifier ${id} of type ${idType} was not found.`))
        : answer(400, errorBody('401861', `User with identifier ${id} was not found.`));
    }
    const table = /^\/almaws\/v1\/conf\/code-tables\/([^/]+)$/.exec(url.pathname);
    if (table) {
      const name = decodeURIComponent(table[1]);
      const found = (options.codeTables ?? []).find((t) => t.name === name);
      // Alma's code for an unknown table is not documented; its generic error stands in.
      if (!found) return answer(400, errorBody('60101', `General Error: An error has occurred while processing the request. Code table ${name} not found.`));
      return answer(200, JSON.stringify(found));
    }
    return answer(400, errorBody('60101', 'General Error: An error has occurred while processing the request.'));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        options,
        maxPerSecond() {
          let best = 0;
          const times = requests.map((r) => r.at).sort((a, b) => a - b);
          for (let i = 0, j = 0; j < times.length; j++) {
            while (times[j] - times[i] >= 1000) i++;
            best = Math.max(best, j - i + 1);
          }
          return best;
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
