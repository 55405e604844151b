/**
 * Where one user of a document is read from, so that its element tree is made only when
 * something asks for it (hovers, plans, quick fixes) instead of for every user of the file.
 *
 * On 20,000 users the trees of a whole document took about 240 MB of the language server's heap
 * and a third of reading it; validation reads a user through the scanner's flat table, which is
 * made again from the text in a fraction of that. A `UserText` is also the user's identity: it
 * stays the same object while an edit does not touch the user, so per-user results are cached
 * under it (`SisUserChunk.key`).
 */
import { XmlScanner } from '../xml/parse';
import { ElementTable, fromElement, toElement } from '../xml/table';
import type { XmlElement } from '../xml/types';

/** The table users are scanned into again (valid until the next scan). */
const rescanTable = new ElementTable();

export class UserText {
  private tree: XmlElement | undefined;

  private constructor(
    /** The text the user was read from (the whole document's string, shared, never copied). */
    private readonly text: string | undefined,
    /** Offset of the user's `<` in `text`, and its length. */
    private readonly at: number,
    private readonly length: number,
    tree: XmlElement | undefined,
    /** Whether the user's end tag was found. */
    readonly closed: boolean,
  ) {
    this.tree = tree;
  }

  /**
   * A user read from `text` at `at`: kept as a place in the text when re-reading it gives the
   * same element (a closed user without reader problems), else as its tree, made now.
   */
  static read(text: string, at: number, table: ElementTable, readerProblems: number): UserText {
    const closed = table.isClosed(0);
    if (closed && readerProblems === 0) return new UserText(text, at, table.end[0], undefined, true);
    return UserText.of(toElement(table));
  }

  /** Whether the user is read from the text (its tree, when made, can be made again). */
  get fromText(): boolean {
    return this.text !== undefined;
  }

  /** A user whose tree is made already (it keeps no text). */
  static of(tree: XmlElement): UserText {
    return new UserText(undefined, 0, tree.end, tree, tree.closed);
  }

  /** The user's element tree, offsets relative to the user's start (made on first use, then kept). */
  element(): XmlElement {
    this.tree ??= toElement(this.table());
    return this.tree;
  }

  /** The user's element tree when it is made already (else undefined: nothing is made). */
  elementIfMade(): XmlElement | undefined {
    return this.tree;
  }

  /**
   * The user as the scanner's flat table, offsets relative to the user's start: what the
   * validator reads. A table shared by every user: valid until the next call.
   */
  table(): ElementTable {
    if (this.tree || this.text === undefined) return fromElement(this.element(), rescanTable);
    // The same scan the reader made: a closed user ends at its own end tag, whatever follows.
    const scanner = new XmlScanner(this.text, this.at, this.at + this.length, this.at);
    scanner.scanElement(rescanTable, { stopAtStartTag: 'user' });
    return rescanTable;
  }

  /**
   * `f()`, forgetting afterwards a tree it made when the tree can be made again from the text:
   * the language server plans about a tenth of a large document's users for its diagnostics,
   * and keeping their trees cost more (43 MB of heap on 20,000 users) than making one again for
   * a hover. A tree made before, or one that cannot be made again, is kept.
   */
  withoutKeepingTree<T>(f: () => T): T {
    if (this.tree || this.text === undefined) return f();
    try {
      return f();
    } finally {
      this.tree = undefined;
    }
  }
}
