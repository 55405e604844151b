/**
 * One element and everything inside it (a `<user>`), as the scanner reads it: flat, in
 * document order, in typed arrays that are reused from one element to the next.
 *
 * This is the reader's model of a user. The validator walks it directly, so checking a large
 * file allocates next to nothing per element (no object per element, no string per value that
 * no rule needs); the `XmlElement` tree that hovers, completion and the engine use is made from
 * it by `toElement`, and a tree made elsewhere goes back into one with `fromElement`, so every
 * consumer reads a user through the same scanner.
 *
 * Offsets are relative to `base` (the element's start), like those of `XmlElement`. A table
 * that reads its values from `source` is valid only as long as the caller keeps that text.
 */
import type { XmlAttribute, XmlElement } from './types';

/** How an element's character data is held. */
export const enum TextKind {
  /** No character data (or only white space between child elements). */
  None = 0,
  /** Exactly `source[base + textStart, base + textEnd)`: one run with nothing to decode. */
  Raw = 1,
  /** In `texts[i]` (decoded references, CDATA, normalised line ends, several runs). */
  Str = 2,
}

const COPY_BUFFER = new Uint16Array(4096);

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a whole string
 * alive while any slice of it (13 characters or more) lives: without copies, every user the
 * language server keeps from an earlier version of a document would keep that whole version
 * (measured: 85 MB more per edit on a 20,000-user file). Shorter slices are copies already.
 */
export function own(s: string): string {
  const n = s.length;
  if (n < 13) return s;
  if (n > COPY_BUFFER.length) return JSON.parse(JSON.stringify(s)) as string;
  for (let i = 0; i < n; i++) COPY_BUFFER[i] = s.charCodeAt(i);
  return String.fromCharCode.apply(null, COPY_BUFFER.subarray(0, n) as unknown as number[]);
}

const EMPTY_ATTRS: readonly XmlAttribute[] = Object.freeze([]);
const EMPTY_CHILDREN: readonly XmlElement[] = Object.freeze([]);

function grow<T extends Int32Array | Uint8Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  const b = new (a.constructor as { new (n: number): T })(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

function isWsCode(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

export class ElementTable {
  /** The text the offsets point into (absolute index = `base` + relative offset). */
  source = '';
  base = 0;
  /** Number of elements; element 0 is the outermost. */
  count = 0;
  names: string[] = [];
  /** Offset of `<` of the start tag. */
  start = new Int32Array(64);
  /** Just after the name in the start tag. */
  nameEnd = new Int32Array(64);
  /** Just after `>` (or `/>`) of the start tag. */
  startTagEnd = new Int32Array(64);
  /** `<` of the end tag; `startTagEnd` when self-closing; where the content stopped when unclosed. */
  endTagStart = new Int32Array(64);
  /** Just after the end tag (or where reading stopped). */
  end = new Int32Array(64);
  /** Index just after the element's last descendant: its children are `i + 1`, then `after[child]`, … while below `after[i]`. */
  after = new Int32Array(64);
  /** `SELF_CLOSING | CLOSED | HAS_CHILDREN`. */
  flags = new Uint8Array(64);
  textKind = new Uint8Array(64);
  textStart = new Int32Array(64);
  textEnd = new Int32Array(64);
  /** The text of `TextKind.Str` elements (other slots are stale). */
  texts: string[] = [];
  /** Attributes of element i: `attrFirst[i]` to `attrEnd[i]` (exclusive) in the attribute arrays. */
  attrFirst = new Int32Array(64);
  attrEnd = new Int32Array(64);
  attrCount = 0;
  attrNames: string[] = [];
  /** Decoded value, or undefined when the value is the raw text between the quotes. */
  attrValues: (string | undefined)[] = [];
  attrStart = new Int32Array(16);
  attrValueStart = new Int32Array(16);
  attrValueEnd = new Int32Array(16);

  static readonly SELF_CLOSING = 1;
  static readonly CLOSED = 2;
  static readonly HAS_CHILDREN = 4;

  /** Empties the table for an element read from `source` at `base`. */
  reset(source: string, base: number): void {
    this.source = source;
    this.base = base;
    this.count = 0;
    this.attrCount = 0;
  }

  /** Adds an element whose start tag name has just been read; returns its index. */
  open(name: string, start: number, nameEnd: number): number {
    const i = this.count++;
    if (i >= this.start.length) {
      const n = i + 1;
      this.start = grow(this.start, n);
      this.nameEnd = grow(this.nameEnd, n);
      this.startTagEnd = grow(this.startTagEnd, n);
      this.endTagStart = grow(this.endTagStart, n);
      this.end = grow(this.end, n);
      this.after = grow(this.after, n);
      this.flags = grow(this.flags, n);
      this.textKind = grow(this.textKind, n);
      this.textStart = grow(this.textStart, n);
      this.textEnd = grow(this.textEnd, n);
      this.attrFirst = grow(this.attrFirst, n);
      this.attrEnd = grow(this.attrEnd, n);
    }
    this.names[i] = name;
    this.start[i] = start;
    this.nameEnd[i] = nameEnd;
    this.after[i] = i + 1;
    this.flags[i] = ElementTable.CLOSED;
    this.textKind[i] = TextKind.None;
    this.attrFirst[i] = this.attrCount;
    this.attrEnd[i] = this.attrCount;
    return i;
  }

  addAttribute(name: string, value: string | undefined, start: number, valueStart: number, valueEnd: number): void {
    const k = this.attrCount++;
    if (k >= this.attrStart.length) {
      this.attrStart = grow(this.attrStart, k + 1);
      this.attrValueStart = grow(this.attrValueStart, k + 1);
      this.attrValueEnd = grow(this.attrValueEnd, k + 1);
    }
    this.attrNames[k] = name;
    this.attrValues[k] = value;
    this.attrStart[k] = start;
    this.attrValueStart[k] = valueStart;
    this.attrValueEnd[k] = valueEnd;
  }

  // --- character data, as the reader appends it -------------------------------------------

  /** Appends the raw text `[start, end)` (relative) to element i's character data. */
  appendRaw(i: number, start: number, end: number): void {
    if (end <= start) return;
    const kind = this.textKind[i];
    if (kind === TextKind.None) {
      this.textKind[i] = TextKind.Raw;
      this.textStart[i] = start;
      this.textEnd[i] = end;
    } else this.appendString(i, this.source.slice(this.base + start, this.base + end));
  }

  /** Appends decoded text to element i's character data. */
  appendString(i: number, s: string): void {
    if (s === '') return;
    const kind = this.textKind[i];
    if (kind === TextKind.None) this.texts[i] = s;
    else this.texts[i] = this.textOf(i) + s;
    this.textKind[i] = TextKind.Str;
  }

  /** Forgets element i's character data when it is only white space (its first child has come). */
  dropWhiteSpaceText(i: number): void {
    const kind = this.textKind[i];
    if (kind === TextKind.Raw) {
      const s = this.source;
      for (let p = this.base + this.textStart[i], e = this.base + this.textEnd[i]; p < e; p++) if (!isWsCode(s.charCodeAt(p))) return;
    } else if (kind === TextKind.Str) {
      const s = this.texts[i];
      for (let p = 0; p < s.length; p++) if (!isWsCode(s.charCodeAt(p))) return;
    }
    this.textKind[i] = TextKind.None;
  }

  // --- reading ------------------------------------------------------------------------------

  /** Element i's character data (decoded, line ends normalised), '' when none. */
  textOf(i: number): string {
    const kind = this.textKind[i];
    if (kind === TextKind.None) return '';
    if (kind === TextKind.Raw) return this.source.slice(this.base + this.textStart[i], this.base + this.textEnd[i]);
    return this.texts[i];
  }

  /** Whether element i's character data holds anything but white space (no string is made). */
  hasNonSpaceText(i: number): boolean {
    const kind = this.textKind[i];
    if (kind === TextKind.None) return false;
    if (kind === TextKind.Raw) {
      const s = this.source;
      for (let p = this.base + this.textStart[i], e = this.base + this.textEnd[i]; p < e; p++) if (!isWsCode(s.charCodeAt(p))) return true;
      return false;
    }
    const s = this.texts[i];
    for (let p = 0; p < s.length; p++) if (!isWsCode(s.charCodeAt(p))) return true;
    return false;
  }

  /** The value of attribute k (decoded). */
  attrValue(k: number): string {
    const v = this.attrValues[k];
    return v !== undefined ? v : this.source.slice(this.base + this.attrValueStart[k], this.base + this.attrValueEnd[k]);
  }

  /** Index of the first attribute of element i named `name`, or -1. */
  findAttribute(i: number, name: string): number {
    for (let k = this.attrFirst[i], e = this.attrEnd[i]; k < e; k++) if (this.attrNames[k] === name) return k;
    return -1;
  }

  /** Index of the first child of element i named `name`, or -1. */
  findChild(i: number, name: string): number {
    for (let c = i + 1, e = this.after[i]; c < e; c = this.after[c]) if (this.names[c] === name) return c;
    return -1;
  }

  isClosed(i: number): boolean {
    return (this.flags[i] & ElementTable.CLOSED) !== 0;
  }

  isSelfClosing(i: number): boolean {
    return (this.flags[i] & ElementTable.SELF_CLOSING) !== 0;
  }

  hasChildren(i: number): boolean {
    return (this.flags[i] & ElementTable.HAS_CHILDREN) !== 0;
  }
}

/**
 * The `XmlElement` tree of element `root` (0: the outermost). Values are copies (`own`), so the
 * tree does not keep `source` alive.
 */
export function toElement(t: ElementTable, root = 0): XmlElement {
  const built: XmlElement[] = new Array(t.after[root] - root);
  // Children are built before their parent: walk backwards, collecting each element's children.
  for (let i = t.after[root] - 1; i >= root; i--) {
    let children: XmlElement[] | readonly XmlElement[] = EMPTY_CHILDREN;
    if (t.hasChildren(i)) {
      const list: XmlElement[] = [];
      for (let c = i + 1, e = t.after[i]; c < e; c = t.after[c]) list.push(built[c - root]);
      children = list;
    }
    let attributes: XmlAttribute[] | readonly XmlAttribute[] = EMPTY_ATTRS;
    const a0 = t.attrFirst[i];
    const a1 = t.attrEnd[i];
    if (a1 > a0) {
      const list: XmlAttribute[] = [];
      for (let k = a0; k < a1; k++) {
        list.push({ name: t.attrNames[k], value: own(t.attrValue(k)), start: t.attrStart[k], valueStart: t.attrValueStart[k], valueEnd: t.attrValueEnd[k] });
      }
      attributes = list;
    }
    built[i - root] = {
      name: t.names[i],
      start: t.start[i],
      nameEnd: t.nameEnd[i],
      startTagEnd: t.startTagEnd[i],
      endTagStart: t.endTagStart[i],
      end: t.end[i],
      attributes,
      children,
      text: own(t.textOf(i)),
      selfClosing: t.isSelfClosing(i),
      closed: t.isClosed(i),
    };
  }
  return built[0];
}

/** Fills `t` with the tree of `element` (for the validator, which reads tables only). */
export function fromElement(element: XmlElement, t: ElementTable = new ElementTable()): ElementTable {
  t.reset('', 0);
  // Preorder with an explicit stack: fuzzed trees nest 10,000 deep.
  const stack: { el: XmlElement; index: number; next: number }[] = [];
  const add = (el: XmlElement): number => {
    const i = t.open(el.name, el.start, el.nameEnd);
    t.startTagEnd[i] = el.startTagEnd;
    t.endTagStart[i] = el.endTagStart;
    t.end[i] = el.end;
    t.flags[i] = (el.selfClosing ? ElementTable.SELF_CLOSING : 0) | (el.closed ? ElementTable.CLOSED : 0) | (el.children.length > 0 ? ElementTable.HAS_CHILDREN : 0);
    for (const a of el.attributes) t.addAttribute(a.name, a.value, a.start, a.valueStart, a.valueEnd);
    t.attrEnd[i] = t.attrCount;
    t.appendString(i, el.text);
    return i;
  };
  stack.push({ el: element, index: add(element), next: 0 });
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.el.children.length) {
      const child = top.el.children[top.next++];
      stack.push({ el: child, index: add(child), next: 0 });
    } else {
      t.after[top.index] = t.count;
      stack.pop();
    }
  }
  return t;
}
