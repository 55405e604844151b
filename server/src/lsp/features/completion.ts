import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type Position,
} from 'vscode-languageserver';
import { elementDefAt, USER_ELEMENT } from '../../../../shared/src/schema/user';
import type { ElementDef } from '../../../../shared/src/schema/types';
import type { DocumentModel } from '../model';
import { codeOffers } from '../../../../shared/src/analysis';
import { elementPath } from '../../../../shared/src/sis/navigate';

/** How far back from the cursor to look for the `<` of a tag being typed. */
const LOOK_BACK = 200;

/**
 * Element names the schema allows at the cursor (without the ones an `all` group already has),
 * and code values inside a code field (from the code tables, else from the snapshot).
 */
export function completion(m: DocumentModel, position: Position): CompletionList | null {
  const offset = m.doc.offsetAt(position);
  const text = m.doc.getText({ start: m.doc.positionAt(Math.max(0, offset - LOOK_BACK)), end: position });
  const lt = text.lastIndexOf('<');
  const gt = text.lastIndexOf('>');
  if (lt > gt && /^<[A-Za-z_]*$/.test(text.slice(lt))) {
    const ltOffset = offset - (text.length - lt);
    return elementNames(m, ltOffset, offset);
  }
  return codeValues(m, offset);
}

/** The element names allowed in the element around `ltOffset`, replacing the partial name. */
function elementNames(m: DocumentModel, ltOffset: number, offset: number): CompletionList | null {
  const chunk = m.userAt(ltOffset);
  let parentPath: string[];
  let present = new Set<string>();
  let before: string[] = [];
  let after: string[] = [];
  if (!chunk || ltOffset === chunk.start) {
    parentPath = ['users'];
  } else {
    const chain = elementPath(chunk.element, ltOffset - chunk.start).filter((e) => e.startTagEnd <= ltOffset - chunk.start);
    if (chain.length === 0) return null;
    parentPath = chain.map((e) => e.name);
    const parent = chain[chain.length - 1];
    // The element being typed may already have been read as a child: it does not count.
    const rel = ltOffset - chunk.start;
    const others = parent.children.filter((c) => c.start !== rel);
    present = new Set(others.map((c) => c.name));
    before = others.filter((c) => c.end <= rel).map((c) => c.name);
    after = others.filter((c) => c.start > rel).map((c) => c.name);
  }
  const def = parentPath[0] === 'users' && parentPath.length === 1 ? { content: { group: 'sequence', children: [USER_ELEMENT] } } : elementDefAt(parentPath);
  const content = def?.content;
  if (!content) return null;
  const range = { start: m.doc.positionAt(ltOffset + 1), end: m.doc.positionAt(offset) };
  const items: CompletionItem[] = [];
  // In a sequence (`contact_info`: addresses, emails, phones) only what fits between the neighbours.
  const position = 'position' in content ? (content.position as ReadonlyMap<string, number>) : undefined;
  const sequence = content.group === 'sequence' && position !== undefined;
  const lowest = sequence ? Math.max(-1, ...before.map((n) => position.get(n) ?? -1)) : -1;
  const highest = sequence ? Math.min(Infinity, ...after.map((n) => position.get(n) ?? Infinity)) : Infinity;
  for (const c of content.children as readonly ElementDef[]) {
    if (c.maxOccurs === 1 && present.has(c.name)) continue;
    const at = position?.get(c.name);
    if (sequence && at !== undefined && (at < lowest || at > highest)) continue;
    if (c.outputOnly) continue;
    const simple = c.content === undefined;
    items.push({
      label: c.name,
      kind: simple ? CompletionItemKind.Field : CompletionItemKind.Struct,
      detail: [c.protectedField ? 'protected' : '', c.minOccurs > 0 ? 'required' : '', c.sis ? '' : 'not read by the SIS load']
        .filter(Boolean)
        .join(' · ') || undefined,
      documentation: { kind: MarkupKind.Markdown, value: c.description },
      textEdit: { range, newText: simple ? `${c.name}>$1</${c.name}>$0` : `${c.name}>\n\t$0\n</${c.name}>` },
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `${c.sis ? 0 : 1}${c.minOccurs > 0 ? 0 : 1}${c.name}`,
    });
  }
  return { isIncomplete: false, items };
}

function codeValues(m: DocumentModel, offset: number): CompletionList | null {
  const chunk = m.userAt(offset);
  if (!chunk) return null;
  const rel = offset - chunk.start;
  const chain = elementPath(chunk.element, rel);
  const el = chain[chain.length - 1];
  if (!el || rel < el.startTagEnd || rel > el.endTagStart || el.children.length > 0) return null;
  const names = chain.map((e) => e.name);
  const def = elementDefAt(names);
  if (!def || !(def.code || def.codeTable)) return null;
  const values = codeOffers(m.env.inputs, names);
  const range = m.range(chunk.start + el.startTagEnd, chunk.start + el.endTagStart);
  return {
    isIncomplete: false,
    items: values.map((v) => ({
      label: v.code,
      kind: CompletionItemKind.EnumMember,
      detail: v.label,
      documentation: v.source === 'snapshot' ? 'used in the snapshot' : def.codeTable ? `code table ${def.codeTable}` : undefined,
      textEdit: { range, newText: v.code },
    })),
  };
}
