/**
 * Finding things in the reader's model by offset: the user at a place in the file, the chain of
 * elements at a place in a user (hovers, completion, quick fixes, go to definition).
 */
import type { XmlElement } from '../xml/types';
import { firstUserEndingAtOrAfter } from './read';
import type { SisDocument, SisUserChunk } from './types';

/** The user whose chunk holds `offset` (its start to its end, both included; O(log users)). */
export function userAt(sis: Pick<SisDocument, 'users'>, offset: number): SisUserChunk | undefined {
  const i = firstUserEndingAtOrAfter(sis.users, offset);
  const u = sis.users[i];
  if (!u || u.start > offset) return undefined;
  // `</user><user>`: the user that starts here, not the one that ends here.
  const next = sis.users[i + 1];
  return u.end === offset && next?.start === offset ? next : u;
}

/** The chain of elements from `root` down to the deepest one holding `rel` (offsets relative to the chunk). */
export function elementPath(root: XmlElement, rel: number): XmlElement[] {
  const chain: XmlElement[] = [];
  let el: XmlElement | undefined = root;
  while (el && rel >= el.start && rel <= el.end) {
    chain.push(el);
    el = findChild(el.children, rel);
  }
  return chain;
}

function findChild(children: readonly XmlElement[], rel: number): XmlElement | undefined {
  let lo = 0;
  let hi = children.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = children[mid];
    if (rel < c.start) hi = mid - 1;
    else if (rel > c.end) lo = mid + 1;
    else {
      // Touching ends: prefer the element that starts at `rel` over the one that ends there.
      if (rel === c.end && mid + 1 < children.length && children[mid + 1].start === rel) return children[mid + 1];
      return c;
    }
  }
  return undefined;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Trimmed text of a simple-content element. */
export function valueOf(el: XmlElement | undefined): string {
  return el ? el.text.trim() : '';
}
