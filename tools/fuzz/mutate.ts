/**
 * Hostile inputs for the fuzz harness (issue 8): mutations of real and generated SIS files.
 *
 * Everything is derived from a seed, so `(seed, iteration)` names an input exactly and a finding
 * can be reproduced without storing anything but those two numbers (the harness also writes the
 * bytes to `.fuzz/`). Pure: no Node built-ins, so the tests can use it as they are.
 */
import { generateSisXml, mix, Rng } from '../generate';

export { Rng };

/** Mixes numbers into one 32-bit seed, as the generator does. */
export const mixSeed = mix;

/** A starting file: a corpus file or a generated one. */
export interface Base {
  readonly name: string;
  readonly text: string;
}

/** One fuzz input: bytes as they would sit on disk, and what was done to get them. */
export interface Sample {
  readonly base: string;
  readonly mutations: string[];
  readonly bytes: Uint8Array;
  /** The text before encoding tricks (UTF-16, invalid bytes); equals the decoded bytes otherwise. */
  readonly text: string;
  /** Marker strings that must never appear more often in read values than in the text (entity expansion). */
  readonly markers: string[];
}

// ---------------------------------------------------------------------------------------------
// Text mutations. Each returns the new text, or undefined when it does not apply.

type TextMutation = (text: string, rng: Rng, sample: { markers: string[] }) => string | undefined;

/** Characters where a cut changes how the reader must recover. */
const BOUNDARY_CHARS = ['<', '>', '"', "'", '&', ';', '=', ' ', '\n', '/', '!', '?', '[', ']', '-'];

const SPECIAL_SNIPPETS = [
  '<', '>', '&', '&amp;', '&#', '&#x;', '&#0;', '&#xD800;', '&#x110000;', '&#65;', '&lt', ']]>', '<![CDATA[', '<!--', '-->', '--', '<?', '?>',
  '<?xml version="1.0"?>', '</', '/>', '"', "'", '=', '<user>', '</user>', '<users>', '</users>', '<user/>', '<primary_id>', '</primary_id>',
  '\u0000', '\u0001', '\u000b', '\ufffe', '\uffff', '\ud800', '\udc00', '\ud83d\ude00', '\ufeff', '\u2028', '\r', '\r\n', '\t',
  '<!DOCTYPE users>', '<x:user xmlns:x="urn:x">', 'xmlns="urn:a"', '<user_group>', '<user_identifiers>', '<contact_info>', '<emails>',
  '<email preferred="true">', '<email preferred="true" preferred="false">', '<a b="1" b="2">', '<1abc>', '< user>', '<user >', '</user >', '</ user>',
];

/** Cut the text at a kind of boundary (before/after a markup character, or anywhere, also mid surrogate pair). */
const truncate: TextMutation = (text, rng) => {
  if (text.length === 0) return undefined;
  if (rng.chance(0.3)) return text.slice(0, rng.int(0, text.length - 1));
  const ch = rng.pick(BOUNDARY_CHARS);
  const hits: number[] = [];
  for (let at = text.indexOf(ch); at >= 0 && hits.length < 5000; at = text.indexOf(ch, at + 1)) hits.push(at);
  if (hits.length === 0) return undefined;
  const at = rng.pick(hits);
  return text.slice(0, rng.chance(0.5) ? at : at + 1);
};

/** Spans of tags `<...>` (start, end, comments, PIs) found by a quick scan. */
function tagSpans(text: string, max = 20000): [number, number][] {
  const spans: [number, number][] = [];
  for (let lt = text.indexOf('<'); lt >= 0 && spans.length < max; lt = text.indexOf('<', lt + 1)) {
    const gt = text.indexOf('>', lt);
    if (gt < 0) break;
    spans.push([lt, gt + 1]);
  }
  return spans;
}

/** The span of a whole element `<name ...>...</name>` starting at a start tag, when simple to find. */
function elementSpan(text: string, lt: number): [number, number] | undefined {
  const m = /^<([A-Za-z_][\w.-]*)[^>]*?(\/?)>/.exec(text.slice(lt, lt + 2000));
  if (!m) return undefined;
  if (m[2] === '/') return [lt, lt + m[0].length];
  const close = text.indexOf(`</${m[1]}>`, lt + m[0].length);
  if (close < 0) return undefined;
  return [lt, close + m[1].length + 3];
}

const dropTag: TextMutation = (text, rng) => {
  const spans = tagSpans(text);
  if (spans.length === 0) return undefined;
  const [a, b] = rng.pick(spans);
  return text.slice(0, a) + text.slice(b);
};

const duplicateTag: TextMutation = (text, rng) => {
  const spans = tagSpans(text);
  if (spans.length === 0) return undefined;
  const [a, b] = rng.pick(spans);
  const whole = rng.chance(0.6) ? elementSpan(text, a) : undefined;
  const [s, e] = whole ?? [a, b];
  return text.slice(0, e) + text.slice(s, e) + text.slice(e);
};

const dropElement: TextMutation = (text, rng) => {
  const spans = tagSpans(text);
  for (let tries = 0; tries < 10 && spans.length > 0; tries++) {
    const el = elementSpan(text, rng.pick(spans)[0]);
    if (el) return text.slice(0, el[0]) + text.slice(el[1]);
  }
  return undefined;
};

/** Moves a piece of the text elsewhere (a splice of the file with itself). */
const splice: TextMutation = (text, rng) => {
  if (text.length < 2) return undefined;
  const a = rng.int(0, text.length - 1);
  const b = Math.min(text.length, a + rng.int(1, 200));
  const at = rng.int(0, text.length);
  return text.slice(0, at) + text.slice(a, b) + text.slice(at);
};

const insertSnippet: TextMutation = (text, rng) => {
  const at = rng.int(0, text.length);
  let s = '';
  for (let k = rng.int(1, 3); k > 0; k--) s += rng.pick(SPECIAL_SNIPPETS);
  return text.slice(0, at) + s + text.slice(at);
};

const replaceChars: TextMutation = (text, rng) => {
  if (text.length === 0) return undefined;
  let t = text;
  for (let k = rng.int(1, 8); k > 0; k--) {
    const at = rng.int(0, t.length - 1);
    const c = rng.chance(0.5) ? rng.pick(['<', '>', '&', '"', "'", '/', '=', ' ', '\u0000', '\ud800', 'x']) : String.fromCharCode(rng.int(0, 0xffff));
    t = t.slice(0, at) + c + t.slice(at + 1);
  }
  return t;
};

const lineEnds: TextMutation = (text, rng) => {
  const mode = rng.int(0, 2);
  return text.replace(/\r?\n/g, (m) => (mode === 0 ? '\r\n' : mode === 1 ? '\r' : rng.pick(['\n', '\r', '\r\n', m])));
};

/** Somewhere inside a `<user>`: just after one of its start tags or inside a text value. */
function insideUser(text: string, rng: Rng): number | undefined {
  const starts: number[] = [];
  for (let at = text.indexOf('<user'); at >= 0 && starts.length < 2000; at = text.indexOf('<user', at + 1)) starts.push(at);
  if (starts.length === 0) return undefined;
  const u = rng.pick(starts);
  const end = text.indexOf('</user>', u);
  const stop = end < 0 ? text.length : end;
  const gts: number[] = [];
  for (let at = text.indexOf('>', u); at >= 0 && at < stop && gts.length < 500; at = text.indexOf('>', at + 1)) gts.push(at + 1);
  return gts.length ? rng.pick(gts) : undefined;
}

const markupInUser: TextMutation = (text, rng) => {
  const at = insideUser(text, rng);
  if (at === undefined) return undefined;
  const piece = rng.pick([
    '<!-- a comment -->',
    '<!-- -- double dash -->',
    '<![CDATA[<user_group>X</user_group> & ]]>',
    '<![CDATA[ unterminated',
    '<?pi data?>',
    '<?xml version="1.0"?>',
    '<!-- unterminated comment',
    '<?pi unterminated',
    '<!DOCTYPE user [<!ENTITY e "v">]>',
  ]);
  return text.slice(0, at) + piece + text.slice(at);
};

const ENTITY_MARK = 'ENTITYEXPANDED';

/** A DOCTYPE with entity declarations, and references to them inside a user. */
const doctype: TextMutation = (text, rng, sample) => {
  const kind = rng.int(0, 4);
  let subset: string;
  let ref: string;
  if (kind === 0) {
    // Billion laughs: 10 levels of 10, 10^9 copies of the marker if anyone expanded it.
    subset = `<!ENTITY lol0 "${ENTITY_MARK}">`;
    for (let i = 1; i <= 9; i++) subset += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    ref = '&lol9;';
  } else if (kind === 1) {
    subset = '<!ENTITY xxe SYSTEM "file:///etc/passwd">';
    ref = '&xxe;';
  } else if (kind === 2) {
    subset = '<!ENTITY net SYSTEM "http://127.0.0.1:9/alma-sis-fuzz">';
    ref = '&net;';
  } else if (kind === 3) {
    subset = '<!ENTITY % pe SYSTEM "http://127.0.0.1:9/pe.dtd"> %pe; <!ENTITY quad "' + ENTITY_MARK.repeat(4) + '">';
    ref = '&quad;';
  } else {
    subset = `<!ENTITY a "${ENTITY_MARK}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">`;
    ref = '&b;';
  }
  sample.markers.push(ENTITY_MARK, 'root:x:0:0');
  const external = rng.chance(0.2) ? ' SYSTEM "http://127.0.0.1:9/users.dtd"' : '';
  const decl = `<!DOCTYPE users${external} [${subset}]>\n`;
  const rootAt = text.search(/<(users|userRecords|user)[\s>/]/);
  const placed = rootAt < 0 || rng.chance(0.1) ? decl + text : text.slice(0, rootAt) + decl + text.slice(rootAt);
  // Reference the entity in a value and in an attribute.
  let out = placed.replace(/<last_name>/, `<last_name>${ref}`);
  if (rng.chance(0.5)) out = out.replace(/<email_type>/, `<email_type>${ref}`);
  if (rng.chance(0.5)) out = out.replace(/<email preferred="/, `<email preferred="${ref}`);
  return out;
};

const deepNesting: TextMutation = (text, rng) => {
  const at = insideUser(text, rng) ?? rng.int(0, text.length);
  const depth = rng.chance(0.5) ? 10_000 : rng.int(100, 20_000);
  const name = rng.pick(['a', 'user', 'contact_info', 'x']);
  const closed = rng.chance(0.5);
  return text.slice(0, at) + `<${name}>`.repeat(depth) + 'deep' + (closed ? `</${name}>`.repeat(depth) : '') + text.slice(at);
};

const hugeAttribute: TextMutation = (text, rng) => {
  const m = /<(user|email|address|phone|users)(\s|>)/.exec(text.slice(rng.int(0, Math.max(0, text.length - 1))));
  const at = m ? text.indexOf(m[0]) + 1 + m[1].length : undefined;
  if (at === undefined || at < 1) return undefined;
  const piece = rng.chance(0.5)
    ? ` huge="${'x'.repeat(rng.int(100_000, 2_000_000))}"`
    : Array.from({ length: rng.int(1000, 20_000) }, (_, i) => ` a${i}="${i}"`).join('');
  return text.slice(0, at) + piece + text.slice(at);
};

/** 10 MB on one line: the line breaks removed and a very long value (or many users) added. */
const oneLongLine: TextMutation = (text, rng) => {
  const flat = text.replace(/\r?\n\s*/g, '');
  const size = rng.chance(0.7) ? 10 * 1024 * 1024 : rng.int(1024 * 1024, 4 * 1024 * 1024);
  if (rng.chance(0.5)) {
    const at = flat.indexOf('<last_name>');
    if (at < 0) return undefined;
    const v = rng.chance(0.5) ? 'é'.repeat(size >> 1) : 'x'.repeat(size);
    return flat.slice(0, at + 11) + v + flat.slice(at + 11);
  }
  const a = flat.indexOf('<user>');
  const b = flat.indexOf('</user>', a);
  if (a < 0 || b < 0) return undefined;
  const userXml = flat.slice(a, b + 7);
  const copies = Math.max(1, Math.floor(size / Math.max(1, userXml.length)));
  return flat.slice(0, b + 7) + userXml.repeat(copies) + flat.slice(b + 7);
};

const TEXT_MUTATIONS: readonly [string, TextMutation, number][] = [
  ['truncate', truncate, 8],
  ['drop-tag', dropTag, 8],
  ['duplicate-tag', duplicateTag, 8],
  ['drop-element', dropElement, 5],
  ['splice', splice, 6],
  ['insert-snippet', insertSnippet, 10],
  ['replace-chars', replaceChars, 6],
  ['line-ends', lineEnds, 3],
  ['markup-in-user', markupInUser, 5],
  ['doctype', doctype, 4],
  ['deep-nesting', deepNesting, 0.4],
  ['huge-attribute', hugeAttribute, 0.4],
  ['one-long-line', oneLongLine, 0.15],
];

// ---------------------------------------------------------------------------------------------
// Byte mutations (after encoding to UTF-8).

const INVALID_UTF8: readonly number[][] = [[0x80], [0xc3], [0xe9], [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98]];

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  let k = 0;
  const put = (u: number) => {
    out[k++] = bigEndian ? u >> 8 : u & 0xff;
    out[k++] = bigEndian ? u & 0xff : u >> 8;
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < text.length; i++) put(text.charCodeAt(i));
  return out;
}

function insertBytes(bytes: Uint8Array, at: number, piece: readonly number[], replace = 0): Uint8Array {
  replace = Math.min(replace, bytes.length - at);
  const out = new Uint8Array(bytes.length + piece.length - replace);
  out.set(bytes.subarray(0, at), 0);
  out.set(piece, at);
  out.set(bytes.subarray(at + replace), at + piece.length);
  return out;
}

function mutateBytes(bytes: Uint8Array, rng: Rng, labels: string[]): Uint8Array {
  let b = bytes;
  const kind = rng.int(0, 3);
  if (kind === 0) {
    labels.push('invalid-utf8');
    for (let k = rng.int(1, 4); k > 0; k--) b = insertBytes(b, rng.int(0, b.length), rng.pick(INVALID_UTF8), rng.chance(0.5) && b.length > 0 ? 1 : 0);
  } else if (kind === 1) {
    labels.push('random-bytes');
    const out = b.slice();
    for (let k = rng.int(1, 16); k > 0 && out.length > 0; k--) out[rng.int(0, out.length - 1)] = rng.int(0, 255);
    b = out;
  } else if (kind === 2) {
    labels.push('utf8-bom');
    b = insertBytes(b, 0, [0xef, 0xbb, 0xbf]);
  } else {
    labels.push('prefix-bytes');
    b = insertBytes(b, 0, rng.pick([[0], [0x20, 0x0a], [0x00, 0x00, 0xfe, 0xff], [0xff, 0xfe, 0x00, 0x00], [0x3c, 0x00], [0x0b]]));
  }
  return b;
}

// ---------------------------------------------------------------------------------------------

/** Small generated files (XSD-valid unless `errors`), the bases when the corpus is absent too. */
export function generatedBases(seed: number, count = 8): Base[] {
  const bases: Base[] = [];
  for (let k = 0; k < count; k++) {
    const users = 1 + (mixSeed(seed, k) % 12);
    const errors = k % 3 === 0 ? 2 : 0;
    bases.push({ name: `generated(users=${users},seed=${seed + k},errors=${errors})`, text: generateSisXml({ users, seed: seed + k, errors }).xml });
  }
  return bases;
}

/**
 * The input of iteration `iteration` under `seed`: a base picked from `bases`, 1–4 text
 * mutations, then perhaps an encoding trick (UTF-16 with or without BOM) or byte damage.
 */
export interface SampleOptions {
  /** Only these text mutations (by name); all by default. */
  readonly only?: readonly string[];
  /** At most this many text mutations (default 4). */
  readonly max?: number;
}

export function makeSample(bases: readonly Base[], seed: number, iteration: number, options: SampleOptions = {}): Sample {
  const rng = new Rng(mixSeed(seed, iteration, 0x5eed));
  const base = rng.pick(bases);
  const mutations: string[] = [];
  const markers: string[] = [];
  let text = base.text;
  const table = options.only ? TEXT_MUTATIONS.filter(([name]) => options.only!.includes(name)) : TEXT_MUTATIONS;
  const total = table.reduce((s, [, , w]) => s + w, 0);
  for (let n = rng.int(1, options.max ?? 4); n > 0; n--) {
    let r = rng.float() * total;
    let picked = table[0];
    for (const m of table) {
      r -= m[2];
      if (r < 0) {
        picked = m;
        break;
      }
    }
    // At most one of the large ones per input keeps iterations fast.
    if (['deep-nesting', 'huge-attribute', 'one-long-line'].includes(picked[0]) && text.length > 500_000) continue;
    const out = picked[1](text, rng, { markers });
    if (out !== undefined) {
      text = out;
      mutations.push(picked[0]);
    }
  }
  let bytes: Uint8Array;
  const enc = rng.float();
  if (enc < 0.04) {
    const be = rng.chance(0.5);
    const bom = rng.chance(0.5);
    mutations.push(`utf-16${be ? 'be' : 'le'}${bom ? '-bom' : ''}`);
    bytes = utf16(text, be, bom);
  } else if (enc < 0.2) {
    bytes = mutateBytes(utf8(text), rng, mutations);
  } else {
    bytes = utf8(text);
  }
  return { base: base.name, mutations, bytes, text, markers };
}

/** An edit of a text for the incremental-reading property: replace [start, end) by `insert`. */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly insert: string;
}

/** Random edits of the kinds a person makes while typing (and a few a tool makes). */
export function randomEdit(text: string, rng: Rng): Edit {
  const start = rng.chance(0.7) ? (() => {
    const spans = tagSpans(text, 2000);
    return spans.length ? rng.pick(spans)[rng.int(0, 1)] + rng.int(-2, 2) : rng.int(0, text.length);
  })() : rng.int(0, text.length);
  const s = Math.max(0, Math.min(text.length, start));
  const len = rng.chance(0.5) ? 0 : rng.chance(0.8) ? rng.int(1, 10) : rng.int(10, 400);
  const e = Math.min(text.length, s + len);
  const insert = rng.chance(0.3) ? '' : rng.chance(0.5) ? rng.pick(SPECIAL_SNIPPETS) : text.slice(rng.int(0, text.length), rng.int(0, text.length)).slice(0, 300);
  return { start: s, end: e, insert };
}
