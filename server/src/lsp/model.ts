import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import { analysisCaches, analysisInputs, DocumentAnalysis, localDay, type FindingGroup, type AnalysisCaches, type AnalysisInputs, type LocatorSource, type UserFinding, type UserPlanView } from '../../../shared/src/analysis';
import type { Problem, Severity } from '../../../shared/src/diagnostics';
import type { Settings, SettingProblem } from '../../../shared/src/settings';
import type { UserKeys } from '../../../shared/src/sis/keys';
import type { SisDocument, SisUserChunk } from '../../../shared/src/sis/types';
import { indexWithSettings, type SnapshotOnDisk } from '../io/snapshotFile';
import type { CodeTables } from '../../../shared/src/validate/codeTables';
import type { UserText } from '../../../shared/src/sis/userText';
import type { EditorOptions } from '../../../shared/src/editorSettings';
import type { UserLenses } from './features/codeLens';
import { UserFindings } from './findings';
import type { Loaded } from './files';

/**
 * Everything a document's analysis depends on besides its text: the profile settings, the
 * editor options, the snapshot and the code tables. Documents with the same inputs share one
 * `Env`, and with it the per-user caches (keyed by the user's `SisUserChunk.key`, which stays
 * the same object while an edit does not touch the user).
 */
export interface Env {
  readonly key: string;
  readonly settings: Settings;
  readonly options: EditorOptions;
  readonly settingProblems: readonly SettingProblem[];
  /** The snapshot file as its bytes and index (`inputs.index` reads it with these settings). */
  readonly snapshot?: Loaded<SnapshotOnDisk> & { readonly source: LocatorSource };
  readonly codeTables?: Loaded<CodeTables>;
  readonly inputs: AnalysisInputs;
  /** The core's per-user results; `caches.validated` is shared by every Env with the same validation inputs. */
  readonly caches: AnalysisCaches;
  /** Code lenses per user text as last made (see `codeLenses`). */
  readonly lenses: WeakMap<UserText, UserLenses>;
}

export function createEnv(
  key: string,
  validated: AnalysisCaches['validated'],
  settings: Settings,
  options: EditorOptions,
  settingProblems: readonly SettingProblem[],
  snapshot: Env['snapshot'],
  codeTables: Env['codeTables'],
): Env {
  const index = snapshot?.value ? indexWithSettings(snapshot.value, settings) : undefined;
  const inputs = analysisInputs(settings, { index, codeTables: codeTables?.value, today: localDay(new Date()) });
  return { key, settings, options, settingProblems, snapshot, codeTables, inputs, caches: analysisCaches(validated), lenses: new WeakMap() };
}

/** Yield to the event loop between slices of work so newer edits and cancellations get in. */
export type Yield = () => Promise<boolean>;

/**
 * One document version under one `Env`: the core's analysis of it, and its results as LSP
 * objects (positions from the `TextDocument`). Every feature reads from here; none re-reads text.
 */
export class DocumentModel {
  readonly analysis: DocumentAnalysis;
  /** The users' findings, shared with the document's previous model under the same Env. */
  private readonly findings: UserFindings;
  /**
   * The version this model was made for. `TextDocument.update` changes the document object in
   * place, so the owner compares this (and `sis`) to know whether the model is still current.
   */
  readonly version: number;

  constructor(
    readonly doc: TextDocument,
    sis: SisDocument,
    readonly env: Env,
    prev?: DocumentModel,
  ) {
    this.version = doc.version;
    const same = prev?.env === env ? prev : undefined;
    this.analysis = new DocumentAnalysis(sis, env.inputs, env.caches, same?.analysis);
    this.findings = same?.findings ?? new UserFindings(env.options.revertSeverity);
  }

  get sis(): SisDocument {
    return this.analysis.sis;
  }

  userAt(offset: number): SisUserChunk | undefined {
    return this.analysis.userAt(offset);
  }

  keys(chunk: SisUserChunk): UserKeys {
    return this.analysis.user(chunk).keys;
  }

  /** What the sync will do to this user; undefined without a usable snapshot. */
  plan(chunk: SisUserChunk): UserPlanView | undefined {
    return this.analysis.view(chunk);
  }

  range(start: number, end: number): Range {
    return { start: this.doc.positionAt(start), end: this.doc.positionAt(end) };
  }

  /**
   * All diagnostics of this version; yields between slices and stops (undefined) when `yieldNow`
   * says so. The users' findings come from the document's `UserFindings`, which after an edit
   * works out only the users it touched and keeps the grouping of repeated harmless findings up
   * to date; only what is published is converted to LSP positions.
   */
  async diagnostics(yieldNow?: Yield): Promise<Diagnostic[] | undefined> {
    if (!(await this.findings.update(this.analysis, yieldNow))) return undefined;
    const out: Diagnostic[] = [];
    for (const p of this.sis.problems) out.push(this.toDiagnostic(p, 0));
    const users = this.sis.users;
    for (let i = 0; i < users.length; i++) for (const p of this.findings.kept(i)) out.push(this.toDiagnostic(p, users[i].start));
    const facts = this.analysis.fileFacts();
    for (const p of facts.frame) out.push(this.toDiagnostic(p, 0));
    for (const { index, problem } of facts.perUser) out.push(this.toDiagnostic(problem, users[index].start));
    for (const g of this.findings.grouped()) out.push(this.groupedDiagnostic(g));
    return out;
  }

  /** A group as one diagnostic: the first occurrence (its quick fixes still apply), the next ones as related information. */
  private groupedDiagnostic(g: FindingGroup<UserFinding<Problem>>): Diagnostic {
    const users = this.sis.users;
    const first = this.toDiagnostic(g.first.finding, users[g.first.user].start);
    if (g.count <= 1) return first;
    const relatedInformation = g.related.map(({ user, finding }) => {
      const base = users[user].start;
      return { location: { uri: this.doc.uri, range: this.range(base + finding.start, base + finding.end) }, message: finding.message };
    });
    return { ...first, message: g.message, relatedInformation };
  }

  toDiagnostic(p: Problem, base: number): Diagnostic {
    const d: Diagnostic = {
      range: this.range(base + p.start, base + p.end),
      severity: toSeverity(p.severity),
      code: p.code,
      source: 'alma-sis',
      message: p.message,
    };
    if (p.data) d.data = p.data;
    // The first holder of a duplicate, in this document (the feed's other files are the workspace's business).
    if (p.related) d.relatedInformation = p.related.filter((r) => r.file === 0).map((r) => ({ location: { uri: this.doc.uri, range: this.range(r.start, r.end) }, message: r.message }));
    return d;
  }
}

export function toSeverity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'information':
      return DiagnosticSeverity.Information;
    default:
      return DiagnosticSeverity.Hint;
  }
}
