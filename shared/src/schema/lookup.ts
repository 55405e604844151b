/**
 * Position lookups for the editor features (hover, completion): which elements enclose an
 * offset of a user chunk, and their definitions in the schema.
 */
import type { XmlElement } from '../xml/types';
import type { ElementDef } from './types';
import { USER_ELEMENT } from './user';

/**
 * The chain of elements from `root` down to the innermost one whose span holds `offset`
 * (relative to the chunk, like the element's offsets); empty when `offset` is outside `root`.
 */
export function elementChainAt(root: XmlElement, offset: number): XmlElement[] {
  const chain: XmlElement[] = [];
  let el: XmlElement | undefined = root;
  while (el && offset >= el.start && offset <= el.end) {
    chain.push(el);
    const children: readonly XmlElement[] = el.children;
    let next: XmlElement | undefined;
    // Children are in document order: binary search for the last one starting at or before offset.
    let lo = 0;
    let hi = children.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (children[mid].start <= offset) {
        next = children[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    el = next && offset <= next.end ? next : undefined;
  }
  return chain;
}

/**
 * The schema definitions of a chain that starts at a `<user>` element: one entry per element,
 * `undefined` from the first element the schema does not know.
 */
export function definitionsOf(chain: readonly XmlElement[]): (ElementDef | undefined)[] {
  const out: (ElementDef | undefined)[] = [];
  let def: ElementDef | undefined = chain.length > 0 && chain[0].name === 'user' ? USER_ELEMENT : undefined;
  for (let i = 0; i < chain.length; i++) {
    if (i > 0) def = def?.content?.byName.get(chain[i].name);
    out.push(def);
  }
  return out;
}

/** The definition of the innermost element at `offset` of a user chunk, with its element. */
export function definitionAt(user: XmlElement, offset: number): { element: XmlElement; def: ElementDef | undefined } | undefined {
  const chain = elementChainAt(user, offset);
  if (chain.length === 0) return undefined;
  const defs = definitionsOf(chain);
  return { element: chain[chain.length - 1], def: defs[defs.length - 1] };
}
