/**
 * The positioned XML tree the reader builds for each `<user>` chunk.
 *
 * Offsets are UTF-16 code-unit offsets **relative to the start of the chunk** they belong to
 * (`SisUserChunk.start` for a user), so a chunk that an edit did not touch can be reused at a
 * new position by moving its `start` alone. Add the chunk's start to get a document offset.
 */
export interface XmlAttribute {
  readonly name: string;
  /** Entity-decoded value. */
  readonly value: string;
  /** Offset of the attribute name. */
  readonly start: number;
  /** Offset just after the opening quote. */
  readonly valueStart: number;
  /** Offset of the closing quote. */
  readonly valueEnd: number;
}

export interface XmlElement {
  readonly name: string;
  /** Offset of `<` of the start tag. */
  readonly start: number;
  /** Offset just after the element name in the start tag. */
  readonly nameEnd: number;
  /** Offset just after the `>` of the start tag (after `/>` when self-closing). */
  readonly startTagEnd: number;
  /** Offset of `<` of the end tag; equals `startTagEnd` when self-closing; where the content stopped when unclosed. */
  readonly endTagStart: number;
  /** Offset just after the `>` of the end tag (or of the self-closing tag, or where reading stopped). */
  readonly end: number;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /**
   * Character data directly inside the element (entities decoded, CDATA included, line ends
   * normalised to `\n`), untrimmed; '' when none. White space between child elements is dropped.
   */
  readonly text: string;
  /** Span of the element's raw content (`startTagEnd`..`endTagStart`) holds the text and the children. */
  readonly selfClosing: boolean;
  /** False when the end tag is missing (the reader recovered). */
  readonly closed: boolean;
}
