/**
 * The pipeline for one user, from its chunk alone: read → validate (problems and keys) → plan
 * (against the snapshot, knowing who in the feed holds an identifier first, with the user's
 * own problems) → view. Each step's result is plain data that a host may cache per user
 * (`SisUserChunk.key` stays the same object while an edit does not touch the user)
 * under the cache key given here.
 */
import type { Problem } from '../diagnostics';
import { recordOf, userErrors, userErrorsOf } from '../engine/incoming';
import { planUser } from '../engine/plan';
import type { FeedContext, SnapshotIndex, UserPlan } from '../engine/types';
import type { UserKeys } from '../sis/keys';
import type { SisUserChunk } from '../sis/types';
import type { ElementTable } from '../xml/table';
import { compareProblems } from '../validate/document';
import { analyzeScan, type UserAnalysis as Validation } from '../validate/user';
import type { AnalysisInputs } from './inputs';

/** What one user's own content yields: its problems (the reader's and the validator's) and its keys. */
export interface UserAnalysis {
  /** Offsets relative to the user chunk; each problem once, the reader's first. */
  readonly problems: readonly Problem[];
  readonly keys: UserKeys;
}

/**
 * Validates one user. Depends on the chunk and on `inputs.validation` only (not on the snapshot).
 * Reads the user as the scanner's table (`key.table()`): no element tree is made for it.
 */
export function analyseUser(chunk: Pick<SisUserChunk, 'key' | 'problems'>, inputs: Pick<AnalysisInputs, 'validation'>): UserAnalysis {
  return withReaderProblems(chunk.problems, analyzeScan(chunk.key.table(), inputs.validation));
}

/** `analyseUser` of a user as the scanner read it (a stream reads users as tables; no tree is made). */
export function analyseScannedUser(user: { readonly table: ElementTable; readonly problems: readonly Problem[] }, inputs: Pick<AnalysisInputs, 'validation'>): UserAnalysis {
  return withReaderProblems(user.problems, analyzeScan(user.table, inputs.validation));
}

function withReaderProblems(readerProblems: readonly Problem[], { problems, keys }: Validation): UserAnalysis {
  if (readerProblems.length === 0) return { problems: inDocumentOrder(problems), keys };
  // The reader and the validator can report the same thing (an unclosed element): once.
  const seen = new Set<string>();
  const all: Problem[] = [];
  for (const p of [...readerProblems, ...problems]) {
    const k = `${p.code}\u0000${p.start}\u0000${p.end}\u0000${p.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    all.push(p);
  }
  return { problems: inDocumentOrder(all), keys };
}

/**
 * The problems in document order (a copy only when they are not): every host then meets a
 * user's findings in the same order, so a grouped finding shows at the same first occurrence
 * in the editor and on the command line (see `grouping.ts`).
 */
function inDocumentOrder(problems: readonly Problem[]): readonly Problem[] {
  for (let i = 1; i < problems.length; i++) if (compareProblems(problems[i - 1], problems[i]) > 0) return [...problems].sort(compareProblems);
  return problems;
}

const feedSerials = new WeakMap<FeedContext, number>();
let nextFeedSerial = 0;
/** A number of its own for each feed object (a cache key part that changes with the feed). */
export function feedSerial(feed: FeedContext): number {
  let n = feedSerials.get(feed);
  if (n === undefined) feedSerials.set(feed, (n = ++nextFeedSerial));
  return n;
}

/**
 * The part of the feed one user's plan depends on, as a cache key: for each of its identifiers,
 * whether an earlier user of the feed carries it ("… in this feed"). Two feeds that give the same
 * key give the same plan (up to the user's position, see `rebasePlan`). Keep it in step with
 * what `planUser` reads from the feed: a user without primary_id (its generated id depends on
 * the whole feed) and a user holding an identifier of another Alma user (whether that user
 * drops it in this feed) are planned again with every new feed; both are rare.
 */
export function planContextKey(feed: FeedContext, index: number, keys: UserKeys, snapshot?: SnapshotIndex): string {
  let key = '';
  for (const id of keys.identifiers) {
    if (id.value === '') continue;
    const first = feed.firstHolder.get(id.key);
    key += first !== undefined && first < index ? 'd' : '-';
  }
  if (keys.primaryId === null || (snapshot && holdsAnothersIdentifier(snapshot, keys))) key += `#${feedSerial(feed)}`;
  return key;
}

function holdsAnothersIdentifier(snapshot: SnapshotIndex, keys: UserKeys): boolean {
  const matched = keys.matchKey !== null ? snapshot.byMatch.get(keys.matchKey)?.[0] : undefined;
  return keys.identifiers.some((id) => id.value !== '' && (snapshot.byIdentifier.get(id.key) ?? []).some((k) => k !== matched));
}

/**
 * Plans one user of the feed against the inputs' snapshot; undefined without a snapshot. The
 * user's own errors reject it as in Alma: `problems` (the user's validation with the inputs) are
 * reused when they were judged as Alma's loader does (lenient), else the user is judged again.
 */
export function planUserChunk(inputs: AnalysisInputs, user: Pick<SisUserChunk, 'index' | 'start' | 'element'>, feed: FeedContext, problems?: readonly Problem[]): UserPlan | undefined {
  if (!inputs.index) return undefined;
  const errors = problems && inputs.settings.validation === 'lenient' ? userErrorsOf(problems) : userErrors(user.element, inputs.validation);
  return planUser({ index: user.index, start: user.start, record: recordOf(user.element), errors }, inputs.index, feed);
}

/** A plan made for the user at another place in the feed, moved to where it is now. */
export function rebasePlan(plan: UserPlan, index: number, start: number): UserPlan {
  return plan.index === index && plan.start === start ? plan : { ...plan, index, start };
}

/**
 * False when the plan of this user cannot hold anything `snapshotProblems` reports (no match
 * with an internal or protected Alma user, no identifier that another Alma user holds): then
 * diagnostics need no plan, and the user is planned only when a hover or lens asks. A cheap
 * filter over the engine's index, never a decision: every user it lets through is planned by
 * the engine.
 */
export function mayHaveSnapshotProblems(inputs: AnalysisInputs, keys: UserKeys): boolean {
  const index = inputs.index;
  if (!index) return false;
  const hits = keys.matchKey !== null ? index.byMatch.get(keys.matchKey) : undefined;
  if (hits && hits.length > 1) return true;
  const matchedAt = hits?.[0];
  // Known to the index without reading the entry: this runs for every user.
  if (matchedAt !== undefined && index.internalOrProtected(matchedAt)) return true;
  for (const id of keys.identifiers) {
    if (id.value === '') continue;
    const holders = index.byIdentifier.get(id.key);
    if (holders && holders.some((k) => k !== matchedAt)) return true;
  }
  return false;
}

/** The snapshot entry this user matches, when one does (the first, as the engine takes it). */
export function matchedEntry(inputs: AnalysisInputs, keys: UserKeys): number | undefined {
  if (!inputs.index || keys.matchKey === null) return undefined;
  return inputs.index.byMatch.get(keys.matchKey)?.[0];
}

/** Fields the snapshot marks protected for the Alma user this user matches (cheap: one lookup). */
export function protectedFieldsOf(inputs: AnalysisInputs, keys: UserKeys): string[] {
  const k = matchedEntry(inputs, keys);
  return k === undefined || !inputs.index ? [] : [...inputs.index.protectedFields(k)];
}
