/**
 * Shared by `alma-sis plan` and `alma-sis apply`: read the SIS input (an .xml, the .xml files
 * of a .zip, or standard input), the snapshot, and the settings (snapshot `profile` under the
 * flags), then plan. The documents of one zip are planned as one feed, in order.
 */
import type { Problem } from '../../../shared/src/diagnostics';
import { incomingUsers, planFile, type IncomingUser, type Plan } from '../../../shared/src/engine';
import type { Settings } from '../../../shared/src/settings';
import { readSisDocument } from '../../../shared/src/sis/read';
import { snapshotProfile } from '../../../shared/src/snapshot/snapshot';
import { LineIndex } from '../../../shared/src/text/lines';
import { validateDocument } from '../../../shared/src/validate';
import { decodeAll } from '../io/decode';
import { InputError, openInput } from '../io/input';
import { describeSnapshotProblem, loadSnapshot, type LoadedSnapshot } from '../io/snapshotFile';
import { UsageError, stringOption, type ParsedArgs } from './args';
import type { CliContext } from './command';
import { settingsFromFlags } from './options';
import { loadCodeTables } from './codeTables';
import type { CodeTables } from '../../../shared/src/validate';

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

async function readDocument(doc: { path: string; bytes: () => AsyncIterable<Uint8Array> }, settings: Settings, today: string, codeTables?: CodeTables): Promise<PlanDocument> {
  const { text, problems: encoding, undecodable } = await decodeAll(doc.bytes());
  const lines = new LineIndex(text);
  const problems: Problem[] = [...encoding];
  let users: IncomingUser[] = [];
  if (!undecodable) {
    const sis = readSisDocument(text);
    for (const p of validateDocument(sis, { settings, today, codeTables })) problems.push(p); // may be more than push(...) takes
    users = incomingUsers(sis);
  }
  const errors = problems.filter((p) => p.severity === 'error');
  const fatal = errors.find((p) => FATAL_CODES.has(p.code));
  return {
    path: doc.path,
    userLines: users.map((u) => lines.positionAt(u.start).line + 1),
    users,
    errors: errors.length,
    fatal: undecodable || fatal !== undefined,
    fatalProblem: fatal ? { message: fatal.message, line: lines.positionAt(fatal.start).line + 1 } : undefined,
  };
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
