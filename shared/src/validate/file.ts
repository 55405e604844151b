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
import { Float64List, Int32List, StringNumberTable } from '../text/stringTable';

/** A user's keys and where its chunk starts (absolute offset; the keys are relative to it). */
export interface KeyedUser {
  readonly start: number;
  readonly keys: UserKeys;
}

/** Where a user of the feed is: its file (position in the feed), its chunk's absolute start there, and its position in that file. */
export interface FeedPlace {
  readonly file: number;
  /** The file's name as people see it (`students.xml`, `feed.zip!/staff.xml`), for messages across files. */
  readonly fileName?: string;
  readonly start: number;
  readonly indexInFile: number;
}

/** A problem found later in the feed that belongs to a user of an earlier file (absolute offsets in that file). */
export interface EarlierFileProblem {
  readonly file: number;
  readonly problem: Problem;
}


/**
 * Duplicates between users: a Match ID seen in an earlier user → `duplicate-user`; an
 * identifier value (primary id or additional identifier, compared without regard to case)
 * that an earlier user carries → `duplicate-identifier`. The first occurrence wins, as in
 * Alma's job ("… already taken AcrossInstitution in this feed", CARLI's "SIS Synchronization
 * Troubleshooting"); a later user that is rejected does not claim its identifiers. Values
 * repeated inside one user are `validateUser`'s business (`duplicate-identifier-in-user`).
 * Each problem points at the first holder's value as related information.
 *
 * Users are given one at a time in feed order, so a stream keeps only the values seen and a
 * few numbers per user (where it is), not every user's keys. The users may come from several
 * files of one feed (a zip, or files named together): a first holder in an earlier file also
 * gets a note (`repeated-in-later-file`, collected in `earlierFileProblems`), since whoever
 * reads that file alone cannot see the later one.
 */
export class DuplicateChecker {
  /**
   * Every value seen, lower-cased → `matchUser * CLAIM + claimUser`, where `matchUser` is 1 + the
   * first user whose Match ID it is and `claimUser` 1 + the first user that claims it as an
   * identifier (0: none). One map, so each identifier of a user costs one look-up and at most
   * one write (a user's Match ID is one of its identifiers). A compact table, not a `Map`: a
   * feed of 100,000 users holds about 250,000 values.
   */
  private readonly seen = new StringNumberTable();
  private readonly severity: Problem['severity'];
  private readonly matchName: string;
  /** Position of the next user in the feed. */
  private index = 0;
  /** What `seen` held for each identifier of the current user (reused). */
  private readonly found: number[] = [];
  // Where each user of the feed is (by feed position): file, position there, its Match ID's
  // absolute range. Typed lists: 4 or 8 bytes per user.
  private readonly userFile = new Int32List();
  private readonly userIndexInFile = new Int32List();
  private readonly matchStart = new Float64List();
  private readonly matchEnd = new Float64List();
  /** By entry of `seen`: where its claiming user holds the value (absolute range). */
  private readonly claimStart = new Float64List();
  private readonly claimEnd = new Float64List();
  private readonly fileNames: (string | undefined)[] = [];
  /** Notes for first holders in earlier files, found as later files are read. */
  readonly earlierFileProblems: EarlierFileProblem[] = [];

  constructor(settings: Settings = DEFAULT_SETTINGS) {
    this.severity = almaSeverity(prepare({ settings }), 'error');
    this.matchName = matchesOnPrimaryId(settings) ? 'primary_id' : settings.matchBy;
  }

  private remember(keys: UserKeys, place: FeedPlace): void {
    this.userFile.push(place.file);
    this.userIndexInFile.push(place.indexInFile);
    this.matchStart.push(place.start + keys.matchStart);
    this.matchEnd.push(place.start + keys.matchEnd);
  }

  /** Where the user that claimed `key` holds it (its first identifier of that value). */
  private holding(key: string): { start: number; end: number } {
    const e = this.seen.entryOf(key);
    return { start: this.claimStart.at(e), end: this.claimEnd.at(e) };
  }

  /** `user #3 earlier in this file` or `user #3 of staff.xml, earlier in this feed,`. */
  private who(u: number, file: number): string {
    const n = this.userIndexInFile.at(u) + 1;
    if (this.userFile.at(u) === file) return `user #${n} earlier in this file`;
    return `user #${n} of ${this.fileNames[this.userFile.at(u)] ?? 'another file'}, earlier in this feed,`;
  }

  /**
   * The problems of the next user of the feed, relative to its chunk (as its keys are). `place`
   * says where the user is (default: the next user of one file whose chunks start at 0).
   */
  next(keys: UserKeys, place: FeedPlace = { file: 0, start: 0, indexInFile: this.index }): Problem[] {
    const i = this.index++;
    if (place.fileName !== undefined) this.fileNames[place.file] = place.fileName;
    this.remember(keys, place);
    const out: Problem[] = [];
    const related = (u: number, at: { start: number; end: number }, what: string) => [{ file: this.userFile.at(u), start: at.start, end: at.end, message: `The first ${what}: Alma loads this user.` }];
    const noteEarlier = (u: number, at: { start: number; end: number }, start: number, end: number, what: string) => {
      if (this.userFile.at(u) === place.file) return;
      const later = `User #${place.indexInFile + 1} of ${place.fileName ?? 'a later file'}`;
      this.earlierFileProblems.push({
        file: this.userFile.at(u),
        problem: problem('repeated-in-later-file', 'information',
          `${later}, later in this feed, sends ${what} again: Alma loads this user and rejects that one ("… is already taken AcrossInstitution in this feed").`,
          at.start, at.end, undefined, [{ file: place.file, start: place.start + start, end: place.start + end, message: `The later ${what}: Alma rejects this user.` }]),
      });
    };
    const ids = keys.identifiers;
    // Only the first ids.length slots are read (setting the length would shrink and regrow it).
    const found = this.found;
    for (let j = 0; j < ids.length; j++) found[j] = ids[j].key === '' ? 0 : (this.seen.get(ids[j].key) ?? 0);
    if (keys.matchKey !== null) {
      let m = 0;
      while (m < ids.length && ids[m].key !== keys.matchKey) m++;
      const entry = m < ids.length ? found[m] : (this.seen.get(keys.matchKey) ?? 0);
      const matchUser = Math.floor(entry / CLAIM);
      if (matchUser > 0) {
        const first = matchUser - 1;
        const at = { start: this.matchStart.at(first), end: this.matchEnd.at(first) };
        const what = `Match ID (${this.matchName} "${keys.matchValue}")`;
        out.push(problem('duplicate-user', this.severity,
          `${capitalise(this.who(first, place.file))} has the same ${what}: Alma loads the first and rejects this one ("… is already taken AcrossInstitution in this feed").`,
          keys.matchStart, keys.matchEnd, { firstIndex: first }, related(first, at, `user with this ${what}`)));
        noteEarlier(first, at, keys.matchStart, keys.matchEnd, `the same ${what}`);
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
        const first = claimUser - 1;
        const at = this.holding(id.key);
        rejected = true;
        out.push(problem('duplicate-identifier', this.severity,
          `Identifier of type ${id.type} and value ${id.value} is already taken AcrossInstitution in this feed: ${this.who(first, place.file)} carries it, so Alma rejects this user.`,
          id.start, id.end, { firstIndex: first, type: id.type }, related(first, at, 'user with this identifier')));
        noteEarlier(first, at, id.start, id.end, `identifier ${id.value} (type ${id.type})`);
      }
    }
    if (rejected) return out;
    for (let j = 0; j < ids.length; j++) {
      const key = ids[j].key;
      if (key === '' || found[j] % CLAIM !== 0) continue;
      const claimed = found[j] + i + 1;
      const e = this.seen.set(key, claimed);
      this.claimStart.setAt(e, place.start + ids[j].start);
      this.claimEnd.setAt(e, place.start + ids[j].end);
      // A value the user repeats is claimed once, at its first slot.
      for (let k = j + 1; k < ids.length; k++) if (ids[k].key === key) found[k] = claimed;
    }
    return out;
  }
}

/** Users per entry of `DuplicateChecker.seen`: a factor of 2^26 leaves room for 67 million users. */
const CLAIM = 2 ** 26;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * `DuplicateChecker` over a list of users of one file. Each problem is relative to the user it
 * is on (`user`: its position in `users`); related locations are absolute.
 */
export function duplicateProblems(users: readonly KeyedUser[], settings: Settings = DEFAULT_SETTINGS): { user: number; problem: Problem }[] {
  const checker = new DuplicateChecker(settings);
  const out: { user: number; problem: Problem }[] = [];
  users.forEach((u, user) => {
    for (const problem of checker.next(u.keys, { file: 0, start: u.start, indexInFile: user })) out.push({ user, problem });
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
