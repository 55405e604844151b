/**
 * Lexical checks of the XSD's simple types, as libxml2 applies them (checked against
 * xmllint 2.9.14 and rest_users.xsd): `xs:date`/`xs:dateTime`/`xs:int`/`xs:long` reject surrounding
 * whitespace, `xs:boolean`/`xs:float` accept it. Char loops, no regular expressions: these run
 * for every typed value of every user.
 */

const isDigit = (c: number) => c >= 48 && c <= 57;
export const isXmlSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/** True when `s` holds a character other than XML whitespace. */
export function hasNonSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isXmlSpace(s.charCodeAt(i))) return true;
  return false;
}

/** Length in characters (code points), as XSD's `maxLength` counts. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function two(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  if (!isDigit(a) || !isDigit(b)) return -1;
  return (a - 48) * 10 + (b - 48);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Reads `-?YYYY-MM-DD` from `i`; returns the index after it, or -1. Years of more than four
 * digits may not start with 0; year 0000 is not allowed (XSD 1.0, as libxml2).
 */
function readDate(s: string, i: number): number {
  if (s.charCodeAt(i) === 45 /* - */) i++;
  const y0 = i;
  let year = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) {
    year = year * 10 + (s.charCodeAt(i) - 48);
    i++;
  }
  const digits = i - y0;
  if (digits < 4 || (digits > 4 && s.charCodeAt(y0) === 48) || year === 0) return -1;
  if (s.charCodeAt(i) !== 45) return -1;
  const month = two(s, i + 1);
  if (month < 1 || month > 12 || s.charCodeAt(i + 3) !== 45) return -1;
  const day = two(s, i + 4);
  if (day < 1 || day > daysIn(month, year)) return -1;
  return i + 6;
}

/** Optional time zone at `i` (`Z` or `±hh:mm`, at most 14:00) up to the end of `s`. */
function zoneToEnd(s: string, i: number): boolean {
  if (i === s.length) return true;
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */) return i + 1 === s.length;
  if (c !== 43 && c !== 45) return false;
  if (i + 6 !== s.length || s.charCodeAt(i + 3) !== 58) return false;
  const h = two(s, i + 1);
  const m = two(s, i + 4);
  if (h < 0 || m < 0 || m > 59) return false;
  return h < 14 || (h === 14 && m === 0);
}

/** `xs:date`: `YYYY-MM-DD` with an optional time zone (`Z`, `+02:00`), no surrounding spaces. */
export function isXsdDate(s: string): boolean {
  const i = readDate(s, 0);
  return i > 0 && zoneToEnd(s, i);
}

/** `xs:dateTime`: `YYYY-MM-DDThh:mm:ss[.fff]` with an optional time zone; `24:00:00` allowed. */
export function isXsdDateTime(s: string): boolean {
  let i = readDate(s, 0);
  if (i < 0 || s.charCodeAt(i) !== 84 /* T */) return false;
  const h = two(s, i + 1);
  const m = two(s, i + 4);
  const sec = two(s, i + 7);
  if (s.charCodeAt(i + 3) !== 58 || s.charCodeAt(i + 6) !== 58 || h < 0 || m < 0 || sec < 0) return false;
  if (h > 24 || m > 59 || sec > 59) return false;
  i += 9;
  let fractionNonZero = false;
  if (s.charCodeAt(i) === 46 /* . */) {
    const f0 = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) {
      if (s.charCodeAt(i) !== 48) fractionNonZero = true;
      i++;
    }
    if (i === f0) return false;
  }
  if (h === 24 && (m !== 0 || sec !== 0 || fractionNonZero)) return false;
  return zoneToEnd(s, i);
}

/** `xs:boolean` after whitespace collapsing: `true`, `false`, `1`, `0` (not `TRUE`). */
export function isXsdBoolean(trimmed: string): boolean {
  return trimmed === 'true' || trimmed === 'false' || trimmed === '1' || trimmed === '0';
}

/** A safe replacement for a boolean Alma would not read (`TRUE` → `true`, `yes` → `true`), if any. */
export function booleanReplacement(trimmed: string): string | undefined {
  const l = trimmed.toLowerCase();
  if (l === 'true' || l === 'yes' || l === 'y' || l === 't') return 'true';
  if (l === 'false' || l === 'no' || l === 'n' || l === 'f') return 'false';
  return undefined;
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

function isInteger(s: string, min: bigint, max: bigint): boolean {
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i = 1;
  if (i === s.length) return false;
  for (let j = i; j < s.length; j++) if (!isDigit(s.charCodeAt(j))) return false;
  const v = BigInt(s.charCodeAt(0) === 43 ? s.slice(1) : s);
  return v >= min && v <= max;
}

/** `xs:int`, no surrounding spaces (libxml2). */
export const isXsdInt = (s: string) => isInteger(s, INT_MIN, INT_MAX);
/** `xs:long`, no surrounding spaces (libxml2). */
export const isXsdLong = (s: string) => isInteger(s, LONG_MIN, LONG_MAX);

/** `xs:float` after trimming: decimal with optional exponent, `INF`, `-INF`, `NaN`. */
export function isXsdFloat(trimmed: string): boolean {
  const s = trimmed;
  if (s === 'INF' || s === '-INF' || s === 'NaN') return true;
  let i = 0;
  if (s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45) i++;
  let digits = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (s.charCodeAt(i) === 46) {
    i++;
    while (i < s.length && isDigit(s.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) {
    i++;
    if (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) i++;
    const e0 = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === e0) return false;
  }
  return i === s.length;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function splitNumbers(s: string, sep: number): number[] | undefined {
  const parts: number[] = [];
  let cur = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) cur = (cur < 0 ? 0 : cur * 10) + (c - 48);
    else if (c === sep && cur >= 0) {
      parts.push(cur);
      cur = -1;
    } else return undefined;
  }
  if (cur < 0) return undefined;
  parts.push(cur);
  return parts;
}

/**
 * The `xs:date` a malformed date most likely meant, when that is unambiguous: `2024-1-5` →
 * `2024-01-05`, `2024/01/05` → `2024-01-05`, `20240105` → `2024-01-05`, a date-time → its date,
 * `2024-01-05 Z` → `2024-01-05Z`. Undefined when there is no safe guess.
 */
export function fixDate(value: string): string | undefined {
  let s = value.trim();
  let zone = '';
  if (s.endsWith('Z') || s.endsWith('z')) {
    zone = 'Z';
    s = s.slice(0, -1).trim();
  }
  const t = s.indexOf('T');
  if (t === 10 && isXsdDate(s.slice(0, 10))) return s.slice(0, 10) + zone;
  let ymd: number[] | undefined;
  if (s.length === 8 && splitNumbers(s, 0)) {
    ymd = [Number(s.slice(0, 4)), Number(s.slice(4, 6)), Number(s.slice(6, 8))];
  } else {
    ymd = splitNumbers(s, 45) ?? splitNumbers(s, 47) ?? splitNumbers(s, 46);
    // Only year-first forms: day-first vs month-first (01/02/2024) is a guess we do not make.
    if (!ymd || ymd.length !== 3 || ymd[0] < 1000) return undefined;
  }
  const out = `${ymd[0]}-${pad2(ymd[1])}-${pad2(ymd[2])}${zone}`;
  return out !== value && isXsdDate(out) ? out : undefined;
}

/** `YYYY-MM-DD` of a valid `xs:date` with a four-digit year (for comparisons), else undefined. */
export function dateKey(validDate: string): string | undefined {
  if (validDate.length < 10 || validDate.charCodeAt(4) !== 45) return undefined;
  return validDate.slice(0, 10);
}
