import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic, type Position, type Range } from 'vscode-languageserver';
import { analysisCaches, analysisInputs, DocumentAnalysis, FindingGrouper, localDay, snapshotProblems, type FindingGroup, type AnalysisCaches, type AnalysisInputs, type LocatorSource, type UserPlanView } from '../../../shared/src/analysis';
import type { Problem, Severity } from '../../../shared/src/diagnostics';
import type { Settings, SettingProblem } from '../../../shared/src/settings';
import type { UserKeys } from '../../../shared/src/sis/keys';
import type { SisDocument, SisUserChunk } from '../../../shared/src/sis/types';
import type { Snapshot } from '../../../shared/src/snapshot/snapshot';
import type { CodeTables } from '../../../shared/src/validate/codeTables';
import type { UserText } from '../../../shared/src/sis/userText';
import type { EditorOptions } from '../../../shared/src/editorSettings';
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
  readonly snapshot?: Loaded<Snapshot> & { readonly source: LocatorSource };
  readonly codeTables?: Loaded<CodeTables>;
  readonly inputs: AnalysisInputs;
  /** The core's per-user results; `caches.validated` is shared by every Env with the same validation inputs. */
  readonly caches: AnalysisCaches;
  /** LSP diagnostics per user as last converted, with the plan key and the user's start position then. */
  readonly diagnostics: WeakMap<UserText, { readonly key: string; readonly line: number; readonly character: number; readonly list: readonly Diagnostic[] }>;
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
  const inputs = analysisInputs(settings, { snapshot: snapshot?.value, codeTables: codeTables?.value, today: localDay(new Date()) });
  return { key, settings, options, settingProblems, snapshot, codeTables, inputs, caches: analysisCaches(validated), diagnostics: new WeakMap() };
}

/** Yield to the event loop between slices of work so newer edits and cancellations get in. */
export type Yield = () => Promise<boolean>;

/**
 * One document version under one `Env`: the core's analysis of it, and its results as LSP
 * objects (positions from the `TextDocument`). Every feature reads from here; none re-reads text.
 */
export class DocumentModel {
  readonly analysis: DocumentAnalysis;
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
    this.analysis = new DocumentAnalysis(sis, env.inputs, env.caches, prev?.env === env ? prev.analysis : undefined);
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
   * says so. A harmless finding repeated across users is published once, grouped by the core's
   * `FindingGrouper` in a last pass over the per-user diagnostics as cached (no user is
   * analysed or converted again for it).
   */
  async diagnostics(yieldNow?: Yield): Promise<Diagnostic[] | undefined> {
    const out: Diagnostic[] = [];
    for (const p of this.sis.problems) out.push(this.toDiagnostic(p, 0));
    const users = this.sis.users;
    const facts = this.analysis.fileFacts();
    const groups = new FindingGrouper<Diagnostic>((d) => ({ code: String(d.code), severity: fromSeverity(d.severity), message: d.message }));
    for (let i = 0; i < users.length; i++) {
      if (yieldNow && i % 2000 === 1999 && !(await yieldNow())) return undefined;
      for (const d of this.userDiagnostics(users[i])) if (!groups.offer(d, i)) out.push(d);
    }
    for (const p of facts.frame) out.push(this.toDiagnostic(p, 0));
    for (const { index, problem } of facts.perUser) out.push(this.toDiagnostic(problem, users[index].start));
    for (const g of groups.result()) out.push(this.groupedDiagnostic(g));
    return out;
  }

  /** A group as one diagnostic: the first occurrence (its quick fixes still apply), the next ones as related information. */
  private groupedDiagnostic(g: FindingGroup<Diagnostic>): Diagnostic {
    if (g.count <= 1) return g.first;
    const relatedInformation = g.related.map((d) => ({ location: { uri: this.doc.uri, range: d.range }, message: d.message }));
    return { ...g.first, message: g.message, relatedInformation };
  }

  /**
   * One user's diagnostics, cached with the position of the user's start: when an edit
   * elsewhere only moved the user, the cached diagnostics are shifted (or reused as they are
   * when the user did not move), without converting offsets again.
   */
  private userDiagnostics(u: SisUserChunk): readonly Diagnostic[] {
    // Plan only users whose plan can hold a snapshot diagnostic; the others when asked.
    const screened = this.analysis.mayHaveSnapshotProblems(u);
    const key = screened ? (this.analysis.planKey(u) ?? '') : '';
    const at = this.doc.positionAt(u.start);
    const cached = this.env.diagnostics.get(u.key);
    if (cached && cached.key === key) {
      if (cached.line === at.line && cached.character === at.character) return cached.list;
      const dl = at.line - cached.line;
      const dc = at.character - cached.character;
      const move = (p: Position): Position => ({ line: p.line + dl, character: p.line === cached.line ? p.character + dc : p.character });
      const list = cached.list.map((d) => ({ ...d, range: { start: move(d.range.start), end: move(d.range.end) } }));
      this.env.diagnostics.set(u.key, { key, line: at.line, character: at.character, list });
      return list;
    }
    const a = this.analysis.user(u);
    const list = a.problems.map((p) => this.toDiagnostic(p, u.start));
    const plan = screened ? this.analysis.view(u) : undefined;
    if (plan) for (const p of snapshotProblems(u.element, plan, a.keys, this.env.options.revertSeverity)) list.push(this.toDiagnostic(p, u.start));
    this.env.diagnostics.set(u.key, { key, line: at.line, character: at.character, list });
    return list;
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

/** The core's severity of an LSP diagnostic (the inverse of `toSeverity`). */
function fromSeverity(s: DiagnosticSeverity | undefined): Severity {
  return s === DiagnosticSeverity.Error ? 'error' : s === DiagnosticSeverity.Warning ? 'warning' : s === DiagnosticSeverity.Information ? 'information' : 'hint';
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
