/**
 * Shared by `alma-sis plan` and `alma-sis apply`: read the snapshot, the settings (snapshot
 * `profile` under the flags) and the SIS input (an .xml, the .xml files of a .zip, or standard
 * input), and plan each user as it is read. The documents of one zip (or the files named with
 * --feed) are planned as one feed, in order.
 */
import type { Problem } from '../../../shared/src/diagnostics';
import { dependsOnWholeFeed, FeedBuilder, feedEntryOf, planUser, userErrors, userErrorsOf, type IncomingUser, type PlanSummary, type UserPlan } from '../../../shared/src/engine';
import type { Settings } from '../../../shared/src/settings';
import { recordFromXml } from '../../../shared/src/sis/record';
import { snapshotProfile } from '../../../shared/src/snapshot/snapshot';
import { analysisInputs, localDay } from '../../../shared/src/analysis';
import { SisFeedReader } from '../../../shared/src/analysis/stream';
import { shiftProblem, type CodeTables } from '../../../shared/src/validate';
import { decodeBytes } from '../io/decode';
import { InputError, openInput, type InputDocument } from '../io/input';
import { describeSnapshotProblem, openSnapshot, type SnapshotOnDisk } from '../io/snapshotFile';
import { UsageError, booleanOption, stringOption, type ParsedArgs } from './args';
import type { CliContext } from './command';
import { settingsFromFlags } from './options';
import { loadCodeTables } from './codeTables';

/**
 * Problems that make Alma fail the whole file: bytes it cannot read as UTF-8 ("Invalid byte 1 of
 * 1-byte UTF-8 sequence"), junk before the prolog ("Content is not allowed in prolog", FLVC's
 * "Alma Fulfillment Resource Guide: Patron Load"), XML that does not parse ("Could not parse
 * file", Alma online help "Student Information Systems").
 */
const FATAL_CODES = new Set(['invalid-utf8', 'unsupported-encoding', 'content-before-prolog', 'not-well-formed']);

export interface PlanDocument {
  readonly path: string;
  /** How many users it holds. */
  users: number;
  /** Errors the validator reports (with the encoding ones). */
  errors: number;
  /** Alma could not read this file as a whole (encoding, not well-formed). */
  fatal: boolean;
  /** First fatal problem, for the message. */
  fatalProblem?: { readonly message: string; readonly line: number };
}

/** One user of the feed, planned. */
export interface PlannedUser {
  /** Its plan; `plan.index` is its position in the feed. */
  readonly plan: UserPlan;
  /** What the plan was made from (`apply` writes it). */
  readonly incoming: IncomingUser;
  readonly doc: PlanDocument;
  /** Position in its document. */
  readonly index: number;
  /** 1-based line of its start tag. */
  readonly line: number;
}

/** What is known before the first user: the documents about to be read, the settings, the snapshot. */
export interface PlanStart {
  readonly paths: readonly string[];
  readonly settings: Settings;
  readonly snapshot: SnapshotOnDisk;
}

export interface PlanRun extends PlanStart {
  readonly documents: readonly PlanDocument[];
  readonly summary: PlanSummary;
  /** What the plan was made from, for a plan artifact: the day, the files as named, the code tables. */
  readonly today: string;
  readonly feed: boolean;
  readonly files: readonly string[];
  readonly codeTablesPath?: string;
}

/**
 * Reads the snapshot (indexed, not held: `openSnapshot`), then the SIS input piece by piece
 * through one `SisFeedReader` (duplicates are checked across the files of a feed, as Alma checks
 * them across the files of one zip): each user is validated, planned against the index and
 * handed to `onUser`, then forgotten, so memory follows the largest user, not the files. A plan
 * that reads users after its own (`dependsOnWholeFeed`: a generated primary id, an identifier
 * another Alma user holds) is made again at the end, and `onUser` gets that user then: users may
 * come out of feed order (`plan.index` says where each belongs). Throws `UsageError`/
 * `InputError` for exit 2; the caller closes `run.snapshot` (closed here when this throws).
 */
export async function runPlan(
  args: ParsedArgs,
  ctx: CliContext,
  commandName: string,
  onUser: (user: PlannedUser) => void | Promise<void>,
  options: {
    /** Before the first user. */
    readonly onStart?: (start: PlanStart) => void;
    /** The settings and day of a plan being applied (`apply --plan`), instead of the flags and today. */
    readonly fixed?: { readonly settings: Settings; readonly today: string };
  } = {},
): Promise<PlanRun> {
  if (args.positionals.length === 0) throw new UsageError('no file given (a .xml, a .zip, or - for standard input)');
  const feedOption = booleanOption(args, 'feed') === true;
  if (args.positionals.length > 1 && !feedOption) {
    throw new UsageError(`one file at a time (got ${args.positionals.length}); a .zip may hold several .xml files, and --feed plans several files as one feed`);
  }
  if (args.positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const snapshotPath = stringOption(args, 'snapshot');
  if (snapshotPath === undefined) throw new UsageError('--snapshot SNAP is required (the *.alma-snapshot.json of what Alma holds now)');
  const fixed = options.fixed;
  const snapshot = openSnapshot(snapshotPath, (profile) => fixed?.settings ?? settingsFromFlags(args, profile).settings);
  try {
    for (const p of snapshot.problems) ctx.stderr.write(`alma-sis ${commandName}: ${describeSnapshotProblem(snapshotPath, p)}\n`);
    const { settings, problems } = fixed ? { settings: fixed.settings, problems: [] } : settingsFromFlags(args, snapshotProfile(snapshot));
    for (const p of problems) ctx.stderr.write(`alma-sis ${commandName}: warning: snapshot profile: ${p.message}\n`);
    const today = fixed?.today ?? localDay(ctx.now());
    const codeTablesPath = stringOption(args, 'code-tables');
    let codeTables: CodeTables | undefined;
    if (codeTablesPath !== undefined) {
      const loaded = await loadCodeTables(codeTablesPath);
      for (const w of loaded.warnings) ctx.stderr.write(`alma-sis ${commandName}: warning: ${w}\n`);
      codeTables = loaded.tables;
    }
    const docs: InputDocument[] = [];
    for (const arg of args.positionals) docs.push(...(await openInput(arg, { stdin: ctx.stdin })));
    if (docs.length === 0) throw new InputError(`${args.positionals[0]}: nothing to read`);
    const paths = docs.map((d) => d.path);
    options.onStart?.({ paths, settings, snapshot });

    const feed = new FeedBuilder();
    const deferred: Omit<PlannedUser, 'plan'>[] = [];
    const counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
    let processed = 0;
    const ready: PlannedUser[] = [];
    const deliver = async () => {
      for (const u of ready.splice(0)) {
        counts[u.plan.outcome]++;
        await onUser(u);
      }
    };
    const validation = analysisInputs(settings, { today, codeTables });
    const documents: PlanDocument[] = [];
    let doc: PlanDocument = { path: paths[0], users: 0, errors: 0, fatal: false };
    // The fatal problem Alma would stop at in the current document: the first in the file.
    let fatal: Problem | undefined;
    const count = (p: Problem) => {
      if (p.severity !== 'error') return;
      doc.errors++;
      if (FATAL_CODES.has(p.code) && (!fatal || p.start < fatal.start)) fatal = p;
    };
    const reader = new SisFeedReader(validation, ({ user, analysis }) => {
      for (const p of analysis.problems) count(shiftProblem(p, user.start));
      const element = user.chunk.element;
      // The user's own errors reject it, judged as Alma's loader does (lenient, with the code tables).
      const errors = settings.validation === 'lenient' ? userErrorsOf(analysis.problems) : userErrors(element, validation.validation);
      const record = recordFromXml(element);
      const incoming: IncomingUser = { index: processed++, start: user.start, record, errors };
      feed.add(feedEntryOf(incoming.index, record, settings));
      const plan = planUser(incoming, snapshot.index, feed.context);
      const where = { incoming, doc, index: user.index, line: reader.lines.positionAt(user.start).line + 1 };
      doc.users++;
      if (dependsOnWholeFeed(plan)) deferred.push(where);
      else ready.push({ plan, ...where });
    }, paths[0]);
    for (const [i, input] of docs.entries()) {
      if (i > 0) {
        doc = { path: input.path, users: 0, errors: 0, fatal: false };
        reader.nextFile(input.path);
      }
      documents.push(doc);
      fatal = undefined;
      const decoded = decodeBytes(input.bytes());
      for await (const piece of decoded.pieces) {
        reader.push(piece);
        await deliver();
      }
      const file = reader.end();
      if (!decoded.undecodable) {
        for (const p of file.frameProblems) count(p);
        for (const p of file.fileWideProblems) count(p);
      }
      await deliver();
      // Encoding problems come first in the file: one of them is what Alma stops at.
      const encodingFatal = decoded.problems.find((p) => p.severity === 'error' && FATAL_CODES.has(p.code));
      for (const p of decoded.problems) if (p.severity === 'error') doc.errors++;
      const first = encodingFatal ?? fatal;
      doc.fatal = decoded.undecodable || first !== undefined;
      if (first) doc.fatalProblem = { message: first.message, line: file.lines.positionAt(first.start).line + 1 };
    }
    // Every user is known now: the plans that read later users are made again.
    for (const u of deferred) ready.push({ ...u, plan: planUser(u.incoming, snapshot.index, feed.context) });
    await deliver();
    return { paths, settings, snapshot, documents, summary: { processed, ...counts }, today, feed: feedOption, files: args.positionals, codeTablesPath };
  } catch (e) {
    snapshot.close();
    throw e;
  }
}
