/**
 * Shared by `alma-sis plan` and `alma-sis apply`: read the SIS input (an .xml, the .xml files
 * of a .zip, or standard input), the snapshot, and the settings (snapshot `profile` under the
 * flags), then plan. The documents of one zip are planned as one feed, in order.
 */
import type { Problem } from '../../../shared/src/diagnostics';
import { planFile, type IncomingUser, type Plan } from '../../../shared/src/engine';
import type { Settings } from '../../../shared/src/settings';
import { recordFromXml } from '../../../shared/src/sis/record';
import { SisStreamReader } from '../../../shared/src/sis/read';
import { snapshotProfile } from '../../../shared/src/snapshot/snapshot';
import { analyzeUser, fileWideProblems, frameProblems, type CodeTables, type KeyedUser } from '../../../shared/src/validate';
import { LineStarts } from '../../../shared/src/text/lines';
import { decodeBytes } from '../io/decode';
import { InputError, openInput } from '../io/input';
import { describeSnapshotProblem, loadSnapshot, type LoadedSnapshot } from '../io/snapshotFile';
import { UsageError, stringOption, type ParsedArgs } from './args';
import type { CliContext } from './command';
import { settingsFromFlags } from './options';
import { loadCodeTables } from './codeTables';

/** Today's date on the user's clock, as `YYYY-MM-DD` (the validator's date checks need it). */
function localDay(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** Encoding problems that make Alma fail the whole file (domain §5.2). */
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
}

/**
 * Reads one document piece by piece (`SisStreamReader`): each user is validated, turned into
 * the engine's record and forgotten, so neither the whole text nor every user's XML tree is held
 * at once; the checks across users run on their keys at the end (as `validateDocument` does).
 */
async function readDocument(doc: { path: string; bytes: () => AsyncIterable<Uint8Array> }, settings: Settings, today: string, codeTables?: CodeTables): Promise<PlanDocument> {
  const decoded = decodeBytes(doc.bytes());
  const lines = new LineStarts();
  const lineOf = (offset: number) => lines.positionAt(offset).line + 1;
  const users: IncomingUser[] = [];
  const userLines: number[] = [];
  const keyed: KeyedUser[] = [];
  const options = { settings, today, codeTables };
  let errors = 0;
  let fatal: { message: string; line: number } | undefined;
  const count = (p: Problem, line: () => number) => {
    if (p.severity !== 'error') return;
    errors++;
    if (!fatal && FATAL_CODES.has(p.code)) fatal = { message: p.message, line: line() };
  };
  const reader = new SisStreamReader(
    ({ chunk }) => {
      for (const p of chunk.problems) count(p, () => lineOf(chunk.start + p.start));
      const a = analyzeUser(chunk.element, options);
      for (const p of a.problems) count(p, () => lineOf(chunk.start + p.start));
      keyed.push({ start: chunk.start, keys: a.keys });
      users.push({ index: chunk.index, start: chunk.start, record: recordFromXml(chunk.element) });
      userLines.push(lineOf(chunk.start));
    },
    (sp) => count(sp.problem, () => sp.startLine + 1),
  );
  for await (const piece of decoded.pieces) {
    lines.push(piece);
    if (!decoded.undecodable) reader.push(piece);
  }
  lines.end();
  // Encoding problems are complete once the pieces are read; they come first in the file.
  let encodingFatal: typeof fatal;
  for (const p of decoded.problems) {
    if (p.severity !== 'error') continue;
    errors++;
    if (!encodingFatal && FATAL_CODES.has(p.code)) encodingFatal = { message: p.message, line: lineOf(p.start) };
  }
  if (encodingFatal) fatal = encodingFatal;
  if (!decoded.undecodable) {
    const frame = reader.end();
    for (const p of frameProblems(frame, frame.userCount, settings)) count(p, () => lineOf(p.start));
    for (const p of fileWideProblems(keyed, settings)) count(p, () => lineOf(p.start));
  }
  return { path: doc.path, userLines, users, errors, fatal: decoded.undecodable || fatal !== undefined, fatalProblem: fatal };
}

/** Reads everything a plan needs and plans; throws `UsageError`/`InputError` for exit 2. */
export async function preparePlan(args: ParsedArgs, ctx: CliContext, commandName: string): Promise<PlanRun> {
  if (args.positionals.length === 0) throw new UsageError('no file given (a .xml, a .zip, or - for standard input)');
  if (args.positionals.length > 1) throw new UsageError(`one file at a time (got ${args.positionals.length}); a .zip may hold several .xml files`);
  const snapshotPath = stringOption(args, 'snapshot');
  if (snapshotPath === undefined) throw new UsageError('--snapshot SNAP is required (the *.alma-snapshot.json of what Alma holds now)');
  const snapshot = await loadSnapshot(snapshotPath);
  for (const p of snapshot.problems) ctx.stderr.write(`alma-sis ${commandName}: ${describeSnapshotProblem(snapshotPath, p)}\n`);
  const { settings, problems } = settingsFromFlags(args, snapshotProfile(snapshot.snapshot));
  for (const p of problems) ctx.stderr.write(`alma-sis ${commandName}: warning: snapshot profile: ${p.message}\n`);
  const today = localDay(ctx.now());
  const codeTablesPath = stringOption(args, 'code-tables');
  let codeTables: CodeTables | undefined;
  if (codeTablesPath !== undefined) {
    const loaded = await loadCodeTables(codeTablesPath);
    for (const w of loaded.warnings) ctx.stderr.write(`alma-sis ${commandName}: warning: ${w}\n`);
    codeTables = loaded.tables;
  }
  const documents: PlanDocument[] = [];
  for (const d of await openInput(args.positionals[0], { stdin: ctx.stdin })) documents.push(await readDocument(d, settings, today, codeTables));
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
  return { snapshot, settings, documents, plan, where, incoming };
}
