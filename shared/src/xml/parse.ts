/**
 * A purpose-built, tolerant XML scanner with positions.
 *
 * Why not a library: the project's performance notes (docs/performance.md) measured
 * fast-xml-parser with `captureMetaData` at 11–21 MB/s and saxes at 113 MB/s (events only,
 * before building anything), against xmllint's 90 MB/s that the command line must beat. This
 * scanner reads an element and everything inside it in one pass over char codes into an
 * `ElementTable` (flat, reused: no object per element), checks well-formedness as it goes, and
 * recovers from broken markup so one bad user does not hide the rest. It never expands entities
 * other than XML's five and character references, and never fetches anything: DOCTYPEs are
 * reported and skipped.
 *
 * The element stack is explicit (no recursion), so deep nesting cannot overflow the call stack.
 */
import type { Problem } from '../diagnostics';
import { ElementTable, own } from './table';
import type { XmlAttribute } from './types';

export interface ParseOptions {
  /** Start-tag name that ends the element being read when met inside it (a `<user>` inside a `<user>` means a missing `</user>`). */
  readonly stopAtStartTag?: string;
  /** End-tag name that ends the element being read when met inside it (the root's end tag). */
  readonly stopAtEndTag?: string;
}

const enum Ch {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Bang = 33,
  Quote = 34,
  Hash = 35,
  Amp = 38,
  Apos = 39,
  Dash = 45,
  Slash = 47,
  Semi = 59,
  Lt = 60,
  Eq = 61,
  Gt = 62,
  Question = 63,
  LBracket = 91,
  RBracket = 93,
}

function isWs(c: number): boolean {
  return c === Ch.Space || c === Ch.LF || c === Ch.Tab || c === Ch.CR;
}

/**
 * True when `s` occurs in `t` at `at`. A char loop: `String.prototype.startsWith` is a runtime
 * call that costs more than the comparison itself for the short names compared here.
 */
export function sameAt(t: string, at: number, s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) if (t.charCodeAt(at + i) !== s.charCodeAt(i)) return false;
  return true;
}

/** XML 1.0 NameStartChar; non-ASCII letters are accepted broadly. */
function nameStartRule(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    c === 95 ||
    c === 58 ||
    (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0xfffe && !(c >= 0xd800 && c <= 0xdfff))
  );
}

function nameCharRule(c: number): boolean {
  return nameStartRule(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}

const NAME_START = 1;
const NAME_CHAR = 2;
/**
 * Every UTF-16 code unit's class (`NAME_START | NAME_CHAR`): the name loops read one byte per
 * character instead of testing ranges (names are most of the markup of an SIS file).
 */
const NAME_CLASS = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) NAME_CLASS[c] = (nameStartRule(c) ? NAME_START : 0) | (nameCharRule(c) ? NAME_CHAR : 0);

/** XML 1.0 NameStartChar (false for NaN, past the end of a text). */
export function isNameStart(c: number): boolean {
  return (NAME_CLASS[c] & NAME_START) !== 0;
}

export function isNameChar(c: number): boolean {
  return (NAME_CLASS[c] & NAME_CHAR) !== 0;
}

/** Characters XML 1.0 forbids anywhere (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF). Surrogates are checked separately. */
function isForbiddenChar(c: number): boolean {
  return (c < 0x20 && c !== Ch.Tab && c !== Ch.LF && c !== Ch.CR) || c === 0xfffe || c === 0xffff;
}

/**
 * Names seen so far, by hash (see `XmlScanner.readName`): an open-addressing table, so a look-up
 * is a few array reads. Bounded (half full at most), so a hostile file with millions of
 * distinct names cannot grow it.
 */
const NAME_SLOTS = 8192;
const nameKeys = new Int32Array(NAME_SLOTS);
const nameStrings: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
let nameCount = 0;

function nameKey(h: number, len: number): number {
  return h ^ (len << 23);
}

function hashName(s: string): number {
  let h = s.charCodeAt(0);
  for (let i = 1; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The slot of `key`: where it is, or the empty slot where it would go. */
function nameSlot(key: number, t: string, at: number, len: number): number {
  let slot = key & (NAME_SLOTS - 1);
  for (;;) {
    const known = nameStrings[slot];
    if (known === undefined || (nameKeys[slot] === key && known.length === len && sameAt(t, at, known))) return slot;
    slot = (slot + 1) & (NAME_SLOTS - 1);
  }
}

/**
 * Makes the scanner return these very strings for these names. Given the names of Alma's user
 * schema (string literals, so interned), names read from a file compare with the schema's by
 * identity, the cheapest comparison there is.
 */
export function preferNames(names: Iterable<string>): void {
  for (const name of names) {
    if (name === '' || nameCount >= NAME_SLOTS / 2) continue;
    const key = nameKey(hashName(name), name.length);
    const slot = nameSlot(key, name, 0, name.length);
    if (nameStrings[slot] === undefined) nameCount++;
    nameKeys[slot] = key;
    nameStrings[slot] = name;
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Serialises a char for a message without echoing file content beyond one character. */
function describeChar(c: number): string {
  if (c < 0x20 || c === 0x7f) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c >= 0xd800 && c <= 0xdfff) return `unpaired surrogate U+${c.toString(16).toUpperCase()}`;
  if (c === 0xfffd) return 'replacement character U+FFFD (a byte that was not UTF-8)';
  if (c > 0x7e) return `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCharCode(c)}'`;
}

/**
 * The scanner shared by the element reader and the document frame reader. Problems are
 * recorded relative to `base`.
 */
export class XmlScanner {
  pos: number;
  readonly problems: Problem[] = [];
  /** Set when a construct ran into `limit` unfinished (a stream reader then waits for more text). */
  hitLimit = false;

  constructor(
    readonly text: string,
    start: number,
    readonly limit: number,
    readonly base: number,
  ) {
    this.pos = start;
  }

  error(message: string, start: number, end: number): void {
    // At least one character wide, but never past the end of the text (a cut-off file ends at `<`).
    const e = Math.min(Math.max(end, start + 1), Math.max(start, this.text.length));
    this.problems.push({ code: 'not-well-formed', severity: 'error', message, start: start - this.base, end: e - this.base });
  }

  private atLimit(what: string, start: number): void {
    this.error(`${what} is not terminated before the end of the file.`, start, Math.min(start + 2, this.limit));
    this.hitLimit = true;
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < this.limit && isWs(t.charCodeAt(this.pos))) this.pos++;
  }

  /**
   * Reads a name. The few dozen names of an SIS file repeat millions of times in a large one, so
   * names are hashed while scanned and the string of an earlier occurrence is returned: no new
   * string, and later `Set`/`Map` look-ups reuse its cached hash.
   */
  readName(): string {
    const t = this.text;
    const s = this.pos;
    const limit = this.limit;
    if (s >= limit) return '';
    let c = t.charCodeAt(s);
    if ((NAME_CLASS[c] & NAME_START) === 0) return '';
    let h = c;
    let p = s + 1;
    while (p < limit) {
      c = t.charCodeAt(p);
      if ((NAME_CLASS[c] & NAME_CHAR) === 0) break;
      h = (Math.imul(h, 31) + c) | 0;
      p++;
    }
    // A name cut by a limit short of the text's end may go on (`<user` of `<user_group>`): a
    // stream reader must wait for more text before deciding anything on it.
    if (p === limit && limit < t.length) this.hitLimit = true;
    this.pos = p;
    const len = p - s;
    const key = nameKey(h, len);
    const slot = nameSlot(key, t, s, len);
    const known = nameStrings[slot];
    if (known !== undefined) return known;
    const name = own(t.slice(s, p));
    if (nameCount < NAME_SLOTS / 2) {
      nameCount++;
      nameKeys[slot] = key;
      nameStrings[slot] = name;
    }
    return name;
  }

  /** At `<!--`: skips the comment. */
  skipComment(): void {
    const start = this.pos;
    const close = this.text.indexOf('-->', start + 4);
    if (close < 0 || close + 3 > this.limit) {
      this.atLimit('A comment', start);
      this.pos = this.limit;
      return;
    }
    const dd = this.text.indexOf('--', start + 4);
    if (dd >= 0 && dd < close) this.error("'--' is not allowed inside a comment.", dd, dd + 2);
    this.pos = close + 3;
  }

  /** At `<?`: skips a processing instruction. Returns its target, or undefined when unterminated. */
  skipProcessingInstruction(): string | undefined {
    const start = this.pos;
    this.pos += 2;
    const target = this.readName();
    const close = this.text.indexOf('?>', this.pos);
    if (close < 0 || close + 2 > this.limit) {
      this.atLimit('A processing instruction', start);
      this.pos = this.limit;
      return undefined;
    }
    if (target === '') this.error('A processing instruction needs a target name after "<?".', start, start + 2);
    this.pos = close + 2;
    return target;
  }

  /** At `<!DOCTYPE`: skips it (internal subset included) without interpreting anything. */
  skipDoctype(): void {
    const t = this.text;
    let p = this.pos + 9;
    let quote = 0;
    let depth = 0;
    while (p < this.limit) {
      const c = t.charCodeAt(p);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === Ch.Quote || c === Ch.Apos) quote = c;
      else if (c === Ch.LBracket) depth++;
      else if (c === Ch.RBracket) depth--;
      else if (c === Ch.Gt && depth <= 0) {
        this.pos = p + 1;
        return;
      }
      p++;
    }
    this.atLimit('The DOCTYPE declaration', this.pos);
    this.pos = this.limit;
  }

  /**
   * Decodes an entity or character reference at `&`. Returns the replacement text, or the raw
   * text when it is not a valid reference (after reporting it).
   */
  readReference(): string {
    const t = this.text;
    const start = this.pos;
    const semi = t.indexOf(';', start + 1);
    if (semi < 0 || semi - start > 40 || semi >= this.limit) {
      this.error("'&' must start a reference such as &amp; — write a literal ampersand as &amp;.", start, start + 1);
      this.pos = start + 1;
      return '&';
    }
    const body = t.slice(start + 1, semi);
    this.pos = semi + 1;
    if (body.charCodeAt(0) === Ch.Hash) {
      const hex = body.charCodeAt(1) === 120; // 'x'
      const digits = body.slice(hex ? 2 : 1);
      const valid = digits.length > 0 && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits);
      const code = valid ? parseInt(digits, hex ? 16 : 10) : NaN;
      if (!valid || !(code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff))) {
        this.error(`'&${body};' is not a valid character reference.`, start, semi + 1);
        return '';
      }
      return String.fromCodePoint(code);
    }
    const predefined = PREDEFINED[body];
    if (predefined !== undefined) return predefined;
    this.error(`The entity '&${body};' is not defined (only &lt; &gt; &amp; &quot; &apos; exist; entities from a DOCTYPE are never expanded).`, start, semi + 1);
    return '';
  }

  /**
   * Reads the attributes of a start tag after its name, up to and including `>` or `/>`, into
   * element `el` of `table` (offsets relative to `base`). Returns whether the tag was self-closing.
   */
  readAttributes(table: ElementTable, el: number): boolean {
    const t = this.text;
    const first = table.attrCount;
    // Attribute name → how often it occurs so far; built only for tags with many attributes.
    let names: Map<string, number> | undefined;
    let selfClosing = false;
    for (;;) {
      const beforeWs = this.pos;
      this.skipWs();
      if (this.pos >= this.limit) {
        this.atLimit('A start tag', beforeWs);
        break;
      }
      const c = t.charCodeAt(this.pos);
      if (c === Ch.Gt) {
        this.pos++;
        break;
      }
      if (c === Ch.Slash) {
        if (t.charCodeAt(this.pos + 1) === Ch.Gt) {
          this.pos += 2;
          selfClosing = true;
          break;
        }
        this.error("Expected '/>' here.", this.pos, this.pos + 1);
        this.pos++;
        continue;
      }
      if (c === Ch.Lt) {
        this.error("The start tag is not closed with '>' before the next tag.", beforeWs, this.pos);
        break;
      }
      if (this.pos === beforeWs && table.attrCount > first) {
        this.error('Attributes must be separated by white space.', this.pos, this.pos + 1);
      }
      const nameStart = this.pos;
      const name = this.readName();
      if (name === '') {
        this.error(`Unexpected ${describeChar(c)} in a start tag.`, this.pos, this.pos + 1);
        this.pos++;
        continue;
      }
      this.skipWs();
      if (this.pos >= this.limit) {
        this.atLimit('A start tag', nameStart);
        break;
      }
      if (t.charCodeAt(this.pos) !== Ch.Eq) {
        this.error(`The attribute '${name}' needs a value: ${name}="...".`, nameStart, this.pos);
        continue;
      }
      this.pos++;
      this.skipWs();
      const q = t.charCodeAt(this.pos);
      if (q !== Ch.Quote && q !== Ch.Apos) {
        if (this.pos >= this.limit) {
          this.atLimit('A start tag', nameStart);
          break;
        }
        this.error(`The value of the attribute '${name}' must be in quotes.`, this.pos, this.pos + 1);
        // Recover: read an unquoted token as the value.
        const vs = this.pos;
        while (this.pos < this.limit && !isWs(t.charCodeAt(this.pos)) && t.charCodeAt(this.pos) !== Ch.Gt) this.pos++;
        table.addAttribute(name, undefined, nameStart - this.base, vs - this.base, this.pos - this.base);
        continue;
      }
      const valueStart = this.pos + 1;
      const valueEnd = t.indexOf(q === Ch.Quote ? '"' : "'", valueStart);
      if (valueEnd < 0 || valueEnd >= this.limit) {
        this.atLimit('An attribute value', this.pos);
        this.pos = this.limit;
        break;
      }
      const value = this.attributeValue(valueStart, valueEnd);
      this.pos = valueEnd + 1;
      const count = table.attrCount - first;
      if (count > 0) {
        // Past a few attributes, count names in a map: a hostile tag with 100,000 attributes
        // must not cost 100,000² comparisons (issue 8 fuzzing). Same problems either way.
        let seen = 0;
        if (count < 16) {
          for (let k = first; k < table.attrCount; k++) if (table.attrNames[k] === name) seen++;
        } else {
          if (!names) {
            names = new Map();
            for (let k = first; k < table.attrCount; k++) names.set(table.attrNames[k], (names.get(table.attrNames[k]) ?? 0) + 1);
          }
          seen = names.get(name) ?? 0;
        }
        for (; seen > 0; seen--) this.error(`The attribute '${name}' appears twice in one tag.`, nameStart, nameStart + name.length);
      }
      names?.set(name, (names.get(name) ?? 0) + 1);
      table.addAttribute(name, value, nameStart - this.base, valueStart - this.base, valueEnd - this.base);
    }
    table.attrEnd[el] = table.attrCount;
    return selfClosing;
  }

  /** `readAttributes` for a lone start tag (the root's): the attributes as objects. */
  readStartTagRest(): { attributes: readonly XmlAttribute[]; selfClosing: boolean } {
    const table = new ElementTable();
    table.reset(this.text, this.base);
    const el = table.open('', 0, 0);
    const selfClosing = this.readAttributes(table, el);
    const attributes: XmlAttribute[] = [];
    for (let k = 0; k < table.attrCount; k++) {
      attributes.push({ name: table.attrNames[k], value: own(table.attrValue(k)), start: table.attrStart[k], valueStart: table.attrValueStart[k], valueEnd: table.attrValueEnd[k] });
    }
    return { attributes, selfClosing };
  }

  /** An attribute's value: undefined when it is exactly the raw text (nothing to decode), else the decoded value. */
  private attributeValue(start: number, end: number): string | undefined {
    const t = this.text;
    let plain = true;
    for (let p = start; p < end; p++) {
      const c = t.charCodeAt(p);
      if (c === Ch.Amp || c === Ch.Lt || c < 0x20 || c >= 0xd800) {
        plain = false;
        break;
      }
    }
    if (plain) return undefined;
    let out = '';
    const saved = this.pos;
    let p = start;
    // Runs of characters that stay as they are are copied in one slice each (see readTextFrom).
    let run = p;
    while (p < end) {
      const c = t.charCodeAt(p);
      if (c === Ch.Amp) {
        out += t.slice(run, p);
        this.pos = p;
        out += this.readReference();
        p = this.pos;
        run = p;
        continue;
      }
      if (c === Ch.Lt) {
        this.error("'<' is not allowed in an attribute value; write &lt;.", p, p + 1);
        p++;
      } else if (c === Ch.Tab || c === Ch.LF || c === Ch.CR) {
        // Attribute-value normalisation: white space characters become spaces (\r\n counts once).
        out += t.slice(run, p) + ' ';
        if (c === Ch.CR && t.charCodeAt(p + 1) === Ch.LF) p++;
        p++;
        run = p;
      } else p += this.checkChar(c, p);
    }
    out += t.slice(run, p);
    this.pos = saved;
    return out;
  }

  /**
   * Reports the character `c` at `p` when XML forbids it (a control character, U+FFFE/U+FFFF, an
   * unpaired surrogate). Returns how many code units it spans: 2 for a surrogate pair, else 1.
   */
  private checkChar(c: number, p: number): number {
    if (isForbiddenChar(c)) this.error(`A ${describeChar(c)} is not allowed in XML.`, p, p + 1);
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && (this.text.charCodeAt(p + 1) & 0xfc00) === 0xdc00) return 2;
      this.error(`A ${describeChar(c)} is not allowed in XML.`, p, p + 1);
    }
    return 1;
  }

  /**
   * Character data from `start` up to the next `<` (or `limit`), where `text[start, p)` needs no
   * decoding and `p` is the first character that may: decodes references, normalises line ends,
   * reports forbidden characters and `]]>`. Leaves `pos` at the end.
   */
  private readTextFrom(start: number, p: number): string {
    const t = this.text;
    const limit = this.limit;
    // Copy runs of characters that stay as they are in one slice each (a 10 MB value after one
    // '&' must not become 10 million concatenations: issue 8 fuzzing).
    let out = t.slice(start, p);
    let run = p;
    while (p < limit) {
      const c = t.charCodeAt(p);
      if (c === Ch.Lt) break;
      if (c === Ch.Amp) {
        out += t.slice(run, p);
        this.pos = p;
        out += this.readReference();
        p = this.pos;
        run = p;
        continue;
      }
      if (c === Ch.CR) {
        out += t.slice(run, p) + '\n';
        if (t.charCodeAt(p + 1) === Ch.LF) p++;
        p++;
        run = p;
        continue;
      }
      if (c === Ch.RBracket && t.charCodeAt(p + 1) === Ch.RBracket && t.charCodeAt(p + 2) === Ch.Gt) {
        this.error("']]>' is not allowed in text.", p, p + 3);
        p++;
      } else p += this.checkChar(c, p);
    }
    out += t.slice(run, p);
    this.pos = p;
    return out;
  }

  /**
   * Reads one element starting at `<` (pos), with everything inside it, into `table` (offsets
   * relative to `base`). Stops early (leaving the element unclosed) at a start tag in
   * `stopAtStartTags` or the end tag `stopAtEndTag`; `pos` is then at that tag. Returns false
   * when there was no element to read.
   */
  scanElement(table: ElementTable, options: ParseOptions): boolean {
    const t = this.text;
    const base = this.base;
    const limit = this.limit;
    const stopStart = options.stopAtStartTag;
    const stopEnd = options.stopAtEndTag;
    const stack = this.stack;
    let depth = 0;
    table.reset(t, base);

    const closeAll = (at: number, why: string) => {
      for (let k = depth - 1; k >= 0; k--) {
        const open = stack[k];
        table.endTagStart[open] = at - base;
        table.end[open] = at - base;
        table.after[open] = table.count;
        table.flags[open] &= ~ElementTable.CLOSED;
        this.problems.push({
          code: 'not-well-formed',
          severity: 'error',
          message: `<${table.names[open]}> is not closed${why}.`,
          start: table.start[open] + 1,
          end: table.nameEnd[open],
        });
      }
      depth = 0;
    };

    while (this.pos < limit) {
      const lt = this.pos;
      const c = t.charCodeAt(lt);
      if (c !== Ch.Lt) {
        // Character data inside the current element.
        const top = depth > 0 ? stack[depth - 1] : -1;
        // White space between child elements (indentation) is not kept: it is most of the text
        // of a pretty-printed file, and no feature needs it.
        let p = lt;
        let firstCr = -1;
        for (; p < limit; p++) {
          const d = t.charCodeAt(p);
          if (d === Ch.Space || d === Ch.LF || d === Ch.Tab) continue;
          if (d !== Ch.CR) break;
          if (firstCr < 0) firstCr = p;
        }
        if (p >= limit || t.charCodeAt(p) === Ch.Lt) {
          this.pos = p;
          if (top >= 0 && !table.hasChildren(top)) {
            if (firstCr < 0) table.appendRaw(top, lt - base, p - base);
            else table.appendString(top, t.slice(lt, p).replace(/\r\n?/g, '\n'));
          }
          continue;
        }
        if (firstCr >= 0) {
          const text = this.readTextFrom(lt, firstCr);
          if (top >= 0) table.appendString(top, text);
          continue;
        }
        // Plain characters up to '<' need no decoding: the element keeps a range, not a string.
        while (p < limit) {
          const d = t.charCodeAt(p);
          if (d === Ch.Lt || d === Ch.Amp || d === Ch.CR || d < 0x20 || d >= 0xd800 || d === Ch.RBracket) break;
          p++;
        }
        if (p >= limit || t.charCodeAt(p) === Ch.Lt) {
          this.pos = p;
          if (top >= 0) table.appendRaw(top, lt - base, p - base);
          continue;
        }
        const text = this.readTextFrom(lt, p);
        if (top >= 0) table.appendString(top, text);
        continue;
      }
      if (lt + 1 >= limit) {
        this.hitLimit = true;
        this.error("'<' at the end of the file.", lt, lt + 1);
        this.pos = limit;
        break;
      }
      const c1 = t.charCodeAt(lt + 1);
      if (c1 === Ch.Slash) {
        // End tag. Usually it closes the open element: compare in place rather than read a name.
        this.pos = lt + 2;
        const open = depth > 0 ? stack[depth - 1] : -1;
        let name: string;
        const openName = open >= 0 ? table.names[open] : '';
        if (open >= 0 && sameAt(t, lt + 2, openName) && !isNameChar(t.charCodeAt(lt + 2 + openName.length))) {
          name = openName;
          this.pos = lt + 2 + name.length;
        } else name = this.readName();
        this.skipWs();
        if (this.pos >= limit) this.hitLimit = true;
        const gtOk = t.charCodeAt(this.pos) === Ch.Gt;
        if (name !== '' && name === stopEnd && !this.isOpen(table, depth, name)) {
          this.pos = lt;
          closeAll(lt, ` before </${name}>`);
          break;
        }
        if (!gtOk) this.error(`The end tag </${name}> is not closed with '>'.`, lt, this.pos);
        else this.pos++;
        if (open >= 0 && name === openName) {
          table.endTagStart[open] = lt - base;
          table.end[open] = this.pos - base;
          table.after[open] = table.count;
          depth--;
          if (depth === 0) break;
          continue;
        }
        // Mismatch: close intervening elements if the name is open further down, else ignore the tag.
        let k = depth - 1;
        while (k >= 0 && table.names[stack[k]] !== name) k--;
        if (k < 0) {
          this.error(open >= 0 ? `Unexpected </${name}>: the open element is <${openName}>.` : `Unexpected </${name}>.`, lt, this.pos);
          continue;
        }
        for (let j = depth - 1; j > k; j--) {
          const inner = stack[j];
          table.endTagStart[inner] = lt - base;
          table.end[inner] = lt - base;
          table.after[inner] = table.count;
          table.flags[inner] &= ~ElementTable.CLOSED;
          this.problems.push({
            code: 'not-well-formed',
            severity: 'error',
            message: `<${table.names[inner]}> is not closed before </${name}>.`,
            start: table.start[inner] + 1,
            end: table.nameEnd[inner],
          });
        }
        const closing = stack[k];
        depth = k;
        table.endTagStart[closing] = lt - base;
        table.end[closing] = this.pos - base;
        table.after[closing] = table.count;
        if (depth === 0) break;
        continue;
      }
      if (c1 === Ch.Bang) {
        if (t.startsWith('<!--', lt)) {
          this.skipComment();
          continue;
        }
        if (t.startsWith('<![CDATA[', lt)) {
          const close = t.indexOf(']]>', lt + 9);
          if (close < 0 || close + 3 > limit) {
            this.hitLimit = true;
            this.error('A CDATA section is not terminated before the end of the file.', lt, lt + 9);
            this.pos = limit;
            break;
          }
          if (depth > 0) table.appendString(stack[depth - 1], t.slice(lt + 9, close).replace(/\r\n?/g, '\n'));
          else this.error('CDATA is only allowed inside an element.', lt, lt + 9);
          this.pos = close + 3;
          continue;
        }
        if (limit - lt < 9) this.hitLimit = true;
        if (t.startsWith('<!DOCTYPE', lt)) {
          this.error('A DOCTYPE is only allowed before the root element.', lt, lt + 9);
          this.skipDoctype();
          continue;
        }
        this.error("'<!' must start a comment (<!--) or CDATA section (<![CDATA[).", lt, lt + 2);
        this.pos = lt + 2;
        continue;
      }
      if (c1 === Ch.Question) {
        this.pos = lt;
        const target = this.skipProcessingInstruction();
        if (target !== undefined && target.toLowerCase() === 'xml') this.error('The XML declaration is only allowed at the very start of the file.', lt, lt + 5);
        continue;
      }
      // Start tag.
      this.pos = lt + 1;
      const name = this.readName();
      if (name === '') {
        this.error(`'<' must start a tag; write a literal '<' as &lt;.`, lt, lt + 1);
        if (depth > 0) table.appendString(stack[depth - 1], '<');
        this.pos = lt + 1;
        continue;
      }
      if (depth > 0 && name === stopStart) {
        this.pos = lt;
        closeAll(lt, ` before the next <${name}>`);
        break;
      }
      const parent = depth > 0 ? stack[depth - 1] : -1;
      if (parent >= 0 && !table.hasChildren(parent)) {
        table.dropWhiteSpaceText(parent);
        table.flags[parent] |= ElementTable.HAS_CHILDREN;
      }
      const el = table.open(name, lt - base, this.pos - base);
      const selfClosing = this.readAttributes(table, el);
      const tagEnd = this.pos - base;
      table.startTagEnd[el] = tagEnd;
      table.endTagStart[el] = tagEnd;
      table.end[el] = tagEnd;
      if (!selfClosing) {
        if (depth === stack.length) stack.push(el);
        else stack[depth] = el;
        depth++;
      } else {
        table.flags[el] |= ElementTable.SELF_CLOSING;
        if (depth === 0) break;
      }
    }
    if (depth > 0) {
      this.hitLimit = true;
      closeAll(this.pos, ' before the end of the file');
    }
    return table.count > 0;
  }

  /** The open-element stack of `scanElement` (reused). */
  private readonly stack: number[] = [];

  private isOpen(table: ElementTable, depth: number, name: string): boolean {
    for (let k = 0; k < depth; k++) if (table.names[this.stack[k]] === name) return true;
    return false;
  }
}
