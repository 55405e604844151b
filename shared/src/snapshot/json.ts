/**
 * A small JSON reader that remembers where things are: the start and end offset of every
 * object and array (by identity). The snapshot reader uses the offsets to report problems with
 * a line, and to write back users it did not change exactly as they were (byte for byte).
 * Duplicate keys keep the last value, as `JSON.parse` does, and are reported. Nesting deeper
 * than `MAX_DEPTH` is refused with a message rather than overflowing the stack.
 */
export interface JsonSpan {
  readonly start: number;
  readonly end: number;
}

export interface JsonParseResult {
  readonly value: unknown;
  /** Offsets of every object and array in `value`. */
  readonly spans: WeakMap<object, JsonSpan>;
  /** Keys that appeared twice in one object, with the offset of the second one. */
  readonly duplicateKeys: readonly { readonly key: string; readonly offset: number }[];
}

export class JsonSyntaxError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

const MAX_DEPTH = 512;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parse JSON text; throws `JsonSyntaxError` (with an offset) on malformed input. */
export function parseJsonWithSpans(text: string): JsonParseResult {
  const spans = new WeakMap<object, JsonSpan>();
  const duplicateKeys: { key: string; offset: number }[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark is not JSON, but harmless here

  const fail = (msg: string): never => {
    throw new JsonSyntaxError(i >= n ? `${msg} (the text ends too early)` : msg, Math.min(i, n));
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let from = i;
    for (;;) {
      if (i >= n) fail('Unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(from, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('Control character inside a string');
      if (c === 0x5c) {
        out += text.slice(from, i);
        const e = text[i + 1];
        if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('Bad escape in a string');
        from = i;
      } else i++;
    }
  };
  const value = (depth: number): unknown => {
    ws();
    if (depth > MAX_DEPTH) fail(`Nested deeper than ${MAX_DEPTH} levels`);
    const c = text[i];
    if (c === '{') {
      const start = i;
      const obj: Record<string, unknown> = {};
      const seen = new Set<string>();
      i++;
      ws();
      if (text[i] === '}') i++;
      else {
        for (;;) {
          ws();
          if (text[i] !== '"') fail('Expected a property name in double quotes');
          const keyAt = i;
          const key = str();
          ws();
          if (text[i] !== ':') fail('Expected ":" after a property name');
          i++;
          const v = value(depth + 1);
          if (seen.has(key)) {
            duplicateKeys.push({ key, offset: keyAt });
            delete obj[key];
          }
          seen.add(key);
          // An own property even for "__proto__", as JSON.parse makes it (never the prototype).
          if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
          else obj[key] = v;
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            break;
          }
          fail('Expected "," or "}"');
        }
      }
      spans.set(obj, { start, end: i });
      return obj;
    }
    if (c === '[') {
      const start = i;
      const arr: unknown[] = [];
      i++;
      ws();
      if (text[i] === ']') i++;
      else {
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            break;
          }
          fail('Expected "," or "]"');
        }
      }
      spans.set(arr, { start, end: i });
      return arr;
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(i >= n ? 'Expected a value' : `Unexpected character ${JSON.stringify(text[i])}`);
  };

  const root = value(0);
  ws();
  if (i < n) fail('Unexpected text after the JSON value');
  return { value: root, spans, duplicateKeys };
}

/**
 * Where each element of the top-level object's `users` array is, in a text that `JSON.parse`
 * has already accepted: a scan that only follows strings and brackets, many times faster than
 * reading values. Undefined when the root is not an object with a `users` array. When `users`
 * appears twice, the last one counts (as in `JSON.parse`).
 */
export function topLevelArraySpans(text: string, key: string): JsonSpan[] | undefined {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  /** From an opening quote to just after the closing one. */
  const skipString = (from: number): number => {
    let j = from + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) return n;
      let b = q - 1;
      while (text.charCodeAt(b) === 0x5c) b--;
      if ((q - 1 - b) % 2 === 0) return q + 1; // an even number of backslashes: the quote ends the string
      j = q + 1;
    }
  };
  const skipValue = (from: number): number => {
    const c = text.charCodeAt(from);
    if (c === 0x22) return skipString(from);
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      let j = from;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x22) {
          j = skipString(j);
          continue;
        }
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) {
          depth--;
          if (depth === 0) return j + 1;
        }
        j++;
      }
      return n;
    }
    let j = from;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 0x2c || d === 0x5d || d === 0x7d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      j++;
    }
    return j;
  };
  ws();
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  i++;
  let found: JsonSpan[] | undefined;
  for (;;) {
    ws();
    if (i >= n || text.charCodeAt(i) === 0x7d) break;
    if (text.charCodeAt(i) === 0x2c) {
      i++;
      continue;
    }
    const keyEnd = skipString(i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = keyEnd;
    ws();
    i++; // ':'
    ws();
    if (name === key && text.charCodeAt(i) === 0x5b) {
      const spans: JsonSpan[] = [];
      i++;
      for (;;) {
        ws();
        const c = text.charCodeAt(i);
        if (i >= n || c === 0x5d) {
          i++;
          break;
        }
        if (c === 0x2c) {
          i++;
          continue;
        }
        const start = i;
        i = skipValue(i);
        spans.push({ start, end: i });
      }
      found = spans;
    } else {
      if (name === key) found = undefined;
      i = skipValue(i);
    }
  }
  return found;
}
