/**
 * The plan as plain data (docs/plan.md), with the rule behind every decision. The engine fills
 * it; the command line, the language server and the preview only present it.
 */
import type { Settings } from '../settings';
import type { FieldValue, SegmentListName, Span, UserRecord } from '../sis/record';
import type { SnapshotEntry } from '../snapshot/snapshot';
import type { RuleId } from './rules';

export type Outcome = 'created' | 'updated' | 'unchanged' | 'rejected';
export type FieldAction = 'set' | 'clear' | 'default' | 'keep-protected' | 'revert-override';
/** Actions that write to Alma (a matched user with only `keep-protected` entries is unchanged). */
export const WRITING_ACTIONS: ReadonlySet<FieldAction> = new Set(['set', 'clear', 'default', 'revert-override']);

export interface FieldDecision {
  readonly field: string;
  readonly before: FieldValue;
  readonly incoming: FieldValue;
  readonly after: FieldValue;
  readonly action: FieldAction;
  /** The field was protected in the snapshot. */
  readonly wasProtected: boolean;
  /** Protection ends with this decision (a revert, or a clear of a protected field). */
  readonly endsProtection: boolean;
  readonly rule: RuleId;
  /** One plain sentence about this field and this user. */
  readonly message: string;
}

export interface SegmentDecision {
  readonly list: SegmentListName;
  readonly removed: number;
  readonly added: number;
  readonly kept: number;
  readonly rule: RuleId;
  readonly message: string;
}

export interface Rejection {
  readonly rule: RuleId;
  /** Alma's wording. */
  readonly message: string;
  /** The identifier that caused it, with its place in the file (relative to the user chunk). */
  readonly identifier?: { readonly type: string; readonly value: string; readonly span?: Span };
  /** The element that caused it (relative to the user chunk), when it is not an identifier value. */
  readonly span?: Span;
  /** For "in this feed": the index of the earlier user in the file; for "taken": the snapshot entry. */
  readonly otherUser?: number;
}

/**
 * What the plan says about a user, a field or a list without changing the outcome: a quiet
 * surprise an administrator should see (a user reactivated only by a default, an identifier
 * carried twice, two preferred items, ...).
 */
export interface PlanNote {
  readonly rule: RuleId;
  readonly message: string;
  /** The core field or list (`identifiers`, `emails`, …) the note is about; absent for the whole user. */
  readonly field?: string;
}

export interface UserPlan {
  /** 0-based position of the `<user>` in the file. */
  readonly index: number;
  /** Absolute offset of the user's start tag in the file (the caller turns it into `line`). */
  readonly start: number;
  readonly matchValue: string | null;
  readonly primaryId: string | null;
  readonly outcome: Outcome;
  /** Rejection messages (Alma's wording), or why an import skipped the user. */
  readonly reasons: readonly string[];
  readonly fields: readonly FieldDecision[];
  readonly segments: readonly SegmentDecision[];
  /** The rule that decided the outcome, and a sentence about it. */
  readonly rule: RuleId;
  readonly message: string;
  /** How the user was matched, when it was. */
  readonly match?: { readonly rule: RuleId; readonly snapshotIndex: number };
  readonly rejections: readonly Rejection[];
  /** Notes on the user and its fields, in the order found. */
  readonly notes: readonly PlanNote[];
  /**
   * Fields the file sends whose value in Alma the snapshot cannot show (the Users API never
   * returns them, e.g. `pin_number`): not compared; `apply` stores the file's value.
   */
  readonly unknownInAlma?: readonly string[];
}

export interface PlanSummary {
  readonly processed: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
}

export interface Plan {
  readonly summary: PlanSummary;
  readonly users: readonly UserPlan[];
}

/** An error-level diagnostic of the user itself, which makes Alma reject the user. */
export interface UserError {
  readonly code: string;
  readonly message: string;
  /** Offsets relative to the user chunk. */
  readonly span?: Span;
}

/** One user of the SIS file, as the engine takes it. */
export interface IncomingUser {
  readonly index: number;
  /** Absolute offset of `<user` in the file. */
  readonly start: number;
  readonly record: UserRecord;
  /**
   * The user's own errors as Alma's loader judges them (lenient validation; see `userErrors`):
   * each one rejects the user. Absent when the caller did not validate.
   */
  readonly errors?: readonly UserError[];
}

/** What the engine plans against: the snapshot, indexed once (see `indexSnapshot`). */
export interface SnapshotIndex {
  readonly settings: Settings;
  /** How many entries the snapshot has. */
  readonly size: number;
  /** Entry k: its user and what is protected (read from a file when asked, for a snapshot too large to hold). */
  entry(k: number): SnapshotEntry | undefined;
  /** The normalised record of entry k's user (undefined for an entry without a user). */
  record(k: number): UserRecord | undefined;
  /**
   * `internalOrProtected` of entry k (see there), known without reading the entry again: the
   * language server asks it for every user of a document.
   */
  internalOrProtected(k: number): boolean;
  /** The fields entry k marks protected, in the entry's order, known without reading the entry again (code lenses ask for every user). */
  protectedFields(k: number): readonly string[];
  /** Lower-cased Match ID value → snapshot entries holding it. */
  readonly byMatch: EntriesByKey;
  /** Lower-cased identifier value (primary or additional, any type) → snapshot entries holding it. */
  readonly byIdentifier: EntriesByKey;
}

/** Lower-cased key → snapshot entries, in entry order: what matching reads of a `Map` (the index keeps them in a `StringNumberLists`). */
export interface EntriesByKey extends Iterable<[string, readonly number[]]> {
  get(key: string): readonly number[] | undefined;
  has(key: string): boolean;
}

/** What the feed reads from one user of the file: its position, identifier values, Match ID and generated-id base. */
export interface FeedEntry {
  readonly index: number;
  readonly identifiers: readonly { readonly value: string }[];
  /** The user's Match ID value, lower-cased (null: none); absent when the caller does not know it. */
  readonly matchKey?: string | null;
  /** For a user without primary_id: the lower-cased id Alma would generate from its name. */
  readonly nameBase?: string | null;
}

/** The file-wide facts a user's plan needs: who uses an identifier value first, and more. */
export interface FeedContext {
  /** Lower-cased identifier value → index of the first user in the file that carries it. */
  readonly firstHolder: ValuesByKey;
  /**
   * Users without primary_id by the lower-cased id Alma would generate for them (first and last
   * name), in file order: an earlier one takes the first free id.
   */
  readonly nameless: ReadonlyMap<string, readonly number[]>;
  /**
   * Lower-cased Match ID value of each user of the file → the lower-cased identifier values it
   * sends (to tell when an identifier moves from one user to another within the file).
   */
  readonly sentByMatch: { get(matchKey: string): { has(value: string): boolean } | undefined };
}

/** Lower-cased key → a number: what the feed reads of a `Map` (the feed keeps them in a `StringNumberTable`). */
export interface ValuesByKey extends Iterable<[string, number]> {
  get(key: string): number | undefined;
  has(key: string): boolean;
}
