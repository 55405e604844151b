/**
 * A snapshot read piece by piece, never held whole: `alma-sis plan` and `apply` index a snapshot
 * of 100,000 users (170 MB) by its users' keys and byte ranges, and read back only the entries
 * the file matches.
 *
 * The bytes are checked as JSON as they pass (the whole grammar: a broken snapshot is refused
 * with the line, as when it is read whole) and each entry of `users` is handed over with its
 * byte range and the few values the index and the entry checks need (`user.primary_id`, the
 * identifiers, `user.account_type`, `sync`): parsing every entry in full cost more than twice
 * as much (measured in docs/performance.md). Structural characters of JSON are ASCII, and no
 * byte of a multi-byte UTF-8 sequence is, so the bytes are read as they are; the caller checks
 * that they are UTF-8 and passes the decoder (the core has none).
 */
import type { SnapshotProblem } from './snapshot';

/** What the index and the entry checks read of an entry: the entry with only these keys of its user. */
export interface EntrySummary {
  /** Position in `users`. */
  readonly k: number;
  /** Byte range of the entry in the file. */
  readonly start: number;
  readonly end: number;
  /** The entry with `user` reduced to `primary_id`, `user_identifier`, `user_identifiers`, `account_type`, and `sync`; the whole value when it is not an object. */
  readonly raw: unknown;
}

export interface SnapshotStreamEnd {
  /** The top-level object without `users` (keys in file order), or undefined when the text is not a snapshot object. */
  readonly root: Record<string, unknown> | undefined;
  /** Position of `users` among the top-level keys (-1 when absent), for a writer that keeps the order. */
  readonly usersKeyIndex: number;
  /** `users` is present but not a list. */
  readonly usersNotList: boolean;
  readonly entries: number;
  /** Syntax errors and problems of the text as such (entries' problems are the caller's). */
  readonly problems: readonly SnapshotProblem[];
}

/** Keys of the user the index and the checks read. */
const USER_KEYS: ReadonlySet<string> = new Set(['primary_id', 'user_identifier', 'user_identifiers', 'account_type']);
/** The keys of an entry and of its user that are read (any other is only checked, never made a string). */
const ENTRY_KEYS: readonly string[] = ['user', 'sync', ...USER_KEYS];

const enum B {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  LBrace = 123,
  RBrace = 125,
}

/** A syntax error at a byte offset (absolute). */
class JsonFail {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** The scan ran into the end of the bytes so far: wait for more. */
const MORE = -1;

const isWs = (c: number) => c === B.Space || c === B.LF || c === B.CR || c === B.Tab;

type State = 'start' | 'key' | 'keyOrEnd' | 'colon' | 'value' | 'commaOrEnd' | 'usersItemOrEnd' | 'usersItem' | 'usersCommaOrEnd' | 'after' | 'failed';

export class SnapshotStreamReader {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  /** Absolute offset of `buf[0]`. */
  private base = 0;
  /** Next byte to read in `buf`. */
  private pos = 0;
  /** Line breaks before `buf[0]`, and whether `buf[0]` follows a `\r`. */
  private linesBefore = 0;
  private afterCr = false;
  private state: State = 'start';
  private key = '';
  private readonly root: Record<string, unknown> = {};
  private usersKeyIndex = -1;
  private usersNotList = false;
  private keyCount = 0;
  private entries = 0;
  private ended = false;
  /** Unread bytes when the last item ran out of text: read again when twice as many have come. */
  private waitFor = 0;
  private notObject = false;
  private readonly problems: SnapshotProblem[] = [];

  constructor(
    private readonly decode: (bytes: Uint8Array) => string,
    private readonly onEntry: (entry: EntrySummary) => void,
  ) {}

  push(bytes: Uint8Array): void {
    if (this.state === 'failed' || this.state === 'after' && this.notObject) return;
    if (this.len + bytes.length > this.buf.length) {
      // Forget what was read, then grow if that is not enough.
      this.compact();
      if (this.len + bytes.length > this.buf.length) {
        const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + bytes.length));
        bigger.set(this.buf.subarray(0, this.len));
        this.buf = bigger;
      }
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    if (this.len - this.pos < this.waitFor) return;
    this.run();
  }

  end(): SnapshotStreamEnd {
    this.ended = true;
    if (this.state !== 'failed') this.run();
    if (this.state !== 'after' && this.state !== 'failed') this.fail(new JsonFail('The text ends too early', this.base + this.len));
    const usable = this.state === 'after' && !this.notObject;
    return { root: usable ? this.root : undefined, usersKeyIndex: this.usersKeyIndex, usersNotList: this.usersNotList, entries: this.entries, problems: this.problems };
  }

  /** The top-level keys read so far (`users` left out). */
  rootSoFar(): Readonly<Record<string, unknown>> {
    return this.root;
  }

  /** Where the last line was asked (buffer index and line breaks before it): lines asked in order take one pass. */
  private cursor = { base: -1, k: 0, breaks: 0 };

  /** 1-based line of an absolute offset in the bytes not yet forgotten (the current item's). */
  lineAt(offset: number): number {
    const until = Math.min(offset - this.base, this.len);
    let { k, breaks } = this.cursor;
    if (this.cursor.base !== this.base || k > until) {
      k = this.afterCr && this.buf[0] === B.LF ? 1 : 0;
      breaks = this.linesBefore;
    }
    for (; k < until; k++) {
      const c = this.buf[k];
      if (c === B.LF || (c === B.CR && this.buf[k + 1] !== B.LF)) breaks++;
    }
    this.cursor = { base: this.base, k, breaks };
    return breaks + 1;
  }

  private compact(): void {
    const n = this.pos;
    if (n === 0) return;
    let k = this.afterCr && this.buf[0] === B.LF ? 1 : 0;
    const cr = this.buf.indexOf(B.CR, k);
    if (cr < 0 || cr >= n) {
      // No `\r` (as a snapshot this tool writes): the line breaks are the `\n`s, found natively.
      for (let at = this.buf.indexOf(B.LF, k); at >= 0 && at < n; at = this.buf.indexOf(B.LF, at + 1)) this.linesBefore++;
      k = n;
    }
    for (; k < n; k++) {
      const c = this.buf[k];
      if (c === B.LF) this.linesBefore++;
      else if (c === B.CR) {
        if (k + 1 < n && this.buf[k + 1] === B.LF) k++;
        this.linesBefore++;
      }
    }
    // A `\r` that ends what is dropped may be followed by the `\n` of the same break.
    this.afterCr = this.buf[n - 1] === B.CR;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.base += n;
    this.pos = 0;
  }

  private fail(e: JsonFail): void {
    this.state = 'failed';
    this.problems.push({ severity: 'error', path: '$', message: `Not valid JSON: ${e.message}`, offset: e.offset, line: this.lineAt(e.offset) });
  }

  private skipWs(): void {
    while (this.pos < this.len && isWs(this.buf[this.pos])) this.pos++;
  }

  private run(): void {
    try {
      this.steps();
    } catch (e) {
      if (!(e instanceof JsonFail)) throw e;
      this.fail(e);
    }
  }

  private steps(): void {
    const buf = this.buf;
    for (;;) {
      if (this.state === 'failed') return;
      if (this.pos === 0 && this.base === 0 && this.state === 'start' && this.len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3; // a byte-order mark is harmless here
      this.skipWs();
      if (this.pos >= this.len) {
        this.waitFor = 0;
        return;
      }
      const at = this.pos;
      const c = buf[at];
      switch (this.state) {
        case 'start':
          if (this.len - at < 3 && !this.ended && c === 0xef) return this.wait(at);
          if (c !== B.LBrace) {
            this.notObject = true;
            this.state = 'after';
            this.problems.push({ severity: 'error', path: '$', message: 'A snapshot must be a JSON object with "format", "version" and "users"', offset: 0, line: 1 });
            return;
          }
          this.pos++;
          this.state = 'keyOrEnd';
          continue;
        case 'keyOrEnd':
        case 'key': {
          if (c === B.RBrace && this.state === 'keyOrEnd') {
            this.pos++;
            this.state = 'after';
            continue;
          }
          if (c !== B.Quote) throw new JsonFail('Expected a property name in double quotes', this.base + at);
          const end = this.scanString(at);
          if (end === MORE) return this.wait(at);
          this.key = this.keyOf(at, end);
          this.pos = end;
          this.state = 'colon';
          continue;
        }
        case 'colon':
          if (c !== B.Colon) throw new JsonFail('Expected ":" after a property name', this.base + at);
          this.pos++;
          this.state = 'value';
          continue;
        case 'value': {
          if (this.key === 'users' && this.usersKeyIndex >= 0) throw new JsonFail('"users" appears twice in the snapshot', this.base + at);
          if (this.key === 'users' && c === B.LBracket) {
            this.usersKeyIndex = this.keyCount++;
            this.pos++;
            this.state = 'usersItemOrEnd';
            continue;
          }
          const end = this.scanValue(at);
          if (end === MORE) return this.wait(at);
          const value = JSON.parse(this.decode(buf.subarray(at, end))) as unknown;
          if (this.key === 'users') {
            this.usersKeyIndex = this.keyCount++;
            this.usersNotList = true;
          } else {
            // Duplicate keys: the last one counts (as in JSON.parse), in the place of the first.
            if (!(this.key in this.root)) this.keyCount++;
            this.setRoot(this.key, value);
          }
          this.pos = end;
          this.state = 'commaOrEnd';
          continue;
        }
        case 'commaOrEnd':
          if (c === B.Comma) this.state = 'key';
          else if (c === B.RBrace) this.state = 'after';
          else throw new JsonFail('Expected "," or "}"', this.base + at);
          this.pos++;
          continue;
        case 'usersItemOrEnd':
        case 'usersItem': {
          if (c === B.RBracket && this.state === 'usersItemOrEnd') {
            this.pos++;
            this.state = 'commaOrEnd';
            continue;
          }
          const entry: Record<string, unknown> = {};
          const end = this.scanValue(at, entry);
          if (end === MORE) return this.wait(at);
          const raw = buf[at] === B.LBrace ? entry : (JSON.parse(this.decode(buf.subarray(at, end))) as unknown);
          this.onEntry({ k: this.entries++, start: this.base + at, end: this.base + end, raw });
          this.pos = end;
          this.state = 'usersCommaOrEnd';
          continue;
        }
        case 'usersCommaOrEnd':
          if (c === B.Comma) this.state = 'usersItem';
          else if (c === B.RBracket) this.state = 'commaOrEnd';
          else throw new JsonFail('Expected "," or "]"', this.base + at);
          this.pos++;
          continue;
        case 'after':
          if (this.notObject) return;
          throw new JsonFail('Unexpected text after the JSON value', this.base + at);
      }
    }
  }

  /** An own property even for "__proto__", as JSON.parse makes it. */
  private setRoot(key: string, value: unknown): void {
    if (key === '__proto__') Object.defineProperty(this.root, key, { value, enumerable: true, writable: true, configurable: true });
    else this.root[key] = value;
  }

  /** The item at `at` ran out of text: read it again when the unread bytes have doubled (a huge item is not re-read on every piece). */
  private wait(at: number): void {
    this.pos = at;
    if (this.ended) throw new JsonFail('The text ends too early', this.base + this.len);
    this.waitFor = 2 * (this.len - at);
  }

  private keyOf(start: number, end: number): string {
    // Most keys need no unescaping: compare bytes, decode only then.
    for (let k = start + 1; k < end - 1; k++) if (this.buf[k] === B.Backslash || this.buf[k] >= 0x80) return JSON.parse(this.decode(this.buf.subarray(start, end))) as string;
    let s = '';
    for (let k = start + 1; k < end - 1; k++) s += String.fromCharCode(this.buf[k]);
    return s;
  }

  /** The key from `"` at `start` to `end` when it is one of `ENTRY_KEYS`, else '' (compared byte by byte: no string is made for the other keys). */
  private entryKeyOf(start: number, end: number): string {
    const buf = this.buf;
    const n = end - start - 2;
    for (let k = start + 1; k < end - 1; k++) if (buf[k] === B.Backslash) return this.keyOf(start, end);
    for (const want of ENTRY_KEYS) {
      if (want.length !== n) continue;
      let i = 0;
      while (i < n && buf[start + 1 + i] === want.charCodeAt(i)) i++;
      if (i === n) return want;
    }
    return '';
  }

  /** From `"` at `at`: the offset after the closing quote, or MORE. */
  private scanString(at: number): number {
    const buf = this.buf;
    const len = this.len;
    let p = at + 1;
    for (;;) {
      if (p >= len) return MORE;
      const c = buf[p];
      if (c === B.Quote) return p + 1;
      if (c < 0x20) throw new JsonFail('Control character inside a string', this.base + p);
      if (c === B.Backslash) {
        if (p + 1 >= len) return MORE;
        const e = buf[p + 1];
        if (e === 0x75 /* u */) {
          if (p + 6 > len) return MORE;
          for (let k = p + 2; k < p + 6; k++) if (!isHex(buf[k])) throw new JsonFail('Bad escape in a string', this.base + p);
          p += 6;
          continue;
        }
        if (!(e === B.Quote || e === B.Backslash || e === B.Slash || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) throw new JsonFail('Bad escape in a string', this.base + p);
        p += 2;
        continue;
      }
      p++;
    }
  }

  /** From the `-` or digit at `at`: the offset after the number, or MORE when it may go on. */
  private scanNumber(at: number): number {
    const buf = this.buf;
    const len = this.len;
    let p = at;
    const digits = () => {
      const s = p;
      while (p < len && buf[p] >= B.Zero && buf[p] <= B.Nine) p++;
      return p - s;
    };
    if (buf[p] === B.Minus) p++;
    if (p >= len) return MORE;
    if (buf[p] === B.Zero) p++;
    else if (digits() === 0) throw new JsonFail(`Unexpected character ${JSON.stringify(String.fromCharCode(buf[p]))}`, this.base + p);
    if (p < len && buf[p] === B.Dot) {
      p++;
      if (digits() === 0) {
        if (p >= len) return MORE;
        throw new JsonFail('Expected a digit after "."', this.base + p);
      }
    }
    if (p < len && (buf[p] === 0x65 || buf[p] === 0x45)) {
      p++;
      if (p < len && (buf[p] === B.Plus || buf[p] === B.Minus)) p++;
      if (digits() === 0) {
        if (p >= len) return MORE;
        throw new JsonFail('Expected a digit in the exponent', this.base + p);
      }
    }
    // A number at the very end of what has come may go on in the next piece.
    return p >= len && !this.ended ? MORE : p;
  }

  /**
   * One JSON value from `at`, checked: the offset after it, or MORE. With `entry`, the value is
   * an entry of `users`: the values the index and the checks read are parsed into it.
   */
  private scanValue(at: number, entry?: Record<string, unknown>): number {
    const buf = this.buf;
    const len = this.len;
    // Open containers (true: an object), where each starts, and the key read last in each object.
    const objects: boolean[] = [];
    const starts: number[] = [];
    const keys: string[] = [];
    // Spans of the entry's `user` and `sync`, and of the user's keys the index reads (the last of a repeated key counts, as in JSON.parse).
    const entrySpans = new Map<string, [number, number]>();
    const userSpans = new Map<string, [number, number]>();
    let p = at;
    const ws = () => {
      while (p < len && isWs(buf[p])) p++;
    };
    /** At `"` of a key in the innermost object: reads it and the colon; false for MORE. */
    const readKey = (): boolean => {
      ws();
      if (p >= len) return false;
      if (buf[p] !== B.Quote) throw new JsonFail('Expected a property name in double quotes', this.base + p);
      const end = this.scanString(p);
      if (end === MORE) return false;
      const level = objects.length - 1;
      const key = entry && level <= 1 ? this.entryKeyOf(p, end) : '';
      keys[level] = key;
      if (level === 0 && key === 'user') userSpans.clear();
      p = end;
      ws();
      if (p >= len) return false;
      if (buf[p] !== B.Colon) throw new JsonFail('Expected ":" after a property name', this.base + p);
      p++;
      return true;
    };
    /** A value ended at `end`; `depth` containers are open around it. */
    const done = (start: number, end: number) => {
      if (!entry || !objects[0]) return;
      const depth = objects.length;
      if (depth === 1 && (keys[0] === 'user' || keys[0] === 'sync')) entrySpans.set(keys[0], [start, end]);
      else if (depth === 2 && keys[0] === 'user' && objects[1] && USER_KEYS.has(keys[1])) userSpans.set(keys[1], [start, end]);
    };
    for (;;) {
      // A value at p.
      ws();
      if (p >= len) return MORE;
      const c = buf[p];
      if (c === B.LBrace || c === B.LBracket) {
        objects.push(c === B.LBrace);
        starts.push(p);
        p++;
        ws();
        if (p >= len) return MORE;
        const close = c === B.LBrace ? B.RBrace : B.RBracket;
        if (buf[p] !== close) {
          if (c === B.LBrace && !readKey()) return MORE;
          continue;
        }
        // An empty container: closed below.
      } else {
        const start = p;
        let end: number;
        if (c === B.Quote) end = this.scanString(p);
        else if (c === B.Minus || (c >= B.Zero && c <= B.Nine)) end = this.scanNumber(p);
        else if (c === 0x74 || c === 0x66 || c === 0x6e) {
          const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
          if (p + word.length > len) return MORE;
          for (let k = 1; k < word.length; k++) {
            if (buf[p + k] !== word.charCodeAt(k)) throw new JsonFail(`Unexpected character ${JSON.stringify(String.fromCharCode(buf[p + k]))}`, this.base + p + k);
          }
          end = p + word.length;
        } else throw new JsonFail(`Unexpected character ${JSON.stringify(String.fromCharCode(c))}`, this.base + p);
        if (end === MORE) return MORE;
        p = end;
        if (objects.length === 0) return p;
        done(start, p);
      }
      // After a value: close containers, or go on to the next value.
      for (;;) {
        ws();
        if (p >= len) return MORE;
        const d = buf[p];
        const inObject = objects[objects.length - 1];
        if (d === (inObject ? B.RBrace : B.RBracket)) {
          p++;
          objects.pop();
          const start = starts.pop()!;
          if (objects.length === 0) {
            if (entry) this.fillEntry(entry, entrySpans, userSpans);
            return p;
          }
          done(start, p);
          continue;
        }
        if (d !== B.Comma) throw new JsonFail(inObject ? 'Expected "," or "}"' : 'Expected "," or "]"', this.base + p);
        p++;
        if (inObject && !readKey()) return MORE;
        break;
      }
    }
  }

  /** The entry as the index and the checks read it, from the spans of its values. */
  private fillEntry(entry: Record<string, unknown>, entrySpans: Map<string, [number, number]>, userSpans: Map<string, [number, number]>): void {
    const parse = ([s, e]: [number, number]) => JSON.parse(this.decode(this.buf.subarray(s, e))) as unknown;
    const user = entrySpans.get('user');
    if (user) {
      if (this.buf[user[0]] === B.LBrace) {
        const u: Record<string, unknown> = {};
        for (const [key, span] of userSpans) u[key] = parse(span);
        entry.user = u;
      } else entry.user = parse(user);
    }
    const sync = entrySpans.get('sync');
    if (sync) entry.sync = parse(sync);
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
