/**
 * The keys of one `<user>`: what Alma matches it on and the identifiers that must be unique
 * (domain §4.1, §4.8). Computed from the element alone, so the engine and the file-wide checks
 * can work from a list of keys without re-reading users.
 */
import type { Settings } from '../settings';
import type { XmlElement } from '../xml/types';

/** One identifier slot of a user; offsets relative to the user chunk (the value's text). */
export interface IdentifierKey {
  /** `primary_id` for the primary id, else the `id_type` code as written (trimmed). */
  readonly type: string;
  /** The value, trimmed; '' when empty or missing. */
  readonly value: string;
  /** `value` lower-cased: identifiers are compared without regard to case [BLOG-CASE]. */
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

export interface UserKeys {
  /** The Match ID value as the file spells it (trimmed), or null when the user has none. */
  readonly matchValue: string | null;
  /** `matchValue` lower-cased: Alma compares identifiers without regard to case [BLOG-CASE]. */
  readonly matchKey: string | null;
  /** Range of the match value (relative), or of the user's name when there is none. */
  readonly matchStart: number;
  readonly matchEnd: number;
  /** The primary id (trimmed), or null. */
  readonly primaryId: string | null;
  /** Every identifier slot: the primary id first (when present), then each `user_identifier`. */
  readonly identifiers: readonly IdentifierKey[];
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/** `s` without leading/trailing XML whitespace (no allocation when there is none). */
export function trimXml(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Range of an element's value text (relative), or of its name when it has no content. */
export function valueRange(el: XmlElement): { start: number; end: number } {
  if (el.endTagStart > el.startTagEnd) return { start: el.startTagEnd, end: el.endTagStart };
  return { start: el.start + 1, end: el.nameEnd };
}

function firstChild(el: XmlElement, name: string): XmlElement | undefined {
  const ch = el.children;
  for (let i = 0; i < ch.length; i++) if (ch[i].name === name) return ch[i];
  return undefined;
}

export function userKeys(element: XmlElement, settings: Pick<Settings, 'matchBy'>): UserKeys {
  const identifiers: IdentifierKey[] = [];
  let primaryId: string | null = null;
  const byPrimary = settings.matchBy.toLowerCase() === 'primary_id';
  const matchType = settings.matchBy.toLowerCase();
  let match: IdentifierKey | undefined;
  const children = element.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    if (c.name === 'primary_id') {
      if (primaryId !== null) continue; // a repeated primary_id is a structural problem, reported elsewhere
      const value = trimXml(c.text);
      const r = valueRange(c);
      if (value !== '') {
        primaryId = value;
        const key = { type: 'primary_id', value, key: value.toLowerCase(), start: r.start, end: r.end };
        identifiers.unshift(key);
        if (byPrimary) match = key;
      }
    } else if (c.name === 'user_identifiers') {
      const items = c.children;
      for (let j = 0; j < items.length; j++) {
        const item = items[j];
        if (item.name !== 'user_identifier') continue;
        const typeEl = firstChild(item, 'id_type');
        const valueEl = firstChild(item, 'value');
        const type = typeEl ? trimXml(typeEl.text) : '';
        const value = valueEl ? trimXml(valueEl.text) : '';
        const r = valueEl ? valueRange(valueEl) : { start: item.start + 1, end: item.nameEnd };
        const key = { type, value, key: value.toLowerCase(), start: r.start, end: r.end };
        identifiers.push(key);
        if (!byPrimary && match === undefined && value !== '' && type.toLowerCase() === matchType) match = key;
      }
    }
  }
  return {
    matchValue: match ? match.value : null,
    matchKey: match ? match.key : null,
    matchStart: match ? match.start : element.start + 1,
    matchEnd: match ? match.end : element.nameEnd,
    primaryId,
    identifiers,
  };
}
