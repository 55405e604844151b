/**
 * Offsets ↔ 0-based line/character positions, with the Language Server Protocol's idea of a
 * line break (`\n`, `\r\n` or a lone `\r`, as an editor counts them) and characters counted in
 * UTF-16 code units. One line counter for everyone: the command line (whole texts and streams),
 * the extension's preview and the tools; the language server's `TextDocument` counts the same way.
 */
export interface Position {
  readonly line: number;
  readonly character: number;
}

/**
 * The offset where every line starts, growing as text arrives piece by piece (a stream never
 * held whole), so positions can be worked out after the text is gone. A `\r` at the end of a
 * piece waits for the next one: `\r\n` split across two pieces is one line break.
 */
export class LineStarts {
  // A file of 100,000 users has about 6 million lines: the length of each line takes one byte
  // (the start of every 64th line is kept whole), about 7 MB instead of 32 MB of line starts.
  /** Length of each line but the last, line break included; 255 means "see `longLines`". */
  private lengths = new Uint8Array(1024);
  /** Lengths of 255 and more, by line. */
  private readonly longLines = new Map<number, number>();
  /** Start of line 64·k at k. */
  private marks = new Float64Array(64);
  private count = 1;
  /** Start of the last line. */
  private lastStart = 0;
  /** Length of the text seen so far. */
  length = 0;
  private pendingCr = false;

  /** A new line starts at `offset`. */
  private add(offset: number): void {
    const ended = this.count - 1;
    if (ended === this.lengths.length) {
      const bigger = new Uint8Array(this.lengths.length * 2);
      bigger.set(this.lengths);
      this.lengths = bigger;
    }
    const length = offset - this.lastStart;
    if (length < 255) this.lengths[ended] = length;
    else {
      this.lengths[ended] = 255;
      this.longLines.set(ended, length);
    }
    this.lastStart = offset;
    const line = this.count++;
    if ((line & 63) === 0) {
      const k = line >> 6;
      if (k === this.marks.length) {
        const bigger = new Float64Array(this.marks.length * 2);
        bigger.set(this.marks);
        this.marks = bigger;
      }
      this.marks[k] = offset;
    }
  }

  private lineLength(line: number): number {
    const n = this.lengths[line];
    return n < 255 ? n : this.longLines.get(line)!;
  }

  push(piece: string): void {
    // Nothing to count, and a pending `\r` must still wait for the piece that follows.
    if (piece.length === 0) return;
    const base = this.length;
    let k = 0;
    if (this.pendingCr) {
      // A `\r` ended the previous piece: the line starts after it, or after a `\n` that follows.
      this.pendingCr = false;
      if (piece.charCodeAt(0) === 10) k = 1;
      this.add(base + k);
    }
    // Most files use `\n` only: then indexOf on `\n` is all we need.
    if (piece.indexOf('\r', k) < 0) {
      for (let i = piece.indexOf('\n', k); i >= 0; i = piece.indexOf('\n', i + 1)) this.add(base + i + 1);
    } else {
      for (let i = k; i < piece.length; i++) {
        const c = piece.charCodeAt(i);
        if (c === 10) this.add(base + i + 1);
        else if (c === 13) {
          if (i + 1 === piece.length) this.pendingCr = true;
          else {
            if (piece.charCodeAt(i + 1) === 10) i++;
            this.add(base + i + 1);
          }
        }
      }
    }
    this.length += piece.length;
  }

  /** The text is complete: a `\r` at its very end is a line break. */
  end(): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.add(this.length);
    }
  }

  get lineCount(): number {
    return this.count;
  }

  /** Offset of the first character of a 0-based line. */
  lineStart(line: number): number {
    const l = Math.max(0, Math.min(line, this.count - 1));
    let offset = this.marks[l >> 6];
    for (let k = l & ~63; k < l; k++) offset += this.lineLength(k);
    return offset;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.length));
    // The last mark at or before `o`, then line by line from there.
    let lo = 0;
    let hi = (this.count - 1) >> 6;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.marks[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    let line = lo << 6;
    let start = this.marks[lo];
    const last = this.count - 1;
    while (line < last) {
      const next = start + this.lineLength(line);
      if (next > o) break;
      start = next;
      line++;
    }
    return { line, character: o - start };
  }
}

/** The line starts of a whole text, which it keeps (for `offsetAt` and `lineText`). */
export class LineIndex {
  private readonly lines = new LineStarts();

  constructor(private readonly text: string) {
    this.lines.push(text);
    this.lines.end();
  }

  get lineCount(): number {
    return this.lines.lineCount;
  }

  positionAt(offset: number): Position {
    return this.lines.positionAt(offset);
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lines.lineCount) return this.text.length;
    const lineStart = this.lines.lineStart(position.line);
    const nextStart = position.line + 1 < this.lines.lineCount ? this.lines.lineStart(position.line + 1) : this.text.length;
    return Math.max(lineStart, Math.min(lineStart + position.character, nextStart));
  }

  /** Offset of the first character of a 0-based line. */
  lineStart(line: number): number {
    return this.lines.lineStart(line);
  }

  /** The text of a 0-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    let end = line + 1 < this.lines.lineCount ? this.lines.lineStart(line + 1) : this.text.length;
    while (end > start && (this.text.charCodeAt(end - 1) === 10 || this.text.charCodeAt(end - 1) === 13)) end--;
    return this.text.slice(start, end);
  }
}
