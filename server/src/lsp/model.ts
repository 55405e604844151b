import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
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
}

/** What one user's own content yields; valid while the element object is the same. */
export interface UserAnalysis {
  /** Validation problems, offsets relative to the user chunk. */
  readonly problems: readonly Problem[];
  readonly keys: core.UserKeys;
  /** Plans by the file-wide context they were made in (e.g. "a later duplicate"). */
  readonly plans: Map<string, core.UserPlanView>;
}

export function createEnv(
  key: string,
  settings: Settings,
  options: EditorOptions,
  settingProblems: readonly SettingProblem[],
  snapshot: Env['snapshot'],
  codeTables: Env['codeTables'],
): Env {
  const prepared = core.prepare(settings, snapshot?.value, codeTables?.value);
  return { key, settings, options, settingProblems, snapshot, codeTables, prepared, users: new WeakMap() };
}

/** Yield to the event loop between slices of work so newer edits and cancellations get in. */
export type Yield = () => Promise<boolean>;

/**
 * The analysed model of one document version under one `Env`: the reader's document plus
 * lazily computed, cached per-user results. Every feature reads from here; none re-reads text.
 */
export class DocumentModel {
  private facts?: core.FileFacts;
  /**
   * The version this model was made for. `TextDocument.update` changes the document object in
   * place, so the owner compares this (and `sis`) to know whether the model is still current.
   */
  readonly version: number;

  constructor(
    readonly doc: TextDocument,
    readonly sis: SisDocument,
    readonly env: Env,
  ) {
    this.version = doc.version;
  }

  userAt(offset: number): SisUserChunk | undefined {
    return userAt(this.sis, offset);
  }

  analysis(chunk: SisUserChunk): UserAnalysis {
    let a = this.env.users.get(chunk.element);
    if (!a) {
      const { problems, keys } = core.validateUser(this.env.prepared, chunk);
      a = { problems, keys, plans: new Map() };
      this.env.users.set(chunk.element, a);
    }
    return a;
  }

  /** File-wide facts (duplicates across users), from the per-user keys: O(users), once per version. */
  fileFacts(): core.FileFacts {
    this.facts ??= core.fileFacts(this.env.prepared, this.sis, (u) => this.analysis(u).keys);
    return this.facts;
  }

  /** What the sync will do to this user; undefined without a usable snapshot. */
  plan(chunk: SisUserChunk): core.UserPlanView | undefined {
    if (!core.hasSnapshot(this.env.prepared)) return undefined;
    const a = this.analysis(chunk);
    const ctx = core.planContext(this.fileFacts(), chunk, this.env.prepared);
    let p = a.plans.get(ctx.key);
    if (!p) {
      p = core.planUser(this.env.prepared, chunk, ctx);
      a.plans.set(ctx.key, p);
    }
    return p;
  }

  range(start: number, end: number): Range {
    return { start: this.doc.positionAt(start), end: this.doc.positionAt(end) };
  }

  /** All diagnostics of this version; yields between slices and stops (undefined) when `yieldNow` says so. */
  async diagnostics(yieldNow?: Yield): Promise<Diagnostic[] | undefined> {
    const all: Diagnostic[] = [];
    // The same problem reported twice (e.g. by the reader and the validator) is shown once, as the CLI does.
    const seen = new Set<string>();
    const out = {
      push(d: Diagnostic) {
        const key = `${d.code}\u0000${d.range.start.line}:${d.range.start.character}\u0000${d.range.end.line}:${d.range.end.character}\u0000${d.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        all.push(d);
      },
    };
    for (const p of this.sis.problems) out.push(this.toDiagnostic(p, 0));
    const users = this.sis.users;
    for (let i = 0; i < users.length; i++) {
      if (yieldNow && i % 1000 === 999 && !(await yieldNow())) return undefined;
      const u = users[i];
      for (const p of u.problems) out.push(this.toDiagnostic(p, u.start));
      for (const p of this.analysis(u).problems) out.push(this.toDiagnostic(p, u.start));
    }
    const facts = this.fileFacts();
    for (const p of facts.problems) out.push(this.toDiagnostic(p, 0));
    if (core.hasSnapshot(this.env.prepared)) {
      for (let i = 0; i < users.length; i++) {
        if (yieldNow && i % 1000 === 999 && !(await yieldNow())) return undefined;
        const u = users[i];
        const plan = this.plan(u);
        if (!plan) continue;
        for (const p of core.snapshotProblems(this.env.prepared, u, plan, this.env.options.revertSeverity)) {
          out.push(this.toDiagnostic(p, u.start));
        }
      }
    }
    return all;
  }

  toDiagnostic(p: Problem, base: number): Diagnostic {
    const d: Diagnostic = {
      range: this.range(base + p.start, base + p.end),
      severity: toSeverity(p.severity),
      code: p.code,
      source: 'alma-sis',
      message: p.message,
    };
    if (p.data) d.data = { ...p.data, base };
    else d.data = { base };
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
