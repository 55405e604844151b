import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range, TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { TextSource } from '../../../shared/src/sis/read';

/** The span one didChange notification replaced, in offsets of the previous text. */
export interface EditSpan {
  readonly start: number;
  /** End of the replaced span in the previous text. */
  readonly end: number;
  /** Length of what replaced it in the new text. */
  readonly newLength: number;
}

/**
 * Past this many pieces, an edit joins the text into one string again (one copy of the whole
 * document every few hundred edits, instead of one per edit).
 */
const MAX_PIECES = 1024;

const isEol = (c: number) => c === 13 || c === 10;

/** Where each line starts (after `\n`, `\r` or `\r\n`) in `text`, offsets counted from `base`. */
function lineStarts(text: string, atLineStart: boolean, base = 0): number[] {
  const out = atLineStart ? [base] : [];
  // Before the first \r only \n ends a line, and `indexOf` finds those several times faster than
  // a look at every character (on 42 million characters: about 0.2 s of opening a document).
  const firstCr = text.indexOf('\r');
  const plainEnd = firstCr === -1 ? text.length : firstCr;
  for (let n = text.indexOf('\n'); n !== -1 && n < plainEnd; n = text.indexOf('\n', n + 1)) out.push(base + n + 1);
  for (let i = plainEnd; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isEol(c)) continue;
    if (c === 13 && i + 1 < text.length && text.charCodeAt(i + 1) === 10) i++;
    out.push(base + i + 1);
  }
  return out;
}

/**
 * An open document's text as the client edits it, with the positions LSP speaks in. The same
 * answers as `vscode-languageserver-textdocument`'s `TextDocument` (a test compares them), but
 * the text is kept in pieces: an edit replaces a few characters of a piece instead of making a
 * new string of the whole document (on 20,000 users, a 42-million-character string: a quarter
 * of a second of copying per keystroke on a 2-core machine), and the reader re-reads the
 * edited users from a window of it. The whole text is joined only when asked for.
 */
export class EditableTextDocument implements TextDocument, TextSource {
  private pieces: string[];
  /** Offset of each piece. */
  private starts: number[];
  private size: number;
  private lines: number[];

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private ver: number,
    text: string,
  ) {
    this.pieces = [text];
    this.starts = [0];
    this.size = text.length;
    this.lines = lineStarts(text, true);
  }

  get version(): number {
    return this.ver;
  }

  get length(): number {
    return this.size;
  }

  get lineCount(): number {
    return this.lines.length;
  }

  getText(range?: Range): string {
    if (range) return this.substring(this.offsetAt(range.start), this.offsetAt(range.end));
    if (this.pieces.length > 1) this.join();
    return this.pieces[0] ?? '';
  }

  /** The text from `start` to `end` (clamped, as `String.prototype.substring` does for in-order offsets). */
  substring(start: number, end: number): string {
    start = Math.max(0, Math.min(start, this.size));
    end = Math.max(start, Math.min(end, this.size));
    if (start === end) return '';
    let i = this.pieceAt(start);
    let out = '';
    for (let at = start; at < end; i++) {
      const p = this.pieces[i];
      const from = at - this.starts[i];
      const to = Math.min(p.length, end - this.starts[i]);
      out += p.substring(from, to);
      at = this.starts[i] + to;
    }
    return out;
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.size), 0);
    const lines = this.lines;
    if (lines.length === 0) return { line: 0, character: offset };
    return this.positionOnLine(offset, this.lineAfter(offset, 0, lines.length) - 1);
  }

  /**
   * `positionAt` for an offset at or after the start of line `fromLine`: the line is looked
   * for from there, in steps that double (for offsets in ascending order, such as the users'
   * starts, a few steps each instead of a search of every line).
   */
  positionFrom(offset: number, fromLine: number): Position {
    offset = Math.max(Math.min(offset, this.size), 0);
    const lines = this.lines;
    if (fromLine < 0 || fromLine >= lines.length || lines[fromLine] > offset) return this.positionAt(offset);
    let low = fromLine + 1;
    let high = low;
    for (let step = 1; high < lines.length && lines[high] <= offset; step *= 2) {
      low = high + 1;
      high = low + step;
    }
    return this.positionOnLine(offset, this.lineAfter(offset, low, Math.min(high, lines.length)) - 1);
  }

  /** The first line in [low, high) that starts after `offset` (high when none does). */
  private lineAfter(offset: number, low: number, high: number): number {
    const lines = this.lines;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (lines[mid] > offset) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private positionOnLine(offset: number, line: number): Position {
    const start = this.lines[line];
    return { line, character: this.beforeEol(offset, start) - start };
  }

  offsetAt(position: Position): number {
    const lines = this.lines;
    if (position.line >= lines.length) return this.size;
    if (position.line < 0) return 0;
    const lineStart = lines[position.line];
    if (position.character <= 0) return lineStart;
    const next = position.line + 1 < lines.length ? lines[position.line + 1] : this.size;
    return this.beforeEol(Math.min(lineStart + position.character, next), lineStart);
  }

  getLineRange(line: number): Range {
    const lines = this.lines;
    if (line >= lines.length) {
      const last = lines.length - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.size - lines[last] } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const next = line + 1 < lines.length ? lines[line + 1] : this.size;
    return { start: { line, character: 0 }, end: { line, character: this.beforeEol(next, lines[line]) - lines[line] } };
  }

  getEOLCharacters(line: number): string {
    const lines = this.lines;
    if (line >= lines.length || line < 0) return '';
    const next = line + 1 < lines.length ? lines[line + 1] : this.size;
    return this.substring(this.beforeEol(next, lines[line]), next);
  }

  /** Applies the client's changes in place (as `TextDocument.update` does). */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if (!('range' in change) || change.range === undefined) {
        this.pieces = [change.text];
        this.starts = [0];
        this.size = change.text.length;
        this.lines = lineStarts(change.text, true);
        continue;
      }
      const ordered = before(change.range.end, change.range.start) ? { start: change.range.end, end: change.range.start } : change.range;
      const start = this.offsetAt(ordered.start);
      const end = this.offsetAt(ordered.end);
      this.replace(start, end, change.text);
      const insertedEnd = start + change.text.length;
      // A \r\n made or split at either end: count the lines again, as TextDocument does.
      if ((this.charCodeAt(start - 1) === 13 && this.charCodeAt(start) === 10) || (this.charCodeAt(insertedEnd - 1) === 13 && this.charCodeAt(insertedEnd) === 10)) {
        this.lines = lineStarts(this.getText(), true);
        continue;
      }
      const startLine = Math.max(ordered.start.line, 0);
      const endLine = Math.max(ordered.end.line, 0);
      const added = lineStarts(change.text, false, start);
      const lines = this.lines;
      if (endLine - startLine === added.length) for (let k = 0; k < added.length; k++) lines[k + startLine + 1] = added[k];
      else if (added.length < 10_000) lines.splice(startLine + 1, endLine - startLine, ...added);
      else this.lines = [...lines.slice(0, startLine + 1), ...added, ...lines.slice(endLine + 1)];
      const diff = change.text.length - (end - start);
      if (diff !== 0) for (let k = startLine + 1 + added.length, n = this.lines.length; k < n; k++) this.lines[k] += diff;
    }
    this.ver = version;
  }

  private charCodeAt(offset: number): number {
    if (offset < 0 || offset >= this.size) return NaN;
    const i = this.pieceAt(offset);
    return this.pieces[i].charCodeAt(offset - this.starts[i]);
  }

  private beforeEol(offset: number, lineStart: number): number {
    while (offset > lineStart && isEol(this.charCodeAt(offset - 1))) offset--;
    return offset;
  }

  /** The piece holding `offset` (the last one for the end of the text). */
  private pieceAt(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private replace(start: number, end: number, text: string): void {
    const i = this.pieceAt(start);
    const j = this.pieceAt(end);
    const head = this.pieces[i].substring(0, start - this.starts[i]);
    const tail = this.pieces[j].substring(end - this.starts[j]);
    const middle = [head, text, tail].filter((p) => p.length > 0);
    this.pieces.splice(i, j - i + 1, ...middle);
    this.size += text.length - (end - start);
    const starts = this.starts.slice(0, i);
    let at = i > 0 ? this.starts[i - 1] + this.pieces[i - 1].length : 0;
    for (let k = i; k < this.pieces.length; k++) {
      starts.push(at);
      at += this.pieces[k].length;
    }
    this.starts = starts;
    if (this.pieces.length === 0) {
      this.pieces = [''];
      this.starts = [0];
    }
    if (this.pieces.length > MAX_PIECES) this.join();
  }

  private join(): void {
    this.pieces = [this.pieces.join('')];
    this.starts = [0];
  }
}

/**
 * Positions of offsets asked in ascending order: each looked for from the line of the one
 * before when the document is an `EditableTextDocument` (see `positionFrom`).
 */
export function ascendingPositions(doc: TextDocument): (offset: number) => Position {
  if (!(doc instanceof EditableTextDocument)) return (offset) => doc.positionAt(offset);
  let line = 0;
  return (offset) => {
    const p = doc.positionFrom(offset, line);
    line = p.line;
    return p;
  };
}

/** `positionAt` for an offset at or after the start of line `fromLine` (a few steps from there when the document is an `EditableTextDocument`). */
export function positionFrom(doc: TextDocument, offset: number, fromLine: number): Position {
  return doc instanceof EditableTextDocument ? doc.positionFrom(offset, fromLine) : doc.positionAt(offset);
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);

/**
 * Applies incremental changes to a document and merges them into one edit span, so the
 * reader can re-read only the users the edit touched. The document keeps its line offsets
 * up to date incrementally, so positions never cost a pass over the whole text.
 * Returns `span: undefined` for a full-text replacement. Note: `update` changes the document
 * object in place, so models remember their own version.
 */
export function applyChanges(
  doc: EditableTextDocument,
  changes: readonly TextDocumentContentChangeEvent[],
  version: number,
): { doc: EditableTextDocument; span: EditSpan | undefined } {
  let span: { start: number; oldEnd: number; newEnd: number } | undefined;
  let full = false;
  for (const change of changes) {
    if (!('range' in change) || change.range === undefined) {
      full = true;
      doc.update([change], version);
      continue;
    }
    const s = doc.offsetAt(change.range.start);
    const e = doc.offsetAt(change.range.end);
    const n = change.text.length;
    if (span === undefined) {
      span = { start: s, oldEnd: e, newEnd: s + n };
    } else {
      // Union of the earlier span (in the intermediate text) and this change, mapped back
      // to offsets of the original text.
      const start = Math.min(span.start, s);
      const oldEnd = span.oldEnd + Math.max(0, e - span.newEnd);
      const newEnd = Math.max(span.newEnd, e) + n - (e - s);
      span = { start, oldEnd, newEnd };
    }
    doc.update([change], version);
  }
  if (full || span === undefined) return { doc, span: undefined };
  return { doc, span: { start: span.start, end: span.oldEnd, newLength: span.newEnd - span.start } };
}
