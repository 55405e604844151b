/**
 * The file-wide step: facts about the users of a feed taken together — duplicates between
 * users, and who carries an identifier first (the engine's "in this feed"). It runs on what
 * the per-user step left (the users' keys), in O(users) and without building records, so it can
 * run again after every edit; the users may come from several files of one feed.
 */
import type { Problem } from '../diagnostics';
import { recordOf } from '../engine/incoming';
import { generatedIdBase, prepareFeed } from '../engine/plan';
import type { FeedContext } from '../engine/types';
import type { Settings } from '../settings';
import type { UserKeys } from '../sis/keys';
import type { XmlElement } from '../xml/types';
import { duplicateProblems } from '../validate/file';

export interface FeedUser {
  /** Position in the feed (runs on across the files of one feed). */
  readonly index: number;
  /** Absolute offset of the user's chunk (its keys are relative to it). */
  readonly start: number;
  readonly keys: UserKeys;
  /** For a user without primary_id: the lower-cased id Alma would generate (see `nameBaseOf`). */
  readonly nameBase?: string | null;
}

export interface FeedFacts {
  /** Problems across users, each relative to the user it is on (`user`: its position in the list). */
  readonly perUser: readonly { readonly user: number; readonly problem: Problem }[];
  /** Who carries each identifier first; only when asked for (it is the engine's input, for planning). */
  readonly feed?: FeedContext;
}

export function feedFacts(users: readonly FeedUser[], settings: Settings, options: { readonly planning: boolean }): FeedFacts {
  return {
    perUser: duplicateProblems(users, settings),
    feed: options.planning ? prepareFeed(users.map((u) => ({ index: u.index, identifiers: u.keys.identifiers, matchKey: u.keys.matchKey, nameBase: u.nameBase ?? null }))) : undefined,
  };
}

/** The lower-cased id Alma would generate for a user without primary_id (null for the others). */
export function nameBaseOf(keys: UserKeys, element: XmlElement): string | null {
  if (keys.primaryId !== null) return null;
  const base = generatedIdBase(recordOf(element));
  return base === null ? null : base.toLowerCase();
}

/**
 * Whether the file-wide facts made from `before` hold for `after`: the same Match ID and the
 * same identifier values in the same slots (the duplicates and the feed read nothing else but
 * the names of a user without primary_id, whose generated id they decide). A typing edit inside
 * a name keeps them, and then the facts need not be made again.
 */
export function sameFeedKeys(before: UserKeys, after: UserKeys): boolean {
  if (after.primaryId === null) return false;
  if (before.matchKey !== after.matchKey || before.primaryId !== after.primaryId || before.identifiers.length !== after.identifiers.length) return false;
  for (let i = 0; i < before.identifiers.length; i++) {
    const x = before.identifiers[i];
    const y = after.identifiers[i];
    if (x.type !== y.type || x.value !== y.value) return false;
  }
  return true;
}

/**
 * A problem of the file-wide step moved with the user's keys after an edit that kept their
 * values (`sameFeedKeys`): it sits on the Match ID or on one identifier, which may have moved
 * inside the user. Undefined when it sits elsewhere (then the facts are made again).
 */
export function moveToKeys(p: Problem, before: UserKeys, after: UserKeys): Problem | undefined {
  if (p.start === before.matchStart && p.end === before.matchEnd) return { ...p, start: after.matchStart, end: after.matchEnd };
  const j = before.identifiers.findIndex((k) => k.start === p.start && k.end === p.end);
  if (j < 0) return undefined;
  return { ...p, start: after.identifiers[j].start, end: after.identifiers[j].end };
}
