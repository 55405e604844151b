/**
 * Shared by `alma-sis plan` and `alma-sis apply`: read the SIS input (an .xml, the .xml files
 * of a .zip, or standard input), the snapshot, and the settings (snapshot `profile` under the
 * flags), then plan. The documents of one zip (or the files named with --feed) are planned as
 * one feed, in order.
 */
import type { Problem } from '../../../shared/src/diagnostics';
import { planFile, userErrors, userErrorsOf, type IncomingUser, type Plan } from '../../../shared/src/engine';
import type { Settings } from '../../../shared/src/settings';
import { recordFromXml } from '../../../shared/src/sis/record';
import { snapshotProfile } from '../../../shared/src/snapshot/snapshot';
import { analysisInputs, localDay, type AnalysisInputs } from '../../../shared/src/analysis';
import { SisFeedReader } from '../../../shared/src/analysis/stream';
import { shiftProblem, type CodeTables } from '../../../shared/src/validate';
import { decodeBytes } from '../io/decode';
import { InputError, openInput, type InputDocument } from '../io/input';
import { describeSnapshotProblem, loadSnapshot, type LoadedSnapshot } from '../io/snapshotFile';
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
  /** The 1-based line of each user's start tag (the text itself is not kept: it can be large). */
  readonly userLines: readonly number[];
  readonly users: readonly IncomingUser[];
  /** Errors the validator reports (with the encoding ones). */
  readonly errors: number;
  /** Alma could not read this file as a whole (encoding, not well-formed). */
  readonly fatal: boolean;
  /** First fatal problem, for the message. */
  readonly fatalProblem?: { readonly message: string; readonly line: number };
}

export interface PlanRun {
  readonly snapshot: LoadedSnapshot;
  readonly settings: Settings;
  readonly documents: readonly PlanDocument[];
  /** All users of all documents as one feed (indexes run on across documents). */
  readonly plan: Plan;
  /** Per planned user (same order as `plan.users`): its document, its index in it, its line. */
  readonly where: readonly { readonly doc: PlanDocument; readonly index: number; readonly line: number }[];
  readonly incoming: readonly IncomingUser[];
  /** What the plan was made from, for a plan artifact: the day, the files as named, the code tables. */
  readonly today: string;
  readonly feed: boolean;
  readonly files: readonly string[];
  readonly codeTablesPath?: string;
}

/**
 * Reads the documents of one feed piece by piece through one `SisFeedReader` (the core's): each
 * user is validated, turned into the engine's record and forgotten, so neither the whole text
 * nor every user's XML tree is held at once; duplicates are checked across the files, as Alma
 * checks them across the files of one zip.
 */
async function readFeed(docs: readonly { path: string; bytes: () => AsyncIterable<Uint8Array> }[], inputs: AnalysisInputs): Promise<PlanDocument[]> {
  const out: PlanDocument[] = [];
  let users: IncomingUser[] = [];
  let userLines: number[] = [];
  let errors = 0;
  // The fatal problem Alma would stop at: the first in the file.
  let fatal: Problem | undefined;
  const count = (p: Problem) => {
    if (p.severity !== 'error') return;
    errors++;
    if (FATAL_CODES.has(p.code) && (!fatal || p.start < fatal.start)) fatal = p;
  };
  const reader = new SisFeedReader(inputs, ({ user, analysis }) => {
    for (const p of analysis.problems) count(shiftProblem(p, user.start));
    // The user's own errors reject it, judged as Alma's loader does (lenient, with the code tables).
    const own = inputs.settings.validation === 'lenient' ? userErrorsOf(analysis.problems) : userErrors(user.chunk.element, inputs.validation);
    users.push({ index: user.index, start: user.start, record: recordFromXml(user.chunk.element), errors: own });
    userLines.push(reader.lines.positionAt(user.start).line + 1);
  }, docs[0]?.path);
  for (const [i, doc] of docs.entries()) {
    if (i > 0) reader.nextFile(doc.path);
    users = [];
    userLines = [];
    errors = 0;
    fatal = undefined;
    const decoded = decodeBytes(doc.bytes());
    for await (const piece of decoded.pieces) reader.push(piece);
    const file = reader.end();
    if (!decoded.undecodable) {
      for (const p of file.frameProblems) count(p);
      for (const p of file.fileWideProblems) count(p);
    }
    // Encoding problems come first in the file: one of them is what Alma stops at.
    const encodingFatal = decoded.problems.find((p) => p.severity === 'error' && FATAL_CODES.has(p.code));
    for (const p of decoded.problems) if (p.severity === 'error') errors++;
    const first = encodingFatal ?? fatal;
    out.push({
      path: doc.path,
      userLines,
      users,
      errors,
      fatal: decoded.undecodable || first !== undefined,
      fatalProblem: first && { message: first.message, line: file.lines.positionAt(first.start).line + 1 },
    });
  }
  return out;
}

/** Reads everything a plan needs and plans; throws `UsageError`/`InputError` for exit 2. */
export async function preparePlan(
  args: ParsedArgs,
  ctx: CliContext,
  commandName: string,
  /** The settings and day of a plan being applied (`apply --plan`), instead of the flags and today. */
  fixed?: { readonly settings: Settings; readonly today: string },
): Promise<PlanRun> {
  if (args.positionals.length === 0) throw new UsageError('no file given (a .xml, a .zip, or - for standard input)');
  const feed = booleanOption(args, 'feed') === true;
  if (args.positionals.length > 1 && !feed) {
    throw new UsageError(`one file at a time (got ${args.positionals.length}); a .zip may hold several .xml files, and --feed plans several files as one feed`);
  }
  if (args.positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const snapshotPath = stringOption(args, 'snapshot');
  if (snapshotPath === undefined) throw new UsageError('--snapshot SNAP is required (the *.alma-snapshot.json of what Alma holds now)');
  const snapshot = await loadSnapshot(snapshotPath);
  for (const p of snapshot.problems) ctx.stderr.write(`alma-sis ${commandName}: ${describeSnapshotProblem(snapshotPath, p)}\n`);
  const { settings, problems } = fixed ? { settings: fixed.settings, problems: [] } : settingsFromFlags(args, snapshotProfile(snapshot.snapshot));
  for (const p of problems) ctx.stderr.write(`alma-sis ${commandName}: warning: snapshot profile: ${p.message}\n`);
  const today = fixed?.today ?? localDay(ctx.now());
  const codeTablesPath = stringOption(args, 'code-tables');
  let codeTables: CodeTables | undefined;
  if (codeTablesPath !== undefined) {
    const loaded = await loadCodeTables(codeTablesPath);
    for (const w of loaded.warnings) ctx.stderr.write(`alma-sis ${commandName}: warning: ${w}\n`);
    codeTables = loaded.tables;
  }
  const inputs = analysisInputs(settings, { today, codeTables });
  const docs: InputDocument[] = [];
  for (const arg of args.positionals) docs.push(...(await openInput(arg, { stdin: ctx.stdin })));
  const documents = await readFeed(docs, inputs);
  if (documents.length === 0) throw new InputError(`${args.positionals[0]}: nothing to read`);
  // One feed: users of later documents come after those of earlier ones.
  const incoming: IncomingUser[] = [];
  const where: { doc: PlanDocument; index: number; line: number }[] = [];
  for (const doc of documents) {
    const offset = incoming.length;
    doc.users.forEach((u, k) => {
      incoming.push({ ...u, index: offset + u.index });
      where.push({ doc, index: u.index, line: doc.userLines[k] });
    });
  }
  const plan = planFile(incoming, snapshot.snapshot, settings);
  return { snapshot, settings, documents, plan, where, incoming, today, feed, files: args.positionals, codeTablesPath };
}
