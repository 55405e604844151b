/**
 * The keys of one `<user>`: what Alma matches it on and the identifiers that must be unique
 * (see docs/plan.md). Computed from the user alone, so the engine and the file-wide checks
 * can work from a list of keys without re-reading users.
 */
import type { Settings } from '../settings';
import { ElementTable, fromElement, own } from '../xml/table';
import type { XmlElement } from '../xml/types';

/** One identifier slot of a user; offsets relative to the user chunk (the value's text). */
export interface IdentifierKey {
  /** `primary_id` for the primary id, else the `id_type` code as written (trimmed). */
  readonly type: string;
  /** The value, trimmed; '' when empty or missing. */
  readonly value: string;
  /** `value` lower-cased: identifiers are compared without regard to case (Ex Libris Developer Network, "Case-insensitive identifiers and emails in Alma"). */
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

export interface UserKeys {
  /** The Match ID value as the file spells it (trimmed), or null when the user has none. */
  readonly matchValue: string | null;
  /** `matchValue` lower-cased: Alma compares identifiers without regard to case (as `value`). */
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

/** Range of element i's value text (relative), or of its name when it has no content. */
function valueRange(t: ElementTable, i: number): { start: number; end: number } {
  if (t.endTagStart[i] > t.startTagEnd[i]) return { start: t.startTagEnd[i], end: t.endTagStart[i] };
  return { start: t.start[i] + 1, end: t.nameEnd[i] };
}

/** Element i's value, trimmed, as a string of its own (keys outlive the text they were read from). */
function valueOf(t: ElementTable, i: number): string {
  return own(trimXml(t.textOf(i)));
}

/** The keys of the user in element 0 of `t`. */
export function userKeysOf(t: ElementTable, settings: Pick<Settings, 'matchBy'>): UserKeys {
  const identifiers: IdentifierKey[] = [];
  let primaryId: string | null = null;
  const byPrimary = settings.matchBy.toLowerCase() === 'primary_id';
  const matchType = settings.matchBy.toLowerCase();
  let match: IdentifierKey | undefined;
  const names = t.names;
  const after = t.after;
  for (let c = 1, e = after[0]; c < e; c = after[c]) {
    const name = names[c];
    if (name === 'primary_id') {
      if (primaryId !== null) continue; // a repeated primary_id is a structural problem, reported elsewhere
      const value = valueOf(t, c);
      const r = valueRange(t, c);
      if (value !== '') {
        primaryId = value;
        const key = { type: 'primary_id', value, key: value.toLowerCase(), start: r.start, end: r.end };
        identifiers.unshift(key);
        if (byPrimary) match = key;
      }
    } else if (name === 'user_identifiers') {
      for (let item = c + 1, ie = after[c]; item < ie; item = after[item]) {
        if (names[item] !== 'user_identifier') continue;
        const typeEl = t.findChild(item, 'id_type');
        const valueEl = t.findChild(item, 'value');
        const type = typeEl >= 0 ? valueOf(t, typeEl) : '';
        const value = valueEl >= 0 ? valueOf(t, valueEl) : '';
        const r = valueEl >= 0 ? valueRange(t, valueEl) : { start: t.start[item] + 1, end: t.nameEnd[item] };
        const key = { type, value, key: value.toLowerCase(), start: r.start, end: r.end };
        identifiers.push(key);
        if (!byPrimary && match === undefined && value !== '' && type.toLowerCase() === matchType) match = key;
      }
    }
  }
  return {
    matchValue: match ? match.value : null,
    matchKey: match ? match.key : null,
    matchStart: match ? match.start : t.start[0] + 1,
    matchEnd: match ? match.end : t.nameEnd[0],
    primaryId,
    identifiers,
  };
}

const scratch = new ElementTable();

/** The keys of a `<user>` element tree (see `userKeysOf`). */
export function userKeys(element: XmlElement, settings: Pick<Settings, 'matchBy'>): UserKeys {
  return userKeysOf(fromElement(element, scratch), settings);
}
