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
  // 4 bytes a line; a text beyond 4 G units moves to 8 bytes a line.
  private starts: Uint32Array | Float64Array = new Uint32Array(1024);
  private count = 1;
  /** Length of the text seen so far. */
  length = 0;
  private pendingCr = false;

  private add(offset: number): void {
    if (offset > 0xffffffff && this.starts instanceof Uint32Array) this.starts = Float64Array.from(this.starts);
    if (this.count === this.starts.length) {
      const bigger = this.starts instanceof Uint32Array ? new Uint32Array(this.starts.length * 2) : new Float64Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    this.starts[this.count++] = offset;
  }

  push(piece: string): void {
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
    return this.starts[Math.max(0, Math.min(line, this.count - 1))];
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.length));
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
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
