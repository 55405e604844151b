/**
 * Grouping of repeated harmless findings: a production loader writes the same harmless thing
 * into every user (Berkeley's writes segment_type="Internal" on every segment), and 100,000
 * copies of one warning bury the one real problem. Such findings are shown as ONE finding per
 * file, code and severity, at the first occurrence, whose message says how many users carry it
 * and whose related information lists the next occurrences (at most `GROUPED_RELATED_LIMIT`).
 *
 * Only findings about the export as a whole are grouped: codes whose fix is in the loader,
 * not in one user, and never an error (every rejected user keeps its own diagnostic). The
 * decision per code is listed in docs/diagnostics.md ("Grouped findings").
 *
 * The grouper is fed in file order, user by user, and keeps per group only the first
 * occurrence, two counters and the capped related list: memory does not grow with the number
 * of occurrences (the command line streams files of 100,000 users through it). It knows
 * nothing of offsets or positions. The language server keeps every user's findings of an open
 * document in a `GroupedUserFindings`, which gives the same groups but is updated one user at a
 * time, so that an edit does not pass the whole document's findings through a grouper again.
 */
import type { DiagnosticCode, Problem, Severity } from '../diagnostics';

/** Occurrences listed as related information of a grouped finding, after the first. */
export const GROUPED_RELATED_LIMIT = 20;

/**
 * Codes that describe a harmless pattern a loader repeats in every user, grouped when their
 * severity is not `error` (strict mode makes some of them errors: those stay one per place).
 */
export const GROUPED_CODES: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>([
  'segment-type-ignored',
  'ignored-by-sis',
  'empty-value',
  'unknown-element',
  'unknown-attribute',
  'element-order',
  'padded-value',
  'no-preferred',
  'expiry-in-past',
]);

/** Whether a finding of this code and severity is grouped with the others of its file. */
export function isGroupedFinding(code: string, severity: Severity): boolean {
  return severity !== 'error' && GROUPED_CODES.has(code as DiagnosticCode);
}

/** The group a grouped finding belongs to. */
const groupKey = (f: Finding) => `${f.code}\u0000${f.severity}`;

/** How many occurrences a grouped finding stands for: in the file, the first included, and in how many users. */
export type GroupCount = NonNullable<Problem['group']>;

/** What the grouper reads of a finding, whatever the host's type for it. */
export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
}

/** One group: its first occurrence, the next ones up to the limit, the counts and the message to show. */
export interface FindingGroup<T> extends GroupCount {
  readonly first: T;
  /** The occurrences after the first, in file order, at most the grouper's limit. */
  readonly related: readonly T[];
  /** The first occurrence's message, saying how many users carry the finding (see `groupedMessage`). */
  readonly message: string;
}

interface OpenGroup<T> {
  readonly first: T;
  readonly firstFinding: Finding;
  readonly related: T[];
  count: number;
  users: number;
  lastUser: number;
  /** Whether every occurrence has the first one's message (same field, same value). */
  sameMessage: boolean;
}

/**
 * Collects the grouped findings of one file. `T` is whatever the host shows (a problem with
 * absolute offsets, an LSP diagnostic), read through `view`; `user` is the position of the user
 * the finding is in. Findings arrive in file order (a user's together, in document order), so
 * users are counted with one number per group.
 */
export class FindingGrouper<T> {
  private readonly groups = new Map<string, OpenGroup<T>>();

  constructor(
    private readonly view: (finding: T) => Finding,
    private readonly limit: number = GROUPED_RELATED_LIMIT,
  ) {}

  /**
   * Takes the finding when its code and severity group (true); otherwise the caller keeps it.
   * `kept` makes what the grouper keeps of a finding it takes (the first and the related ones,
   * a few per group): the others, most of them, are only counted, and need no copy.
   */
  offer(finding: T, user: number, kept: (finding: T) => T = (x) => x): boolean {
    const f = this.view(finding);
    if (!isGroupedFinding(f.code, f.severity)) return false;
    const key = groupKey(f);
    const g = this.groups.get(key);
    if (!g) {
      this.groups.set(key, { first: kept(finding), firstFinding: f, related: [], count: 1, users: 1, lastUser: user, sameMessage: true });
      return true;
    }
    g.count++;
    if (g.lastUser !== user) {
      g.users++;
      g.lastUser = user;
    }
    if (g.sameMessage && f.message !== g.firstFinding.message) g.sameMessage = false;
    if (g.related.length < this.limit) g.related.push(kept(finding));
    return true;
  }

  /** The groups, in the order of their first occurrences. */
  result(): FindingGroup<T>[] {
    return [...this.groups.values()].map(({ first, firstFinding, related, count, users, sameMessage }) => ({
      first,
      related,
      count,
      users,
      message: groupedMessage(firstFinding, { count, users }, sameMessage),
    }));
  }
}

/** A finding and the position of the user it is in. */
export interface UserFinding<T> {
  readonly user: number;
  readonly finding: T;
}

/** One user's findings, split: those shown as they are, and the grouped ones with their group keys. */
interface UserSlot<T> {
  readonly kept: readonly T[];
  readonly grouped: readonly T[];
  readonly keys: readonly string[];
}

interface HeldGroup<T> {
  count: number;
  users: number;
  /** Occurrences per message: the group's occurrences say the same while there is one. */
  readonly messages: Map<string, number>;
  /** The first occurrence and the next ones up to the limit, in file order; undefined: to be looked up again. */
  head?: UserFinding<T>[];
}

const NOTHING: readonly never[] = [];

/**
 * The grouping of `FindingGrouper` for a host that keeps every user's findings (the language
 * server, across the versions of an open document): a user's findings are replaced one user
 * at a time, and the groups are kept up to date by counting, so that an edit in one user costs
 * that user's findings, not the document's. `result()` gives exactly the groups a
 * `FindingGrouper` fed every user's findings in file order would give.
 */
export class GroupedUserFindings<T> {
  private readonly slots: (UserSlot<T> | undefined)[];
  private readonly groups = new Map<string, HeldGroup<T>>();

  constructor(
    /** How many users the document has (a host makes a new one when that changes). */
    readonly users: number,
    private readonly view: (finding: T) => Finding,
    private readonly limit: number = GROUPED_RELATED_LIMIT,
  ) {
    this.slots = new Array<UserSlot<T> | undefined>(users).fill(undefined);
  }

  /** Replaces the findings of the user at `user` (in document order). */
  set(user: number, findings: readonly T[]): void {
    if (user < 0 || user >= this.users) throw new RangeError(`no user ${user} in ${this.users}`);
    const old = this.slots[user];
    if (old) this.count(user, old, -1);
    let kept: T[] | undefined;
    let grouped: T[] | undefined;
    let keys: string[] | undefined;
    for (const t of findings) {
      const f = this.view(t);
      if (!isGroupedFinding(f.code, f.severity)) (kept ??= []).push(t);
      else {
        (grouped ??= []).push(t);
        (keys ??= []).push(groupKey(f));
      }
    }
    const slot = kept || grouped ? { kept: kept ?? NOTHING, grouped: grouped ?? NOTHING, keys: keys ?? NOTHING } : undefined;
    this.slots[user] = slot;
    if (slot) this.count(user, slot, 1);
  }

  /** The user's findings that are not grouped, in document order. */
  kept(user: number): readonly T[] {
    return this.slots[user]?.kept ?? NOTHING;
  }

  /** The groups, in the order of their first occurrences. */
  result(): FindingGroup<UserFinding<T>>[] {
    const out: { group: FindingGroup<UserFinding<T>>; rank: number }[] = [];
    for (const [key, g] of this.groups) {
      const head = (g.head ??= this.lookUpHead(key));
      const first = head[0];
      out.push({
        group: { first, related: head.slice(1), count: g.count, users: g.users, message: groupedMessage(this.view(first.finding), g, g.messages.size === 1) },
        rank: this.slots[first.user]!.keys.indexOf(key),
      });
    }
    // A FindingGrouper meets the groups in file order: by user, then within the user.
    out.sort((a, b) => a.group.first.user - b.group.first.user || a.rank - b.rank);
    return out.map((o) => o.group);
  }

  private count(user: number, slot: UserSlot<T>, by: 1 | -1): void {
    for (let i = 0; i < slot.keys.length; i++) {
      const key = slot.keys[i];
      let g = this.groups.get(key);
      if (!g) {
        g = { count: 0, users: 0, messages: new Map() };
        this.groups.set(key, g);
      }
      g.count += by;
      if (slot.keys.indexOf(key) === i) g.users += by;
      const message = this.view(slot.grouped[i]).message;
      const n = (g.messages.get(message) ?? 0) + by;
      if (n === 0) g.messages.delete(message);
      else g.messages.set(message, n);
      // The listed occurrences change when the list is not full or the user is not after its last.
      if (g.head && (g.head.length <= this.limit || user <= g.head[g.head.length - 1].user)) g.head = undefined;
      if (g.count === 0) this.groups.delete(key);
    }
  }

  private lookUpHead(key: string): UserFinding<T>[] {
    const head: UserFinding<T>[] = [];
    for (let user = 0; user < this.slots.length && head.length <= this.limit; user++) {
      const s = this.slots[user];
      if (!s) continue;
      for (let i = 0; i < s.keys.length && head.length <= this.limit; i++) if (s.keys[i] === key) head.push({ user, finding: s.grouped[i] });
    }
    return head;
  }
}

/** `1234567` → `1,234,567` (the same in every locale: messages are compared in tests and CI logs). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The first occurrence's message, with how many users carry the finding: "… (and 1,999 more
 * users)" when each user carries it once, "… (6,000 times in 2,000 users)" when some carry it
 * more often; when the occurrences differ (other fields), "… (and 5,999 more ignored-by-sis
 * findings in 2,000 users)". A single occurrence keeps its message.
 */
export function groupedMessage(first: Finding, { count, users }: GroupCount, sameMessage = true): string {
  if (count <= 1) return first.message;
  const where = users <= 1 ? 'this user' : `${thousands(users)} users`;
  if (!sameMessage) return `${first.message} (and ${thousands(count - 1)} more ${first.code} findings in ${where})`;
  if (users > 1 && count === users) return `${first.message} (and ${thousands(users - 1)} more users)`;
  return `${first.message} (${thousands(count)} times in ${where})`;
}

/** A problem is a finding as it is (the `view` of a `FindingGrouper<Problem>`). */
export const asFinding = (p: Problem): Finding => p;

/**
 * A group as one problem: the first occurrence with the grouped message, the next occurrences
 * as related locations in `file` (the file's position in the feed; offsets absolute), and the
 * counts. A group of one is the problem as it was.
 */
export function groupedProblem(group: FindingGroup<Problem>, file: number): Problem {
  const { first, related, count, users } = group;
  if (count <= 1) return first;
  return {
    ...first,
    message: group.message,
    related: related.map((r) => ({ file, start: r.start, end: r.end, message: r.message })),
    group: { count, users },
  };
}

/**
 * Groups the problems of a whole document (absolute offsets, in document order): a problem
 * belongs to the user whose chunk holds its start; problems outside every user (the frame's,
 * the reader's) are never grouped. The grouped problems follow the others.
 */
export function groupDocumentProblems(problems: readonly Problem[], users: readonly { readonly start: number; readonly end: number }[], file = 0): Problem[] {
  const grouper = new FindingGrouper<Problem>(asFinding);
  const kept: Problem[] = [];
  let u = 0;
  for (const p of problems) {
    while (u < users.length && users[u].end <= p.start) u++;
    const inUser = u < users.length && users[u].start <= p.start;
    if (!(inUser && grouper.offer(p, u))) kept.push(p);
  }
  for (const g of grouper.result()) kept.push(groupedProblem(g, file));
  return kept;
}
