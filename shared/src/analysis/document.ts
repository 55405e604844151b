/**
 * One version of one SIS document analysed under one `AnalysisInputs`: the per-user pipeline
 * (`user.ts`) and the file-wide step (`feed.ts`) run lazily and their results are cached per
 * user (`SisUserChunk.key`), so that after an edit only the users it touched are analysed again, and a
 * host asks only for what it shows (the language server plans the users whose diagnostics need
 * a plan and those it hovers; the preview plans every user).
 */
import type { Problem } from '../diagnostics';
import { summarize } from '../engine/plan';
import type { FeedContext, Plan, UserPlan } from '../engine/types';
import { userAt } from '../sis/navigate';
import type { SisDocument, SisUserChunk } from '../sis/types';
import { frameProblems } from '../validate/file';
import type { UserText } from '../sis/userText';
import { feedFacts, moveToKeys, nameBaseOf, sameFeedKeys } from './feed';
import type { AnalysisInputs } from './inputs';
import { analyseUser, feedSerial, mayHaveSnapshotProblems, planContextKey, protectedFieldsOf, planUserChunk, rebasePlan, type UserAnalysis } from './user';
import { planView, type UserPlanView } from './view';

/** What is kept of one user's planning, per inputs. */
interface PlannedUser {
  /**
   * The plan context last worked out, valid while the feed is the same object: held by the
   * feed's serial, not the feed itself, which is as large as the document and is made again
   * by many edits (holding it here kept one old feed alive per edit session's burst).
   */
  context?: { readonly feed: number; readonly key: string };
  /** Plans by plan context key (see `planContextKey`), with their view once asked for. */
  readonly plans: Map<string, { readonly plan: UserPlan; view?: UserPlanView }>;
  /** Whether the user's plan can hold a snapshot diagnostic (see `mayHaveSnapshotProblems`). */
  screened?: boolean;
  /** The fields the snapshot marks protected for the Alma user this user matches (see `protectedFields`). */
  protectedFields?: readonly string[];
}

const NO_FIELDS: readonly string[] = [];

/**
 * Per-user results, keyed by the user's `SisUserChunk.key` (the same object while an edit does
 * not touch the user). `validated` depends on the validation inputs only (settings, code tables,
 * today), so a host may share it between inputs that differ in their snapshot alone.
 */
export interface AnalysisCaches {
  readonly validated: WeakMap<UserText, UserAnalysis>;
  readonly planned: WeakMap<UserText, PlannedUser>;
}

export function analysisCaches(validated: AnalysisCaches['validated'] = new WeakMap()): AnalysisCaches {
  return { validated, planned: new WeakMap() };
}

/** The file-wide facts of one document version. */
export interface DocumentFacts {
  /** Problems across users, each relative to the user at `index`. */
  readonly perUser: readonly { readonly index: number; readonly problem: Problem }[];
  /** Problems of the frame around the users (root, stray elements): absolute offsets. */
  readonly frame: readonly Problem[];
  /** Who carries each identifier first; only when there is a snapshot to plan against. */
  readonly feed?: FeedContext;
}

export class DocumentAnalysis {
  private facts?: DocumentFacts;
  /** The previous version's analysis, until its file-wide facts are reused or not. */
  private prev?: DocumentAnalysis;

  constructor(
    readonly sis: SisDocument,
    readonly inputs: AnalysisInputs,
    readonly caches: AnalysisCaches,
    prev?: DocumentAnalysis,
  ) {
    if (prev && prev.inputs === inputs && prev.caches === caches) {
      this.prev = prev;
      // Never keep a chain of old versions alive.
      prev.prev = undefined;
    }
  }

  /** Whether there is a snapshot to plan against. */
  get planning(): boolean {
    return this.inputs.index !== undefined;
  }

  userAt(offset: number): SisUserChunk | undefined {
    return userAt(this.sis, offset);
  }

  /** The user's own problems and keys. */
  user(chunk: SisUserChunk): UserAnalysis {
    let a = this.caches.validated.get(chunk.key);
    if (!a) {
      a = analyseUser(chunk, this.inputs);
      this.caches.validated.set(chunk.key, a);
    }
    return a;
  }

  /**
   * File-wide facts, from the per-user keys: O(users), once per version — and reused from the
   * previous version when the edit left every Match ID and identifier value as it was (the
   * usual case: typing in a name).
   */
  fileFacts(): DocumentFacts {
    if (this.facts) return this.facts;
    const prev = this.prev;
    this.prev = undefined;
    const reused = prev?.facts ? this.reuse(prev, prev.facts) : undefined;
    if (reused) return (this.facts = reused);
    const users = this.sis.users.map((u) => {
      const keys = this.user(u).keys;
      // Only a user without primary_id needs its names (and so its tree) here.
      return { index: u.index, start: u.start, keys, nameBase: keys.primaryId === null ? nameBaseOf(keys, u.element) : null };
    });
    const found = feedFacts(users, this.inputs.settings, { planning: this.planning });
    this.facts = {
      perUser: found.perUser.map(({ user, problem }) => ({ index: user, problem })),
      frame: frameProblems(this.sis, this.sis.users.length, this.inputs.settings),
      feed: found.feed,
    };
    return this.facts;
  }

  /** The previous version's facts, when still true: same users' keys; problems moved with them. */
  private reuse(prev: DocumentAnalysis, facts: DocumentFacts): DocumentFacts | undefined {
    const now = this.sis.users;
    const was = prev.sis.users;
    if (now.length !== was.length) return undefined;
    // Frame problems depend on the root and the users' positions: recompute (cheap).
    if (facts.frame.length > 0 || this.sis.root?.start !== prev.sis.root?.start) return undefined;
    const changed = new Map<number, { before: UserAnalysis['keys']; after: UserAnalysis['keys'] }>();
    for (let i = 0; i < now.length; i++) {
      if (now[i].key === was[i].key) continue;
      const before = prev.user(was[i]).keys;
      const after = this.user(now[i]).keys;
      if (!sameFeedKeys(before, after)) return undefined;
      changed.set(i, { before, after });
      if (changed.size > 8) return undefined;
    }
    // Related locations point at other users by absolute offset: when users moved, make them again.
    if (facts.perUser.some((e) => e.problem.related) && now.some((u, i) => u.start !== was[i].start)) return undefined;
    if (changed.size === 0) return facts;
    const perUser: { index: number; problem: Problem }[] = [];
    for (const entry of facts.perUser) {
      const c = changed.get(entry.index);
      if (!c) {
        perUser.push(entry);
        continue;
      }
      const moved = moveToKeys(entry.problem, c.before, c.after);
      if (!moved) return undefined;
      perUser.push({ index: entry.index, problem: moved });
    }
    return { ...facts, perUser };
  }

  private plannedUser(chunk: SisUserChunk): PlannedUser {
    let p = this.caches.planned.get(chunk.key);
    if (!p) {
      p = { plans: new Map() };
      this.caches.planned.set(chunk.key, p);
    }
    return p;
  }

  /** The part of the feed the user's plan depends on (a cache key); undefined without a snapshot. */
  planKey(chunk: SisUserChunk): string | undefined {
    const feed = this.fileFacts().feed;
    if (!feed) return undefined;
    const p = this.plannedUser(chunk);
    const serial = feedSerial(feed);
    if (p.context?.feed !== serial) p.context = { feed: serial, key: planContextKey(feed, chunk.index, this.user(chunk).keys, this.inputs.index) };
    return p.context.key;
  }

  private planEntry(chunk: SisUserChunk): { plan: UserPlan; view?: UserPlanView } | undefined {
    const key = this.planKey(chunk);
    const feed = this.facts?.feed;
    if (key === undefined || !feed) return undefined;
    const plans = this.plannedUser(chunk).plans;
    let entry = plans.get(key);
    if (!entry) {
      const plan = planUserChunk(this.inputs, chunk, feed, this.user(chunk).problems);
      if (!plan) return undefined;
      entry = { plan };
      plans.set(key, entry);
    }
    return entry;
  }

  /** What the sync will do to this user (the engine's plan); undefined without a snapshot. */
  plan(chunk: SisUserChunk): UserPlan | undefined {
    const entry = this.planEntry(chunk);
    return entry && rebasePlan(entry.plan, chunk.index, chunk.start);
  }

  /** The plan as hovers, lenses and diagnostics show it; undefined without a snapshot. */
  view(chunk: SisUserChunk): UserPlanView | undefined {
    const entry = this.planEntry(chunk);
    if (!entry) return undefined;
    entry.view ??= planView(this.inputs, entry.plan);
    return entry.view;
  }

  /** False when the user's plan cannot hold a snapshot diagnostic, so diagnostics need not plan it. */
  mayHaveSnapshotProblems(chunk: SisUserChunk): boolean {
    const p = this.plannedUser(chunk);
    p.screened ??= mayHaveSnapshotProblems(this.inputs, this.user(chunk).keys);
    return p.screened;
  }

  /**
   * The fields the snapshot marks protected for the Alma user this user matches (what code
   * lenses show). A user that screening let go has none: a matched entry with protected
   * fields is one of the things `mayHaveSnapshotProblems` lets through, and the diagnostics
   * screen every user, so listing lenses looks up only those it let through.
   */
  protectedFields(chunk: SisUserChunk): readonly string[] {
    const p = this.plannedUser(chunk);
    p.protectedFields ??= this.mayHaveSnapshotProblems(chunk) ? protectedFieldsOf(this.inputs, this.user(chunk).keys) : NO_FIELDS;
    return p.protectedFields;
  }

  /** Every user's plan, in file order; undefined without a snapshot. */
  wholePlan(): Plan | undefined {
    if (!this.planning) return undefined;
    const users = this.sis.users.map((u) => this.plan(u)!);
    return { summary: summarize(users), users };
  }
}
