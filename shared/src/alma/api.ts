/**
 * Facts about Alma's REST APIs that the refresh needs, as data: the regional gateways, the two
 * endpoints it calls, Alma's published limits, and how to read an answer (success, an error in
 * Alma's words, a throttled call). Pure: the Node side does the HTTP and hands the answers here.
 *
 * Sources (Ex Libris Developer Network):
 * - "Get user details" (`GET /almaws/v1/users/{user_id}`): parameters `user_id_type` (default
 *   all_unique: every unique identifier type), `view` (full/brief), `expand` (none, loans,
 *   requests, fees); errors 401861 "User with identifier X was not found." and 401890 "User with
 *   identifier X of type Y was not found.".
 * - "Working with the code tables API" (tech blog): `GET /almaws/v1/conf/code-tables/{name}`
 *   answers `{name, description, row: [{code, description, default, enabled}]}`.
 * - "API Governance Thresholds" (Alma REST APIs, "Getting Started"): a per-second threshold per
 *   institution, answered with HTTP 429 and error code PER_SECOND_THRESHOLD ("HTTP requests are
 *   more than allowed per second"), and a daily threshold (1,000 calls per named user licence,
 *   summed over the institution, sandbox calls included: knowledge article "API call limitation
 *   Sandbox"), answered with 429 and DAILY_THRESHOLD. Every answer carries
 *   `X-Exl-Api-Remaining`, the calls left today.
 * - Errors come as `{"errorsExist": true, "errorList": {"error": [{"errorCode", "errorMessage",
 *   "trackingId"}]}}` (or the same as `<web_service_result>` XML); an API key that is unknown or
 *   not allowed this API gets 400 UNAUTHORIZED "API-key not defined or not configured to allow
 *   this API.", and the gateway answers some bad keys with 401 or 403 (INVALID_REQUEST,
 *   FORBIDDEN).
 */
import { XMLParser } from 'fast-xml-parser';

export interface AlmaGateway {
  /** Short name for the command line (`--gateway eu`). */
  readonly id: string;
  /** Where the institution's data centre is, as Ex Libris names the region. */
  readonly region: string;
  readonly url: string;
}

/** The API gateways Ex Libris publishes (the `servers` of its OpenAPI descriptions). */
export const ALMA_GATEWAYS: readonly AlmaGateway[] = [
  { id: 'na', region: 'North America', url: 'https://api-na.hosted.exlibrisgroup.com' },
  { id: 'eu', region: 'Europe', url: 'https://api-eu.hosted.exlibrisgroup.com' },
  { id: 'ap', region: 'Asia Pacific (Singapore)', url: 'https://api-ap.hosted.exlibrisgroup.com' },
  { id: 'aps', region: 'Asia Pacific (Australia)', url: 'https://api-aps.hosted.exlibrisgroup.com' },
  { id: 'ca', region: 'Canada', url: 'https://api-ca.hosted.exlibrisgroup.com' },
  { id: 'cn', region: 'China', url: 'https://api-cn.hosted.exlibrisgroup.com.cn' },
];

/** The gateway named by its id (`eu`) or its exact URL; undefined for anything else. */
export function knownGateway(idOrUrl: string): AlmaGateway | undefined {
  const t = idOrUrl.trim().replace(/\/+$/, '').toLowerCase();
  return ALMA_GATEWAYS.find((g) => g.id === t || g.url === t);
}

/** The per-second threshold of an institution ("API Governance Thresholds"). */
export const ALMA_CALLS_PER_SECOND_LIMIT = 25;

/** The header with the calls the institution has left today. */
export const REMAINING_HEADER = 'x-exl-api-remaining';

/** How the refresh looks a user up. */
export interface UserLookup {
  /** The value looked up: a Match ID value from the file, or a snapshot user's primary id. */
  readonly id: string;
  /** `user_id_type`: an identifier type code, or undefined for Alma's default (all unique types). */
  readonly idType?: string;
}

/** Path and query of "Get user details" for a lookup: the full user, without counters. */
export function userPath(lookup: UserLookup): string {
  const query = [...(lookup.idType ? [`user_id_type=${encodeURIComponent(lookup.idType)}`] : []), 'view=full', 'expand=none'];
  return `/almaws/v1/users/${encodeURIComponent(lookup.id)}?${query.join('&')}`;
}

/** Path of "Retrieve code table". */
export function codeTablePath(name: string): string {
  return `/almaws/v1/conf/code-tables/${encodeURIComponent(name)}`;
}

/** One error of Alma's error list. */
export interface AlmaError {
  readonly code: string;
  readonly message: string;
  readonly trackingId?: string;
}

/** An HTTP answer as the Node side received it (header names in lower case). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** Codes of "Get user details" that mean: no such user. */
const NOT_FOUND_CODES = new Set(['401861', '401890', '4019990', '4019998']);
/** Codes that mean: this key may not make this call. */
const KEY_CODES = new Set(['UNAUTHORIZED', 'INVALID_REQUEST', 'FORBIDDEN', 'INVALID_API_KEY']);

/** What an answer means for the caller. */
export type AnswerKind =
  /** A usable answer: `json` is the parsed body. */
  | { readonly kind: 'ok'; readonly json: unknown }
  /** The user or table does not exist (not an error of the run). */
  | { readonly kind: 'not-found'; readonly error: AlmaError }
  /** Over the per-second threshold: wait and try again. */
  | { readonly kind: 'throttled'; readonly error?: AlmaError; readonly retryAfterMs?: number }
  /** The institution's calls for today are spent: stop. */
  | { readonly kind: 'daily-limit'; readonly error?: AlmaError }
  /** The key is unknown, or not allowed this API, or not for this gateway: stop. */
  | { readonly kind: 'invalid-key'; readonly error?: AlmaError; readonly status: number }
  /** A server error (5xx) or an unreadable success: try again later. */
  | { readonly kind: 'server-error'; readonly status: number; readonly error?: AlmaError }
  /** Any other refusal: this call failed, in Alma's words when it gave any. */
  | { readonly kind: 'failed'; readonly status: number; readonly error?: AlmaError };

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function errorFrom(raw: unknown): AlmaError | undefined {
  const o = asObject(raw);
  if (!o) return undefined;
  const code = o.errorCode;
  const message = o.errorMessage;
  if (code === undefined && message === undefined) return undefined;
  const trackingId = typeof o.trackingId === 'string' ? o.trackingId : undefined;
  return { code: String(code ?? '').trim(), message: String(message ?? '').trim(), ...(trackingId ? { trackingId } : {}) };
}

function errorsOf(doc: unknown): AlmaError[] {
  const root = asObject(doc);
  const wrapped = asObject(root?.web_service_result) ?? root;
  const list = asObject(wrapped?.errorList)?.error;
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return items.map(errorFrom).filter((e): e is AlmaError => e !== undefined);
}

/** Alma's errors in an answer body (JSON or XML); empty when there are none or it is not readable. */
export function almaErrors(body: string): AlmaError[] {
  const t = body.replace(/^\uFEFF/, '').trim();
  if (t.startsWith('{')) {
    try {
      return errorsOf(JSON.parse(t));
    } catch {
      return [];
    }
  }
  if (t.startsWith('<')) {
    try {
      const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: false, isArray: (name) => name === 'error' });
      return errorsOf(parser.parse(t));
    } catch {
      return [];
    }
  }
  return [];
}

/** `Retry-After` (seconds, or an HTTP date) in milliseconds from `now`. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const at = Date.parse(t);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The calls left today, from `X-Exl-Api-Remaining`; undefined when absent or unreadable. */
export function remainingCalls(answer: Pick<HttpAnswer, 'headers'>): number | undefined {
  const v = answer.headers[REMAINING_HEADER];
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}

/** What an answer means; `now` only dates a `Retry-After` given as a date. */
export function classifyAnswer(answer: HttpAnswer, now: number): AnswerKind {
  const errors = almaErrors(answer.body);
  const first = errors[0];
  const has = (codes: ReadonlySet<string>) => errors.find((e) => codes.has(e.code.toUpperCase()));
  const daily = errors.find((e) => e.code.toUpperCase() === 'DAILY_THRESHOLD');
  if (daily) return { kind: 'daily-limit', error: daily };
  if (answer.status === 429 || errors.some((e) => e.code.toUpperCase() === 'PER_SECOND_THRESHOLD')) {
    return { kind: 'throttled', error: first, retryAfterMs: retryAfterMs(answer.headers['retry-after'], now) };
  }
  const key = has(KEY_CODES);
  if (key || answer.status === 401 || answer.status === 403) return { kind: 'invalid-key', error: key ?? first, status: answer.status };
  const missing = errors.find((e) => NOT_FOUND_CODES.has(e.code));
  if (missing) return { kind: 'not-found', error: missing };
  if (answer.status >= 500) return { kind: 'server-error', status: answer.status, error: first };
  if (answer.status >= 200 && answer.status < 300 && errors.length === 0) {
    try {
      return { kind: 'ok', json: JSON.parse(answer.body.replace(/^\uFEFF/, '')) };
    } catch {
      // A cut-off or non-JSON success (a proxy's page): worth another try.
      return { kind: 'server-error', status: answer.status };
    }
  }
  return { kind: 'failed', status: answer.status, error: first };
}

/** Alma's own words for an error, with its code: `API-key not defined … (UNAUTHORIZED)`. */
export function describeAlmaError(error: AlmaError | undefined, fallback: string): string {
  if (!error || (error.message === '' && error.code === '')) return fallback;
  if (error.message === '') return `error ${error.code}`;
  return error.code === '' ? error.message : `${error.message} (${error.code})`;
}
