import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';

/** The span one didChange notification replaced, in offsets of the previous text. */
export interface EditSpan {
  readonly start: number;
  /** End of the replaced span in the previous text. */
  readonly end: number;
  /** Length of what replaced it in the new text. */
  readonly newLength: number;
}

/**
 * Applies incremental changes to a document and merges them into one edit span, so the
 * reader can re-read only the users the edit touched. `TextDocument` keeps its line offsets
 * up to date incrementally, so positions never cost a pass over the whole text.
 * Returns `span: undefined` for a full-text replacement. Note: `TextDocument.update` changes
 * the document object in place (and returns it), so models remember their own version.
 */
export function applyChanges(
  doc: TextDocument,
  changes: readonly TextDocumentContentChangeEvent[],
  version: number,
): { doc: TextDocument; span: EditSpan | undefined } {
  let span: { start: number; oldEnd: number; newEnd: number } | undefined;
  let full = false;
  let current = doc;
  for (const change of changes) {
    if (!('range' in change) || change.range === undefined) {
      full = true;
      current = TextDocument.update(current, [change], version);
      continue;
    }
    const s = current.offsetAt(change.range.start);
    const e = current.offsetAt(change.range.end);
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
    current = TextDocument.update(current, [change], version);
  }
  if (full || span === undefined) return { doc: current, span: undefined };
  return { doc: current, span: { start: span.start, end: span.oldEnd, newLength: span.newEnd - span.start } };
}
