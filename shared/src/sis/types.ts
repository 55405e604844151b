import type { Problem } from '../diagnostics';
import type { XmlElement } from '../xml/types';
import type { UserText } from './userText';

/**
 * One `<user>` element of an SIS file, read on its own. Everything inside (`element`,
 * `problems`) is relative to `start`, so an edit elsewhere only moves `start`/`end`.
 */
export interface SisUserChunk {
  /** 0-based position of this `<user>` among the file's users. */
  readonly index: number;
  /** Absolute offset of `<` of `<user`. */
  readonly start: number;
  /** Absolute offset just after `</user>` (or where the chunk was cut when unclosed). */
  readonly end: number;
  /** The user element, offsets relative to `start` (made from the text on first use: `key`). */
  readonly element: XmlElement;
  /**
   * The same object while an edit does not touch the user (a new one when the user is read
   * again): what per-user results are cached under. Reads the user's tree or table on demand.
   */
  readonly key: UserText;
  /** Well-formedness problems inside this user, offsets relative to `start`. */
  readonly problems: readonly Problem[];
}

/** What the reader learned about the file outside its users. Offsets are absolute. */
export interface SisDocumentFrame {
  /** The `<?xml ...?>` declaration, when present. */
  readonly declaration?: { readonly start: number; readonly end: number; readonly version?: string; readonly encoding?: string };
  /** The root element's start tag, when present. */
  readonly root?: {
    readonly name: string;
    readonly start: number;
    readonly nameEnd: number;
    readonly startTagEnd: number;
    /** Offset of `</root>`, absent when the root is not closed. */
    readonly endTagStart?: number;
    readonly attributes: readonly { readonly name: string; readonly value: string; readonly start: number; readonly valueEnd: number }[];
  };
  /** Elements directly inside the root that are not `<user>` (the validator judges them). */
  readonly otherElements: readonly { readonly name: string; readonly start: number; readonly nameEnd: number; readonly end: number }[];
  /** Problems outside the users (prolog, root, text between users, trailing content). */
  readonly problems: readonly Problem[];
}

export interface SisDocument extends SisDocumentFrame {
  readonly users: readonly SisUserChunk[];
  /** Length of the text that was read. */
  readonly length: number;
}
