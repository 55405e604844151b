/**
 * Reads an SIS file into its frame (prolog, root) and one chunk per `<user>`.
 *
 * Each user is read on its own (offsets relative to its start), so that
 * - a broken user cannot hide the others: a `<user>` start tag met inside a user ends it;
 * - an edit re-reads only the users it touched (`updateSisDocument`);
 * - a file larger than memory can be read as a stream (`SisStreamReader`).
 */
import type { Problem } from '../diagnostics';
import type { ComplexTypeDef } from '../schema/types';
import { USERS_ELEMENT } from '../schema/user';
import { XmlScanner, isNameStart, preferNames, sameAt } from '../xml/parse';
import { LineStarts } from '../text/lines';
import { ElementTable, fromElement, own, toElement } from '../xml/table';
import type { XmlElement } from '../xml/types';
import type { SisDocument, SisDocumentFrame, SisUserChunk } from './types';
import { UserText } from './userText';

type Root = NonNullable<SisDocumentFrame['root']>;
type OtherElement = SisDocumentFrame['otherElements'][number];
type Declaration = NonNullable<SisDocumentFrame['declaration']>;

const USER = 'user';

/** Every element and attribute name of Alma's user schema. */
function schemaNames(): Set<string> {
  const names = new Set<string>();
  const seen = new Set<ComplexTypeDef>();
  const visit = (ct: ComplexTypeDef) => {
    if (seen.has(ct)) return;
    seen.add(ct);
    for (const a of ct.attributes) names.add(a.name);
    for (const c of ct.children) {
      names.add(c.name);
      for (const a of c.attributes ?? []) names.add(a.name);
      if (c.content) visit(c.content);
    }
  };
  names.add(USERS_ELEMENT.name);
  visit(USERS_ELEMENT.content!);
  return names;
}

// The names read from files are then the schema's own strings: the validator compares them
// with the schema's by identity.
preferNames(schemaNames());

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** True when `text` has a start tag named exactly `name` at `at` (`<name` followed by a delimiter). */
function startTagAt(text: string, at: number, name: string): boolean {
  if (text.charCodeAt(at) !== 60 || !sameAt(text, at + 1, name)) return false;
  const c = text.charCodeAt(at + 1 + name.length);
  return isWs(c) || c === 62 || c === 47 || Number.isNaN(c);
}

function problem(code: Problem['code'], severity: Problem['severity'], message: string, start: number, end: number): Problem {
  return { code, severity, message, start, end: Math.max(end, start + 1) };
}

// ---------------------------------------------------------------------------------------------
// The prolog: BOM, XML declaration, comments, PIs, DOCTYPE, up to the root start tag.

interface Prolog {
  declaration?: Declaration;
  root?: Omit<Root, 'endTagStart'>;
  /** Offset where the root's content starts (after its start tag); the text length when there is no root. */
  contentStart: number;
  problems: Problem[];
  /** True when the root start tag was cut off by the end of the available text. */
  hitLimit: boolean;
}

/** What may stand between `<?xml` and `?>` (XML 1.0 §2.8: VersionInfo EncodingDecl? SDDecl?). */
const XML_DECLARATION_BODY =
  /^\s+version\s*=\s*(?:"[^"]*"|'[^']*')(?:\s+encoding\s*=\s*(?:"[A-Za-z][\w.-]*"|'[A-Za-z][\w.-]*'))?(?:\s+standalone\s*=\s*(?:"(?:yes|no)"|'(?:yes|no)'))?\s*$/;

function readProlog(text: string, limit: number): Prolog {
  const problems: Problem[] = [];
  let pos = 0;
  let declaration: Declaration | undefined;
  if (text.charCodeAt(0) === 0xfeff) {
    problems.push(
      problem(
        'bom',
        'warning',
        'The file starts with a UTF-8 byte-order mark. Alma has been reported to reject such files ("Content is not allowed in prolog"); save as UTF-8 without BOM.',
        0,
        1,
      ),
    );
    pos = 1;
  }
  const firstLt = text.indexOf('<', pos);
  const leadEnd = firstLt < 0 || firstLt > limit ? limit : firstLt;
  let k = pos;
  while (k < leadEnd && isWs(text.charCodeAt(k))) k++;
  if (k < leadEnd) {
    problems.push(
      problem('content-before-prolog', 'error', 'Content is not allowed in prolog: text before the first tag. Alma rejects the whole file.', k, leadEnd),
    );
  }
  if (firstLt >= 0 && firstLt < limit && text.startsWith('<?xml', firstLt) && isWs(text.charCodeAt(firstLt + 5))) {
    if (firstLt > 0 && k >= leadEnd && firstLt > pos) {
      problems.push(
        problem('content-before-prolog', 'error', 'The XML declaration must be at the very start of the file; remove what comes before `<?xml`.', pos, firstLt),
      );
    }
    const close = text.indexOf('?>', firstLt);
    if (close < 0 || close + 2 > limit) {
      problems.push(problem('not-well-formed', 'error', 'The XML declaration is not terminated with `?>`.', firstLt, firstLt + 5));
      return { problems, contentStart: limit, hitLimit: true };
    }
    const body = text.slice(firstLt + 5, close);
    const version = /\bversion\s*=\s*["']([^"']*)["']/.exec(body)?.[1];
    const enc = /\bencoding\s*=\s*["']([^"']*)["']/.exec(body);
    declaration = { start: firstLt, end: close + 2, version: version && own(version), encoding: enc ? own(enc[1]) : undefined };
    if (version === undefined) problems.push(problem('not-well-formed', 'error', 'The XML declaration needs a version: version="1.0".', firstLt, close + 2));
    else if (!XML_DECLARATION_BODY.test(body)) {
      problems.push(
        problem('not-well-formed', 'error', 'The XML declaration is malformed: it may hold only version, encoding and standalone, in that order (<?xml version="1.0" encoding="UTF-8"?>).', firstLt, close + 2),
      );
    }
    if (enc && !/^utf-?8$/i.test(enc[1])) {
      const at = firstLt + 5 + enc.index + enc[0].indexOf(enc[1], enc[0].indexOf('=') + 1);
      problems.push(
        problem('unsupported-encoding', 'error', `The file declares encoding "${enc[1]}"; Alma reads SIS files as UTF-8 only.`, at, at + enc[1].length),
      );
    }
    pos = close + 2;
  } else if (k < leadEnd) {
    pos = leadEnd; // the leading text is reported above
  }
  const scanner = new XmlScanner(text, pos, limit, 0);
  for (;;) {
    scanner.skipWs();
    const p = scanner.pos;
    if (p >= limit) break;
    const c = text.charCodeAt(p);
    if (c !== 60) {
      const next = text.indexOf('<', p);
      const end = next < 0 || next > limit ? limit : next;
      problems.push(problem('content-before-prolog', 'error', 'Content is not allowed in prolog: text before the root element.', p, end));
      scanner.pos = end;
      continue;
    }
    if (text.startsWith('<!--', p)) {
      scanner.skipComment();
      continue;
    }
    if (text.startsWith('<?', p)) {
      const target = scanner.skipProcessingInstruction();
      if (target !== undefined && target.toLowerCase() === 'xml') {
        scanner.error('The XML declaration is only allowed at the very start of the file.', p, p + 5);
      }
      continue;
    }
    if (text.startsWith('<!DOCTYPE', p)) {
      scanner.skipDoctype();
      problems.push(
        problem(
          'doctype',
          'error',
          'A DOCTYPE declaration: SIS files need none, and this tool never expands its entities or fetches anything it names.',
          p,
          p + 9,
        ),
      );
      continue;
    }
    if (text.startsWith('<!', p)) {
      scanner.error("'<!' here must start a comment (<!--).", p, p + 2);
      scanner.pos = p + 2;
      continue;
    }
    // The root start tag.
    scanner.pos = p + 1;
    const name = scanner.readName();
    if (name === '') {
      scanner.error("'<' must start the root element's tag.", p, p + 1);
      scanner.pos = p + 1;
      continue;
    }
    const nameEnd = scanner.pos;
    const rest = scanner.readStartTagRest();
    problems.push(...scanner.problems);
    return {
      declaration,
      root: {
        name,
        start: p,
        nameEnd,
        startTagEnd: scanner.pos,
        attributes: rest.attributes.map((a) => ({ name: a.name, value: a.value, start: a.start, valueEnd: a.valueEnd })),
        selfClosing: rest.selfClosing,
      } as Omit<Root, 'endTagStart'> & { selfClosing: boolean },
      contentStart: scanner.pos,
      problems,
      hitLimit: scanner.hitLimit,
    };
  }
  problems.push(...scanner.problems);
  const noRoot = problem('not-well-formed', 'error', 'The file has no root element (expected <users>).', Math.max(0, Math.min(pos, limit - 1)), limit);
  // An empty file has no character to put it on: an empty range at 0 (inside the document).
  problems.push(limit === 0 ? { ...noRoot, end: 0 } : noRoot);
  return { declaration, problems, contentStart: limit, hitLimit: true };
}

// ---------------------------------------------------------------------------------------------
// The root's content: users, stray elements, text, comments, up to the root end tag.

interface ContentSink {
  /** A user was read into `table` (offsets relative to `start`); the table is reused after the call. */
  user(index: number, start: number, table: ElementTable, problems: Problem[]): void;
  others: OtherElement[];
  problems: Problem[];
}

/** A user of a document: its tree is made when first asked for (see `UserText`). */
class UserChunk implements SisUserChunk {
  constructor(
    readonly index: number,
    readonly start: number,
    readonly end: number,
    readonly problems: readonly Problem[],
    readonly key: UserText,
  ) {}

  get element(): XmlElement {
    return this.key.element();
  }
}

/** A user as a chunk whose tree is made now (`StreamedUser`, a single-user document). */
export function chunkOf(index: number, start: number, element: XmlElement, problems: readonly Problem[]): SisUserChunk {
  return new UserChunk(index, start, start + element.end, problems, UserText.of(element));
}

/**
 * A sink that keeps every user as a chunk (whole-document reading): a place in `text` when it
 * can be read again as it was (`lazy`), else its tree. Users re-read after an edit keep their
 * trees: they are few, and a place in the window they were read from would keep it alive.
 */
function chunkSink(users: SisUserChunk[], lazy: boolean, onTextUser?: TextUserHook): ContentSink {
  return {
    user: (index, start, table, problems) => {
      const chunk = new UserChunk(index, start, start + table.end[0], problems, lazy ? UserText.read(table.source, start, table, problems.length) : UserText.of(toElement(table)));
      users.push(chunk);
      if (onTextUser && chunk.key.fromText) onTextUser(chunk, table);
    },
    others: [],
    problems: [],
  };
}

/** The tables whole-document reading scans into (trees are made from them at once). */
const userTable = new ElementTable();
const otherTable = new ElementTable();

interface ContentResult {
  /** Where reading stopped. */
  pos: number;
  /** Offset of the root end tag, when reached. */
  rootEndTagStart?: number;
  /** Offset just after the root end tag. */
  rootEnd?: number;
  /** True when the last item ran into `limit` unfinished. */
  hitLimit: boolean;
}

/**
 * Reads root content from `from` until the root end tag, `limit`, or (when `stopAt` is given)
 * the first item boundary at or after `stopAt`.
 */
function readRootContent(text: string, from: number, limit: number, rootName: string, firstIndex: number, sink: ContentSink, stopAt = -1, table = userTable): ContentResult {
  let pos = from;
  let index = firstIndex;
  while (pos < limit) {
    if (stopAt >= 0 && pos >= stopAt) return { pos, hitLimit: false };
    const c = text.charCodeAt(pos);
    if (isWs(c)) {
      pos++;
      continue;
    }
    if (c !== 60) {
      const next = text.indexOf('<', pos);
      const end = next < 0 || next > limit ? limit : next;
      let last = end;
      while (last > pos && isWs(text.charCodeAt(last - 1))) last--;
      sink.problems.push(problem('unexpected-text', 'warning', `Text directly inside <${rootName}> is ignored: only <user> elements belong here.`, pos, last));
      pos = end;
      continue;
    }
    if (startTagAt(text, pos, USER)) {
      const scanner = new XmlScanner(text, pos, limit, pos);
      scanner.scanElement(table, { stopAtStartTag: USER, stopAtEndTag: rootName });
      sink.user(index++, pos, table, scanner.problems);
      pos = scanner.pos;
      if (scanner.hitLimit && (limit < text.length || pos >= limit)) return { pos, hitLimit: true };
      continue;
    }
    if (text.startsWith('</', pos)) {
      const scanner = new XmlScanner(text, pos + 2, limit, 0);
      const name = scanner.readName();
      scanner.skipWs();
      const gt = text.charCodeAt(scanner.pos) === 62;
      if (name === rootName) {
        if (!gt) sink.problems.push(problem('not-well-formed', 'error', `The end tag </${name}> is not closed with '>'.`, pos, scanner.pos));
        return { pos: gt ? scanner.pos + 1 : scanner.pos, rootEndTagStart: pos, rootEnd: gt ? scanner.pos + 1 : scanner.pos, hitLimit: false };
      }
      sink.problems.push(problem('not-well-formed', 'error', `Unexpected </${name}>: the open element is <${rootName}>.`, pos, gt ? scanner.pos + 1 : scanner.pos));
      pos = gt ? scanner.pos + 1 : Math.max(scanner.pos, pos + 2);
      continue;
    }
    const scanner = new XmlScanner(text, pos, limit, 0);
    if (text.startsWith('<!--', pos)) {
      scanner.skipComment();
    } else if (text.startsWith('<?', pos)) {
      const target = scanner.skipProcessingInstruction();
      if (target !== undefined && target.toLowerCase() === 'xml') scanner.error('The XML declaration is only allowed at the very start of the file.', pos, pos + 5);
    } else if (text.startsWith('<![CDATA[', pos)) {
      const close = text.indexOf(']]>', pos);
      scanner.pos = close < 0 || close + 3 > limit ? limit : close + 3;
      sink.problems.push(problem('unexpected-text', 'warning', `Text directly inside <${rootName}> is ignored: only <user> elements belong here.`, pos, scanner.pos));
      if (close < 0) scanner.error('A CDATA section is not terminated before the end of the file.', pos, pos + 9);
    } else if (text.startsWith('<!DOCTYPE', pos)) {
      scanner.error('A DOCTYPE is only allowed before the root element.', pos, pos + 9);
      scanner.skipDoctype();
    } else if (!isNameStart(text.charCodeAt(pos + 1))) {
      scanner.error("'<' must start a tag; write a literal '<' as &lt;.", pos, pos + 1);
      scanner.pos = pos + 1;
      if (pos + 1 >= limit) scanner.hitLimit = true;
    } else {
      // Another element: read it whole (it ends at a <user> or the root end tag if unclosed).
      const inner = new XmlScanner(text, pos, limit, pos);
      if (inner.scanElement(otherTable, { stopAtStartTag: USER, stopAtEndTag: rootName })) {
        sink.others.push({ name: otherTable.names[0], start: pos, nameEnd: pos + otherTable.nameEnd[0], end: pos + otherTable.end[0] });
        for (const p of inner.problems) sink.problems.push({ ...p, start: p.start + pos, end: p.end + pos });
        scanner.pos = inner.pos > pos ? inner.pos : pos + 1;
      } else {
        sink.problems.push(problem('not-well-formed', 'error', "'<' must start a tag; write a literal '<' as &lt;.", pos, pos + 1));
        scanner.pos = pos + 1;
      }
      if (inner.hitLimit) scanner.hitLimit = true;
    }
    sink.problems.push(...scanner.problems);
    pos = scanner.pos;
    // Ran into the limit: wait for more text (a stream), or stop at the end of the text. An item
    // that stopped before the end of the whole text (at `</root` cut short) lets the loop go on to
    // that end tag, as the stream reader does once the text has ended (found by fuzzing).
    if (scanner.hitLimit && (limit < text.length || pos >= limit)) return { pos, hitLimit: true };
  }
  return { pos, hitLimit: true };
}

/** After the root end tag only comments, PIs and white space may follow. */
function readEpilog(text: string, from: number, limit: number, problems: Problem[]): void {
  const scanner = new XmlScanner(text, from, limit, 0);
  for (;;) {
    scanner.skipWs();
    const p = scanner.pos;
    if (p >= limit) break;
    if (text.startsWith('<!--', p)) scanner.skipComment();
    else if (text.startsWith('<?', p)) scanner.skipProcessingInstruction();
    else {
      scanner.error('Content after the end of the root element.', p, Math.min(limit, p + 1 + Math.max(0, text.indexOf('>', p) - p)));
      break;
    }
  }
  problems.push(...scanner.problems);
}

// ---------------------------------------------------------------------------------------------
// Whole documents.

/**
 * Called for each user kept as a place in the text (`UserText.fromText`) with the table the
 * reader scanned it into: the table `chunk.key.table()` would make again, valid during the call
 * only. The language server validates users as they are read, instead of scanning each again.
 */
export type TextUserHook = (chunk: SisUserChunk, table: ElementTable) => void;

/** Reads a whole SIS file in one pass. Never throws; problems say what is wrong and where. */
export function readSisDocument(text: string, onTextUser?: TextUserHook): SisDocument {
  const limit = text.length;
  const prolog = readProlog(text, limit);
  const problems = prolog.problems;
  const users: SisUserChunk[] = [];
  const otherElements: OtherElement[] = [];
  const r = prolog.root as (Omit<Root, 'endTagStart'> & { selfClosing?: boolean }) | undefined;
  if (!r) return { declaration: prolog.declaration, otherElements, problems, users, length: limit };

  if (r.name === USER) {
    // A single-user document (the per-user fragments some loaders write): the root is the user.
    const scanner = new XmlScanner(text, r.start, limit, r.start);
    scanner.scanElement(userTable, {});
    const element = toElement(userTable);
    users.push(chunkOf(0, r.start, element, scanner.problems));
    readEpilog(text, scanner.pos, limit, problems);
    const root: Root = { name: r.name, start: r.start, nameEnd: r.nameEnd, startTagEnd: r.startTagEnd, attributes: r.attributes, endTagStart: element.closed ? r.start + element.endTagStart : undefined };
    return { declaration: prolog.declaration, root, otherElements, problems, users, length: limit };
  }

  let endTagStart: number | undefined;
  if (r.selfClosing) {
    endTagStart = r.startTagEnd;
    readEpilog(text, r.startTagEnd, limit, problems);
  } else {
    const sink = chunkSink(users, true, onTextUser);
    const content = readRootContent(text, prolog.contentStart, limit, r.name, 0, sink);
    otherElements.push(...sink.others);
    problems.push(...sink.problems);
    if (content.rootEndTagStart !== undefined) {
      endTagStart = content.rootEndTagStart;
      readEpilog(text, content.rootEnd!, limit, problems);
    } else {
      problems.push(problem('not-well-formed', 'error', `<${r.name}> is not closed before the end of the file.`, r.start + 1, r.nameEnd));
    }
  }
  const root: Root = { name: r.name, start: r.start, nameEnd: r.nameEnd, startTagEnd: r.startTagEnd, attributes: r.attributes, endTagStart };
  problems.sort((a, b) => a.start - b.start);
  return { declaration: prolog.declaration, root, otherElements, problems, users, length: limit };
}

// ---------------------------------------------------------------------------------------------
// Incremental re-reading after an edit.

export interface TextEdit {
  /** Offset where the replaced range started, in the old text. */
  readonly start: number;
  /** Offset where the replaced range ended, in the old text. */
  readonly end: number;
  /** Length of the inserted text. */
  readonly newLength: number;
}

/** Index of the first user that ends at or after `offset` (binary search; `users.length` when none). */
export function firstUserEndingAtOrAfter(users: readonly SisUserChunk[], offset: number): number {
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (users[mid].end < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A text read in parts: a string, or an editor's document kept in pieces, so that an edit does
 * not make (and the reader does not need) one new string of the whole document.
 */
export interface TextSource {
  readonly length: number;
  substring(start: number, end: number): string;
}

/**
 * How far past the re-read region the reader is given the text: enough to see a tag end there
 * (it stops at the region's end; reading on to the window's end sends it to a full read).
 */
const REREAD_LOOKAHEAD = 64 * 1024;

/**
 * The document after `edit` turned the previous text into `text`. Users the edit did not touch
 * keep their `element` and `problems` objects (only `start`, `end` and `index` change), so
 * per-user results cached against the element stay valid. Only the edited users' part of the
 * text is read (a window of it). Falls back to a full read when the edit reaches the prolog or
 * the root tags, or changes the structure around the edited users.
 */
export function updateSisDocument(prev: SisDocument, text: TextSource, edit: TextEdit): SisDocument {
  const readWhole = () => readSisDocument(text.substring(0, text.length));
  const delta = edit.newLength - (edit.end - edit.start);
  const root = prev.root;
  if (!root || root.name === USER || root.endTagStart === undefined || edit.start < root.startTagEnd || edit.end > root.endTagStart) {
    return readWhole();
  }
  const users = prev.users;
  // Users touching the edit (inclusive at both ends: typing right after `</user>` re-reads that user).
  let i = firstUserEndingAtOrAfter(users, edit.start);
  // A user left unclosed ended where the next `<user` began: an edit there may move or remove
  // that boundary, so re-read the unclosed users before it too.
  while (i > 0 && !users[i - 1].key.closed) i--;
  let j = i - 1;
  while (j + 1 < users.length && users[j + 1].start <= edit.end) j++;
  const regionStart = i > 0 ? users[i - 1].end : root.startTagEnd;
  const oldRegionEnd = j + 1 < users.length ? users[j + 1].start : root.endTagStart;
  if (edit.start < regionStart || edit.end > oldRegionEnd) return readWhole();
  // A problem of the root start tag can sit right at its end, where the region starts; it would
  // be taken for one of the region's (found by fuzzing): read everything again then.
  if (regionStart === root.startTagEnd && prev.problems.some((p) => p.start === regionStart)) return readWhole();
  const newRegionEnd = oldRegionEnd + delta;

  // The window's offsets are relative to regionStart; what is read is moved back to absolute ones.
  const window = text.substring(regionStart, Math.min(text.length, newRegionEnd + REREAD_LOOKAHEAD));
  const read: SisUserChunk[] = [];
  const sink = chunkSink(read, false);
  const result = readRootContent(window, 0, window.length, root.name, i, sink, newRegionEnd - regionStart);
  if (result.pos !== newRegionEnd - regionStart || result.rootEndTagStart !== undefined) return readWhole();
  // An unclosed element reports its problem at the next tag, which can be the first one after
  // the region: then the old and the new problem there cannot be told apart (found by fuzzing).
  if (sink.problems.some((p) => p.start >= newRegionEnd - regionStart) || prev.problems.some((p) => p.start === oldRegionEnd)) return readWhole();
  const toAbsolute = <T extends { start: number; end: number }>(x: T): T => ({ ...x, start: x.start + regionStart, end: x.end + regionStart });

  const shift = <T extends { start: number; end: number }>(x: T): T => ({ ...x, start: x.start + delta, end: x.end + delta });
  const nextUsers: SisUserChunk[] = users.slice(0, i);
  for (const u of read) nextUsers.push(new UserChunk(u.index, u.start + regionStart, u.end + regionStart, u.problems, u.key));
  let index = nextUsers.length;
  for (let k = j + 1; k < users.length; k++) {
    const u = users[k];
    nextUsers.push(new UserChunk(index++, u.start + delta, u.end + delta, u.problems, u.key));
  }
  const outside = (p: { start: number }) => p.start < regionStart || p.start >= oldRegionEnd;
  const moved = <T extends { start: number; end: number }>(p: T): T => (p.start >= oldRegionEnd ? shift(p) : p);
  const problems = [...prev.problems.filter(outside).map(moved), ...sink.problems.map(toAbsolute)].sort((a, b) => a.start - b.start);
  const otherElements = [
    ...prev.otherElements.filter(outside).map((o) => (o.start >= oldRegionEnd ? { ...o, start: o.start + delta, nameEnd: o.nameEnd + delta, end: o.end + delta } : o)),
    ...sink.others.map((o) => ({ ...o, start: o.start + regionStart, nameEnd: o.nameEnd + regionStart, end: o.end + regionStart })),
  ].sort((a, b) => a.start - b.start);
  return {
    declaration: prev.declaration,
    root: { ...root, endTagStart: root.endTagStart + delta },
    otherElements,
    problems,
    users: nextUsers,
    length: text.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Streaming.

/**
 * One user as the stream reader hands it over. `table` is the user as the scanner read it, for
 * a consumer that only validates; `chunk` makes the element tree (on first use) for one that
 * needs it. Both are valid only during the `onUser` call: the reader reuses the table.
 */
export class StreamedUser {
  private tree?: SisUserChunk;
  private position?: { readonly line: number; readonly character: number };

  constructor(
    /** 0-based position of this `<user>` among the file's users. */
    readonly index: number,
    /** Absolute offsets of the chunk (as `SisUserChunk`). */
    readonly start: number,
    readonly end: number,
    /** The user, offsets relative to `start`. */
    readonly table: ElementTable,
    /** Well-formedness problems inside this user, offsets relative to `start`. */
    readonly problems: readonly Problem[],
    /** The chunk's own text (offsets relative to `start` index into it). */
    readonly text: string,
    private readonly locate: (offset: number) => { readonly line: number; readonly character: number },
  ) {}

  /** 0-based line of the chunk's start in the whole file. */
  get line(): number {
    this.position ??= this.locate(this.start);
    return this.position.line;
  }

  /** UTF-16 column of the chunk's start. */
  get character(): number {
    this.position ??= this.locate(this.start);
    return this.position.character;
  }

  /** The user as a chunk with its element tree (made from the table on first use). */
  get chunk(): SisUserChunk {
    this.tree ??= chunkOf(this.index, this.start, toElement(this.table), this.problems);
    return this.tree;
  }
}

/** A frame problem with its position. */
export interface StreamedProblem {
  readonly problem: Problem;
  readonly startLine: number;
  readonly startCharacter: number;
  readonly endLine: number;
  readonly endCharacter: number;
}

/**
 * Reads an SIS file piece by piece, handing each user to `onUser` as soon as it is complete and
 * forgetting it, so memory is bounded by the largest user rather than by the file. Results are
 * the same as `readSisDocument` on the whole text.
 */
export class SisStreamReader {
  private buffer = '';
  /** Absolute offset of `buffer[0]`. */
  private base = 0;
  /** Where every line of the text so far starts: positions long after the text is gone. */
  readonly lines = new LineStarts();
  private state: 'prolog' | 'content' | 'epilog' = 'prolog';
  private root?: Omit<Root, 'endTagStart'> & { selfClosing?: boolean };
  private endTagStart?: number;
  private declaration?: Declaration;
  private index = 0;
  private readonly problems: Problem[] = [];
  private readonly others: OtherElement[] = [];
  private ended = false;
  /** Where the text not yet read starts in `buffer`. */
  private at = 0;
  /** Line and column of an offset (for `StreamedUser`). */
  private readonly locate = (offset: number) => this.lines.positionAt(offset);
  /** The table users are scanned into (handed to `onUser`, then reused). */
  private readonly table = new ElementTable();
  /** Pieces pushed but not yet joined to `buffer`. */
  private waiting: string[] = [];
  private waitingLength = 0;

  constructor(
    private readonly onUser: (user: StreamedUser) => void,
    private readonly onProblem: (problem: StreamedProblem) => void = () => {},
  ) {}

  push(piece: string): void {
    if (this.ended) throw new Error('SisStreamReader: push after end');
    this.lines.push(piece);
    this.waiting.push(piece);
    this.waitingLength += piece.length;
    // Joining copies what is left of the buffer: wait until as much text has come as it holds,
    // so an item far longer than a piece (a 10 MB value) is copied and read a few times, not
    // once per piece.
    if (this.waitingLength < this.buffer.length - this.at) return;
    this.join();
    this.process();
  }

  private join(): void {
    if (this.waiting.length === 0) return;
    if (this.at > 0) this.drop(this.base + this.at);
    // `join` makes one flat string; `+=` would make a pair that every read of a character
    // must first look through (measured: the scanner ran three times slower on it).
    this.waiting.unshift(this.buffer);
    this.buffer = this.waiting.join('');
    this.waiting = [];
    this.waitingLength = 0;
  }

  end(): SisDocumentFrame & { readonly userCount: number; readonly length: number } {
    this.ended = true;
    this.lines.end();
    this.join();
    this.process();
    if (this.state === 'content' && this.root) {
      // The root's start tag left the buffer long ago; its line starts did not.
      this.report(problem('not-well-formed', 'error', `<${this.root.name}> is not closed before the end of the file.`, this.root.start + 1, this.root.nameEnd));
    }
    const r = this.root;
    return {
      declaration: this.declaration,
      root: r && { name: r.name, start: r.start, nameEnd: r.nameEnd, startTagEnd: r.startTagEnd, attributes: r.attributes, endTagStart: this.endTagStart },
      otherElements: this.others,
      problems: this.problems,
      userCount: this.index,
      length: this.base + this.buffer.length,
    };
  }

  /** Reports a batch in document order, moved by `shift` (problems of nested elements come innermost first). */
  private reportAll(problems: readonly Problem[], shift: number): void {
    const sorted = [...problems].sort((a, b) => a.start - b.start);
    for (const p of sorted) this.report(shift === 0 ? p : { ...p, start: p.start + shift, end: p.end + shift });
  }

  private report(p: Problem): void {
    this.problems.push(p);
    const s = this.lines.positionAt(p.start);
    const e = this.lines.positionAt(p.end);
    this.onProblem({ problem: p, startLine: s.line, startCharacter: s.character, endLine: e.line, endCharacter: e.character });
  }

  /** Forgets buffered text before `offset`. */
  private drop(offset: number): void {
    const n = offset - this.base;
    if (n <= 0) return;
    this.buffer = this.buffer.slice(n);
    this.base = offset;
    this.at = Math.max(0, this.at - n);
  }

  private process(): void {
    if (this.state === 'prolog') {
      // Wait until the root start tag is complete (or the text ends).
      const text = this.buffer;
      const prolog = readProlog(text, text.length);
      if (prolog.hitLimit && !this.ended) return;
      const singleUser = prolog.root?.name === USER;
      // A single-user document is read whole at the end, problems included: report nothing before.
      if (singleUser && !this.ended) return;
      if (!singleUser) this.reportAll(prolog.problems, 0);
      this.declaration = prolog.declaration;
      this.root = prolog.root as typeof this.root;
      if (!this.root) {
        this.state = 'epilog';
        this.drop(this.base + text.length);
        return;
      }
      if (this.root.name === USER) {
        // A single-user document: read it whole at the end (it is one user).
        if (!this.ended) return;
        const doc = readSisDocument(text);
        this.reportAll(doc.problems, 0);
        for (const u of doc.users) {
          this.onUser(new StreamedUser(u.index, u.start, u.end, fromElement(u.element, this.table), u.problems, text.slice(u.start, u.end), this.locate));
        }
        this.index = doc.users.length;
        this.endTagStart = doc.root?.endTagStart;
        this.state = 'epilog';
        return;
      }
      if (this.root.selfClosing) {
        this.endTagStart = this.root.startTagEnd;
        this.state = 'epilog';
        this.drop(this.root.startTagEnd);
      } else {
        this.state = 'content';
        this.drop(prolog.contentStart);
      }
    }
    if (this.state === 'content') this.processContent();
    if (this.state === 'epilog') {
      if (!this.ended) return;
      const problems: Problem[] = [];
      readEpilog(this.buffer, this.at, this.buffer.length, problems);
      this.reportAll(problems, this.base);
      this.drop(this.base + this.buffer.length);
    }
  }

  private processContent(): void {
    const rootName = this.root!.name;
    const buf = this.buffer;
    const base = this.base;
    // Until the text has ended, keep a margin so no decision depends on characters not yet seen
    // (is `<user` followed by `>` or by `_group`?).
    const limit = this.ended ? buf.length : buf.length - LOOKAHEAD;
    let at = this.at;
    for (;;) {
      while (at < buf.length && isWs(buf.charCodeAt(at))) at++;
      this.at = at;
      if (at >= limit) return;
      let read: { start: number; problems: Problem[] } | undefined;
      const sink: ContentSink = { user: (_index, start, _table, problems) => (read = { start, problems }), others: [], problems: [] };
      // Read exactly one item (it stops at the first item boundary after `at`).
      const r = readRootContent(buf, at, limit, rootName, this.index, sink, at + 1, this.table);
      // The item ran into the end of what we have: wait for more. Text is joined in ever larger
      // batches while an item waits (see `push`), so a huge item is read a few times, not once
      // per piece.
      if (r.hitLimit && !this.ended && r.rootEndTagStart === undefined) return;
      if (sink.problems.length > 0) this.reportAll(sink.problems, base);
      for (const o of sink.others) this.others.push({ ...o, start: o.start + base, nameEnd: o.nameEnd + base, end: o.end + base });
      if (read) {
        const userEnd = read.start + this.table.end[0];
        this.onUser(new StreamedUser(this.index++, read.start + base, userEnd + base, this.table, read.problems, buf.slice(read.start, userEnd), this.locate));
      }
      if (r.rootEndTagStart !== undefined) {
        this.endTagStart = r.rootEndTagStart + base;
        this.at = r.pos;
        this.state = 'epilog';
        return;
      }
      if (r.pos === at) return;
      at = r.pos;
    }
  }
}

/** Characters the reader may need to look past the end of an item before deciding on it. */
const LOOKAHEAD = 64;
