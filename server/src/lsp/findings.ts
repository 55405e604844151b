/**
 * The findings of an open document's users, kept across its versions under one `Env`: each
 * user's problems (relative to the user's start: the analysis's, then its plan's) with the plan
 * key they were made under, grouped as they are published (the core's `GroupedUserFindings`).
 * After an edit only the users whose text changed are worked out again (and, when the feed
 * changed, those whose plan key did); the grouped findings are updated for those users alone.
 * Nothing here holds a position: the publication converts what it publishes.
 *
 * It is a reconciling cache: whichever version of the document asks, its users are compared
 * with what is held and those that differ are taken in, so versions may ask in any order.
 */
import { asFinding, GroupedUserFindings, snapshotProblems, type DocumentAnalysis, type FindingGroup, type UserFinding } from '../../../shared/src/analysis';
import type { Problem, Severity } from '../../../shared/src/diagnostics';
import type { FeedContext } from '../../../shared/src/engine/types';
import type { SisUserChunk } from '../../../shared/src/sis/types';
import type { UserText } from '../../../shared/src/sis/userText';
import type { Yield } from './model';

/** One user's findings as worked out, and what they were worked out from. */
interface HeldUser {
  /** The user's text (what per-user results are cached under: the same object while an edit does not touch the user). */
  readonly text: UserText;
  /** The user's plan key when its plan was asked for, else '' (see `userKey`). */
  readonly key: string;
  readonly problems: readonly Problem[];
}

/** How many users are looked at between two yields of a (first, full) update. */
const SLICE = 2000;

export class UserFindings {
  private held: HeldUser[] = [];
  private groups = new GroupedUserFindings<Problem>(0, asFinding);
  private feed?: FeedContext;
  /** Bumped by every change, so that an update that yielded sees whether another one came in between. */
  private generation = 0;

  constructor(private readonly revertSeverity: Severity) {}

  /**
   * Brings the held findings to the users of `analysis`. Yields between slices when there is
   * much to do, and stops (false, nothing changed) when `yieldNow` says so.
   */
  async update(analysis: DocumentAnalysis, yieldNow?: Yield): Promise<boolean> {
    const start = this.generation;
    const changes = await this.changes(analysis, yieldNow);
    if (!changes) return false;
    // Another update came in while this one yielded: work out the changes again, at once.
    this.apply(analysis, this.generation === start ? changes : (await this.changes(analysis))!);
    return true;
  }

  /** The user's findings that are published one by one, relative to its start. */
  kept(user: number): readonly Problem[] {
    return this.groups.kept(user);
  }

  /** The grouped findings, in the order of their first occurrences. */
  grouped(): FindingGroup<UserFinding<Problem>>[] {
    return this.groups.result();
  }

  /**
   * The users whose findings are not held as they are now, with their findings: all of them
   * when the number of users changed (their findings reused when text and key are the same).
   */
  private async changes(analysis: DocumentAnalysis, yieldNow?: Yield): Promise<Map<number, HeldUser> | undefined> {
    const users = analysis.sis.users;
    const feed = analysis.fileFacts().feed;
    const sameUsers = users.length === this.held.length;
    // With the same feed, an unchanged user at the same place has the same plan key.
    const sameFeed = sameUsers && feed === this.feed;
    const before = sameUsers ? undefined : new Map(this.held.map((h) => [h.text, h]));
    const changes = new Map<number, HeldUser>();
    let looked = 0;
    for (let i = 0; i < users.length; i++) {
      const u = users[i];
      const was = sameUsers ? this.held[i] : before!.get(u.key);
      if (sameFeed && was?.text === u.key) continue;
      if (yieldNow && ++looked % SLICE === 0 && !(await yieldNow())) return undefined;
      const key = userKey(analysis, u);
      if (was !== undefined && was.text === u.key && was.key === key) {
        if (!sameUsers) changes.set(i, was);
        continue;
      }
      changes.set(i, { text: u.key, key, problems: this.problemsOf(analysis, u) });
    }
    return changes;
  }

  private apply(analysis: DocumentAnalysis, changes: Map<number, HeldUser>): void {
    const users = analysis.sis.users.length;
    if (users !== this.held.length) {
      this.held = new Array<HeldUser>(users);
      this.groups = new GroupedUserFindings<Problem>(users, asFinding);
    }
    for (const [i, h] of changes) {
      this.held[i] = h;
      this.groups.set(i, h.problems);
    }
    this.feed = analysis.fileFacts().feed;
    this.generation++;
  }

  /** The user's problems, then those of its plan when it may have some (planning only those users). */
  private problemsOf(analysis: DocumentAnalysis, u: SisUserChunk): readonly Problem[] {
    const a = analysis.user(u);
    if (!analysis.mayHaveSnapshotProblems(u)) return a.problems;
    // The plan is kept (per plan key); the user's tree, made for it, is not.
    const more = u.key.withoutKeepingTree(() => {
      const plan = analysis.view(u);
      return plan ? snapshotProblems(u.element, plan, a.keys, this.revertSeverity) : [];
    });
    return more.length > 0 ? [...a.problems, ...more] : a.problems;
  }
}

/** The part of the feed the user's snapshot problems depend on: its plan key when it may have some. */
function userKey(analysis: DocumentAnalysis, u: SisUserChunk): string {
  return analysis.mayHaveSnapshotProblems(u) ? (analysis.planKey(u) ?? '') : '';
}
