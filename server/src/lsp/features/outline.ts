import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange } from 'vscode-languageserver';
import type { XmlElement } from '../../../../shared/src/xml/types';
import type { DocumentModel } from '../model';
import { child, valueOf } from '../../../../shared/src/sis/navigate';

/** Above this many users the outline lists users only (no fields), to stay small and fast. */
export const OUTLINE_FIELDS_UP_TO = 2000;

/** One symbol per user (primary id and name), with its fields (and their fields) below it. */
export function documentSymbols(m: DocumentModel): DocumentSymbol[] {
  const withFields = m.sis.users.length <= OUTLINE_FIELDS_UP_TO;
  return m.sis.users.map((u) => {
    const el = u.element;
    const id = valueOf(child(el, 'primary_id'));
    const name = [valueOf(child(el, 'first_name')), valueOf(child(el, 'last_name'))].filter(Boolean).join(' ');
    const range = m.range(u.start, u.end);
    return {
      name: id || `user ${u.index + 1}`,
      detail: name,
      kind: SymbolKind.Object,
      range,
      selectionRange: m.range(u.start + el.start, u.start + el.nameEnd),
      children: withFields ? fieldSymbols(m, u.start, el, 0) : undefined,
    };
  });
}

function fieldSymbols(m: DocumentModel, base: number, el: XmlElement, depth: number): DocumentSymbol[] {
  return el.children.map((c) => {
    const complex = c.children.length > 0;
    const text = valueOf(c);
    return {
      name: c.name,
      detail: complex ? undefined : text.length > 40 ? `${text.slice(0, 39)}…` : text,
      kind: complex ? SymbolKind.Struct : SymbolKind.Field,
      range: m.range(base + c.start, base + c.end),
      selectionRange: m.range(base + c.start, base + c.nameEnd),
      children: complex && depth < 3 ? fieldSymbols(m, base, c, depth + 1) : undefined,
    };
  });
}

/** A folding range for every element (root, users, segments) that spans more than one line (users only in large files). */
export function foldingRanges(m: DocumentModel): FoldingRange[] {
  const out: FoldingRange[] = [];
  const root = m.sis.root;
  if (root?.endTagStart !== undefined) push(out, m, root.start, root.endTagStart);
  // Editors show a few thousand regions at most: in a large file, fold users only.
  const deep = m.sis.users.length <= OUTLINE_FIELDS_UP_TO;
  for (const u of m.sis.users) {
    if (deep) walk(out, m, u.start, u.element);
    else push(out, m, u.start + u.element.start, u.start + u.element.endTagStart);
  }
  return out;
}

function walk(out: FoldingRange[], m: DocumentModel, base: number, el: XmlElement): void {
  // An explicit stack, in document order: hostile files nest 10,000 deep (issue 8 fuzzing).
  const stack: XmlElement[] = [el];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.children.length === 0) continue;
    push(out, m, base + e.start, base + e.endTagStart);
    for (let k = e.children.length - 1; k >= 0; k--) stack.push(e.children[k]);
  }
}

function push(out: FoldingRange[], m: DocumentModel, start: number, endTagStart: number): void {
  const a = m.doc.positionAt(start).line;
  const b = m.doc.positionAt(endTagStart).line;
  // Keep the end tag visible: fold up to the line before it.
  if (b - 1 > a) out.push({ startLine: a, endLine: b - 1, kind: FoldingRangeKind.Region });
}
