/**
 * Checks over the whole file: duplicates between users (from their keys alone, so the language
 * server recomputes them in O(users) after an edit) and the frame around the users (root,
 * namespace, no users). Offsets here are ABSOLUTE.
 */
import type { Problem } from '../diagnostics';
import { DEFAULT_SETTINGS, matchesOnPrimaryId, type Settings } from '../settings';
import type { UserKeys } from '../sis/keys';
import type { SisDocumentFrame } from '../sis/types';
import { almaSeverity, prepare, problem, xsdSeverity } from './context';
import { isXsdLong } from './values';

/** A user's keys and where its chunk starts (absolute offset; the keys are relative to it). */
export interface KeyedUser {
  readonly start: number;
  readonly keys: UserKeys;
}

/**
 * Duplicates between users: a Match ID seen in an earlier user → `duplicate-user`; an
 * identifier value (primary id or additional identifier, compared without regard to case)
 * that an earlier user carries → `duplicate-identifier`. The first occurrence wins, as in
 * Alma's job ("… already taken AcrossInstitution in this feed", CARLI's "SIS Synchronization
 * Troubleshooting"); a later user that is rejected does not claim its identifiers. Values
 * repeated inside one user are `validateUser`'s business (`duplicate-identifier-in-user`).
 *
 * Users are given one at a time in feed order, so a stream keeps only the values seen, not
 * every user's keys.
 */
export class DuplicateChecker {
  /**
   * Every value seen, lower-cased → `matchUser * CLAIM + claimUser`, where `matchUser` is 1 + the
   * first user whose Match ID it is and `claimUser` 1 + the first user that claims it as an
   * identifier (0: none). One map, so each identifier of a user costs one look-up and at most
   * one write (a user's Match ID is one of its identifiers).
   */
  private readonly seen = new Map<string, number>();
  private readonly severity: Problem['severity'];
  private readonly matchName: string;
  /** Position of the next user in the feed. */
  private index = 0;
  /** What `seen` held for each identifier of the current user (reused). */
  private readonly found: number[] = [];

  constructor(settings: Settings = DEFAULT_SETTINGS) {
    this.severity = almaSeverity(prepare({ settings }), 'error');
    this.matchName = matchesOnPrimaryId(settings) ? 'primary_id' : settings.matchBy;
  }

  /** The problems of the next user of the feed, relative to its chunk (as its keys are). */
  next(keys: UserKeys): Problem[] {
    const i = this.index++;
    const out: Problem[] = [];
    const ids = keys.identifiers;
    const found = this.found;
    found.length = ids.length;
    for (let j = 0; j < ids.length; j++) found[j] = ids[j].key === '' ? 0 : (this.seen.get(ids[j].key) ?? 0);
    if (keys.matchKey !== null) {
      let m = 0;
      while (m < ids.length && ids[m].key !== keys.matchKey) m++;
      const entry = m < ids.length ? found[m] : (this.seen.get(keys.matchKey) ?? 0);
      const matchUser = Math.floor(entry / CLAIM);
      if (matchUser > 0) {
        const firstIndex = matchUser - 1;
        out.push(problem('duplicate-user', this.severity,
          `User #${firstIndex + 1} earlier in this file has the same Match ID (${this.matchName} "${keys.matchValue}"): Alma loads the first and rejects this one ("… is already taken AcrossInstitution in this feed").`,
          keys.matchStart, keys.matchEnd, { firstIndex }));
        return out;
      }
      const marked = (i + 1) * CLAIM + entry;
      this.seen.set(keys.matchKey, marked);
      for (let j = m; j < ids.length; j++) if (ids[j].key === keys.matchKey) found[j] = marked;
    }
    let rejected = false;
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j];
      if (id.value === '') continue;
      const claimUser = found[j] % CLAIM;
      if (claimUser > 0 && claimUser - 1 !== i) {
        const firstIndex = claimUser - 1;
        rejected = true;
        out.push(problem('duplicate-identifier', this.severity,
          `Identifier of type ${id.type} and value ${id.value} is already taken AcrossInstitution in this feed: user #${firstIndex + 1} earlier in the file carries it, so Alma rejects this user.`,
          id.start, id.end, { firstIndex, type: id.type }));
      }
    }
    if (rejected) return out;
    for (let j = 0; j < ids.length; j++) {
      // A value the user repeats is claimed once (the entry is the same for both slots).
      if (ids[j].key !== '' && found[j] % CLAIM === 0) this.seen.set(ids[j].key, found[j] + i + 1);
    }
    return out;
  }
}

/** Users per entry of `DuplicateChecker.seen`: a factor of 2^26 leaves room for 67 million users. */
const CLAIM = 2 ** 26;

/**
 * `DuplicateChecker` over a list of users. Each problem is relative to the user it is on
 * (`user`: its position in `users`), so the users may come from several files.
 */
export function duplicateProblems(users: readonly { readonly keys: UserKeys }[], settings: Settings = DEFAULT_SETTINGS): { user: number; problem: Problem }[] {
  const checker = new DuplicateChecker(settings);
  const out: { user: number; problem: Problem }[] = [];
  users.forEach((u, user) => {
    for (const problem of checker.next(u.keys)) out.push({ user, problem });
  });
  return out;
}

/** `duplicateProblems` of one file's users, at absolute offsets (each user's keys are relative to its `start`). */
export function fileWideProblems(users: readonly KeyedUser[], settings: Settings = DEFAULT_SETTINGS): Problem[] {
  return duplicateProblems(users, settings).map(({ user, problem: q }) => ({ ...q, start: q.start + users[user].start, end: q.end + users[user].start }));
}

/** Problems of the frame around the users: root element, its attributes, stray elements, no users. */
export function frameProblems(frame: SisDocumentFrame, userCount: number, settings: Settings = DEFAULT_SETTINGS): Problem[] {
  const p = prepare({ settings });
  const out: Problem[] = [];
  const root = frame.root;
  if (root) {
    const s = root.start + 1;
    const e = root.nameEnd;
    if (root.name.includes(':')) {
      out.push(problem('namespace', 'error', `The root <${root.name}> has a namespace prefix; Alma's user schema has no namespace.`, s, e));
    } else if (root.name !== 'users' && root.name !== 'user') {
      // rest_user.xsd declares <user> as a global element too: a single-user file is valid.
      out.push(problem('root-element', xsdSeverity(p, 'warning'),
        p.strict
          ? `The root element is <${root.name}>; the XSD requires <users>.`
          : `The root element is <${root.name}>, not <users>: Alma's loader reads the <user> elements anyway, but the XSD requires <users>.`,
        s, e, { replacement: 'users' }));
    }
    // A root <user> is also the first user: its attributes are the user validator's to judge.
    const rootAttributes = root.name === 'user' ? [] : root.attributes;
    for (const a of rootAttributes) {
      // The frame gives no value start; the value is the raw text before the closing quote.
      const vs = Math.max(a.start, a.valueEnd - a.value.length);
      if (a.name === 'xmlns') {
        if (a.value !== '') out.push(problem('namespace', 'error', `A default namespace ("${a.value}") on the root: Alma's user schema has no namespace.`, vs, a.valueEnd));
      } else if (a.name.startsWith('xmlns:') || (a.name.startsWith('xsi:') && a.name !== 'xsi:nil')) {
        continue;
      } else if (a.name === 'total_record_count' && root.name === 'users') {
        if (p.strict && !isXsdLong(a.value)) out.push(problem('invalid-number', 'error', `total_record_count="${a.value}" is not a whole number.`, vs, a.valueEnd));
      } else if (root.name !== 'user') {
        // A <user> root's attributes (e.g. `link`) are judged by the user's own schema walk.
        out.push(problem('unknown-attribute', xsdSeverity(p, 'warning'), `The root has an attribute "${a.name}" that Alma's schema does not define.`, a.start, a.start + a.name.length, { attribute: a.name }));
      }
    }
    if (userCount === 0) out.push(problem('no-users', 'warning', 'The file holds no <user> element: the job would process nothing.', s, e));
  }
  for (const o of frame.otherElements ?? []) {
    if (o.name.includes(':')) {
      out.push(problem('namespace', 'error', `<${o.name}> has a namespace prefix; Alma's user schema has no namespace.`, o.start + 1, o.nameEnd));
    } else {
      out.push(problem('unknown-element', xsdSeverity(p, 'warning'),
        `<${o.name}> inside the root: only <user> elements belong there${p.strict ? '' : ' (the SIS load ignores it)'}.`, o.start + 1, o.nameEnd, { element: o.name }));
    }
  }
  return out;
}
