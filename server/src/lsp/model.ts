import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic, type Position, type Range } from 'vscode-languageserver';
import type { Problem, Severity } from '../../../shared/src/diagnostics';
import type { SisDocument, SisUserChunk } from '../../../shared/src/sis/types';
import type { XmlElement } from '../../../shared/src/xml/types';
import type { Settings, SettingProblem } from '../../../shared/src/settings';
import type { EditorOptions } from './config';
import type { Loaded } from './files';
import * as core from './core';
import { userAt } from './tree';

/**
 * Everything a document's analysis depends on besides its text: the profile settings, the
 * editor options, the snapshot and the code tables. Documents with the same inputs share one
 * `Env`, and with it the per-user caches (keyed by the reader's `XmlElement`, which stays the
 * same object while an edit does not touch the user).
 */
export interface Env {
  readonly key: string;
  readonly settings: Settings;
  readonly options: EditorOptions;
  readonly settingProblems: readonly SettingProblem[];
  readonly snapshot?: Loaded<core.SnapshotHandle> & { readonly source: 'setting' | 'beside-document' | 'workspace-root' };
  readonly codeTables?: Loaded<core.CodeTablesHandle>;
  readonly prepared: core.Prepared;
  readonly users: WeakMap<XmlElement, UserAnalysis>;
  /**
   * Validation results per user, shared by every Env with the same validation inputs
   * (settings and code tables): a snapshot that changes on disk re-plans, it does not re-validate.
   */
  readonly validated: WeakMap<XmlElement, { readonly problems: readonly Problem[]; readonly keys: core.UserKeys }>;
}

/** What one user's own content yields; valid while the element object is the same. */
export interface UserAnalysis {
  /** Validation problems, offsets relative to the user chunk. */
  readonly problems: readonly Problem[];
  readonly keys: core.UserKeys;
  /** Plans by the file-wide context they were made in (e.g. "a later duplicate"). */
  readonly plans: Map<string, core.UserPlanView>;
  /** Whether the user's plan can hold snapshot diagnostics (see `core.mayHaveSnapshotProblems`). */
  screened?: boolean;
  /** The plan context last computed (valid while the file-wide feed is the same object). */
  context?: { readonly key: string; readonly feed: core.FeedContext };
  /** LSP diagnostics as last converted, with the user's start position then. */
  diagnostics?: { readonly key: string; readonly line: number; readonly character: number; readonly list: readonly Diagnostic[] };
}

export function createEnv(
  key: string,
  validated: Env['validated'],
  settings: Settings,
  options: EditorOptions,
  settingProblems: readonly SettingProblem[],
  snapshot: Env['snapshot'],
  codeTables: Env['codeTables'],
): Env {
  const prepared = core.prepare(settings, snapshot?.value, codeTables?.value);
  return { key, settings, options, settingProblems, snapshot, codeTables, prepared, users: new WeakMap(), validated };
}

/** Yield to the event loop between slices of work so newer edits and cancellations get in. */
export type Yield = () => Promise<boolean>;

/**
 * The analysed model of one document version under one `Env`: the reader's document plus
 * lazily computed, cached per-user results. Every feature reads from here; none re-reads text.
 */
export class DocumentModel {
  private facts?: FileFactsView;
  /** The model of the previous version (same document), until its file-wide facts are reused or not. */
  private prev?: DocumentModel;
  /**
   * The version this model was made for. `TextDocument.update` changes the document object in
   * place, so the owner compares this (and `sis`) to know whether the model is still current.
   */
  readonly version: number;

  constructor(
    readonly doc: TextDocument,
    readonly sis: SisDocument,
    readonly env: Env,
    prev?: DocumentModel,
  ) {
    this.version = doc.version;
    if (prev && prev.env === env) {
      this.prev = prev;
      // Never keep a chain of old versions alive.
      prev.prev = undefined;
    }
  }

  userAt(offset: number): SisUserChunk | undefined {
    return userAt(this.sis, offset);
  }

  analysis(chunk: SisUserChunk): UserAnalysis {
    let a = this.env.users.get(chunk.element);
    if (!a) {
      let v = this.env.validated.get(chunk.element);
      if (!v) {
        v = core.validateUser(this.env.prepared, chunk);
        this.env.validated.set(chunk.element, v);
      }
      a = { problems: v.problems, keys: v.keys, plans: new Map() };
      this.env.users.set(chunk.element, a);
    }
    return a;
  }

  /**
   * File-wide facts (duplicates across users, who holds an identifier first), from the
   * per-user keys: O(users), once per version — and reused from the previous version when the
   * edit left every identifier value as it was (the usual case: typing in a name).
   */
  fileFacts(): FileFactsView {
    if (this.facts) return this.facts;
    const prev = this.prev;
    this.prev = undefined;
    const reused = prev?.facts ? reuseFacts(this, prev, prev.facts) : undefined;
    if (reused) {
      this.facts = reused;
      return reused;
    }
    const raw = core.fileFacts(this.env.prepared, this.sis, (u) => this.analysis(u).keys);
    const perUser: { index: number; problem: Problem }[] = [];
    const frame: Problem[] = [];
    for (const p of raw.problems) {
      const u = userAt(this.sis, p.start);
      if (u) perUser.push({ index: u.index, problem: { ...p, start: p.start - u.start, end: p.end - u.start } });
      else frame.push(p);
    }
    this.facts = { facts: raw, perUser, frame };
    return this.facts;
  }

  /** What the sync will do to this user; undefined without a usable snapshot. */
  plan(chunk: SisUserChunk): core.UserPlanView | undefined {
    return this.planEntry(chunk)?.plan;
  }

  private planEntry(chunk: SisUserChunk): { plan: core.UserPlanView; key: string } | undefined {
    if (!core.hasSnapshot(this.env.prepared)) return undefined;
    const a = this.analysis(chunk);
    const facts = this.fileFacts().facts;
    let ctx = a.context?.feed === facts.feed ? a.context : undefined;
    if (!ctx) {
      ctx = core.planContext(facts, chunk, a.keys);
      a.context = ctx;
    }
    let p = a.plans.get(ctx.key);
    if (!p) {
      p = core.planUser(this.env.prepared, chunk, ctx);
      a.plans.set(ctx.key, p);
    }
    return { plan: p, key: ctx.key };
  }

  range(start: number, end: number): Range {
    return { start: this.doc.positionAt(start), end: this.doc.positionAt(end) };
  }

  /** All diagnostics of this version; yields between slices and stops (undefined) when `yieldNow` says so. */
  async diagnostics(yieldNow?: Yield): Promise<Diagnostic[] | undefined> {
    const out: Diagnostic[] = [];
    for (const p of this.sis.problems) out.push(this.toDiagnostic(p, 0));
    const users = this.sis.users;
    const facts = this.fileFacts();
    for (let i = 0; i < users.length; i++) {
      if (yieldNow && i % 2000 === 1999 && !(await yieldNow())) return undefined;
      for (const d of this.userDiagnostics(users[i])) out.push(d);
    }
    for (const p of facts.frame) out.push(this.toDiagnostic(p, 0));
    for (const { index, problem } of facts.perUser) out.push(this.toDiagnostic(problem, users[index].start));
    return out;
  }

  /**
   * One user's diagnostics, cached with the position of the user's start: when an edit
   * elsewhere only moved the user, the cached diagnostics are shifted (or reused as they are
   * when the user did not move), without converting offsets again.
   */
  private userDiagnostics(u: SisUserChunk): readonly Diagnostic[] {
    const a = this.analysis(u);
    // Plan only users whose plan can hold a snapshot diagnostic; the others when asked.
    if (a.screened === undefined) a.screened = core.mayHaveSnapshotProblems(this.env.prepared, a.keys);
    const entry = a.screened ? this.planEntry(u) : undefined;
    const plan = entry?.plan;
    const key = entry?.key ?? '';
    const at = this.doc.positionAt(u.start);
    const cached = a.diagnostics;
    if (cached && cached.key === key) {
      if (cached.line === at.line && cached.character === at.character) return cached.list;
      const dl = at.line - cached.line;
      const dc = at.character - cached.character;
      const move = (p: Position): Position => ({ line: p.line + dl, character: p.line === cached.line ? p.character + dc : p.character });
      const list = cached.list.map((d) => ({ ...d, range: { start: move(d.range.start), end: move(d.range.end) } }));
      a.diagnostics = { key, line: at.line, character: at.character, list };
      return list;
    }
    const list: Diagnostic[] = [];
    // The same problem reported twice (by the reader and the validator) is shown once, as the CLI does.
    const seen = new Set<string>();
    const add = (p: Problem) => {
      const k = `${p.code}\u0000${p.start}\u0000${p.end}\u0000${p.message}`;
      if (seen.has(k)) return;
      seen.add(k);
      list.push(this.toDiagnostic(p, u.start));
    };
    for (const p of u.problems) add(p);
    for (const p of a.problems) add(p);
    if (plan) for (const p of core.snapshotProblems(this.env.prepared, u, plan, a.keys, this.env.options.revertSeverity)) add(p);
    a.diagnostics = { key, line: at.line, character: at.character, list };
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
    return d;
  }
}

/** File-wide facts of one version: problems across users kept relative to their user. */
export interface FileFactsView {
  readonly facts: core.FileFacts;
  readonly perUser: readonly { readonly index: number; readonly problem: Problem }[];
  /** Problems outside every user (root, frame): absolute. */
  readonly frame: readonly Problem[];
}

/**
 * The previous version's file-wide facts, when still true: same number of users, and every
 * user the edit re-read carries the same identifier values as before. The ranges of problems
 * on a re-read user are moved to where its keys are now.
 */
function reuseFacts(m: DocumentModel, prev: DocumentModel, view: FileFactsView): FileFactsView | undefined {
  const now = m.sis.users;
  const was = prev.sis.users;
  if (now.length !== was.length) return undefined;
  // Frame problems depend on the root and the users' positions: recompute (cheap).
  if (view.frame.length > 0 || m.sis.root?.start !== prev.sis.root?.start) return undefined;
  const changed = new Map<number, { before: core.UserKeys; after: core.UserKeys }>();
  for (let i = 0; i < now.length; i++) {
    if (now[i].element === was[i].element) continue;
    const before = prev.analysis(was[i]).keys;
    const after = m.analysis(now[i]).keys;
    if (!sameKeyValues(before, after)) return undefined;
    changed.set(i, { before, after });
    if (changed.size > 8) return undefined;
  }
  if (changed.size === 0) return view;
  const perUser: { index: number; problem: Problem }[] = [];
  for (const entry of view.perUser) {
    const c = changed.get(entry.index);
    if (!c) {
      perUser.push(entry);
      continue;
    }
    const moved = moveToKeys(entry.problem, c.before, c.after);
    if (!moved) return undefined;
    perUser.push({ index: entry.index, problem: moved });
  }
  return { facts: view.facts, perUser, frame: view.frame };
}

function sameKeyValues(a: core.UserKeys, b: core.UserKeys): boolean {
  if (a.matchKey !== b.matchKey || a.primaryId !== b.primaryId || a.identifiers.length !== b.identifiers.length) return false;
  for (let i = 0; i < a.identifiers.length; i++) {
    const x = a.identifiers[i];
    const y = b.identifiers[i];
    if (x.type !== y.type || x.value.toLowerCase() !== y.value.toLowerCase() || x.value !== y.value) return false;
  }
  return true;
}

function moveToKeys(p: Problem, before: core.UserKeys, after: core.UserKeys): Problem | undefined {
  if (p.start === before.matchStart && p.end === before.matchEnd) return { ...p, start: after.matchStart, end: after.matchEnd };
  const j = before.identifiers.findIndex((k) => k.start === p.start && k.end === p.end);
  if (j < 0) return undefined;
  return { ...p, start: after.identifiers[j].start, end: after.identifiers[j].end };
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
