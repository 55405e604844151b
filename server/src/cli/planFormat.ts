/**
 * The plan for people and for scripts: JSON (docs/plan.md), text (a summary line like Alma's job
 * report, then per user `+`/`-`/`~` lines with before → after and the reason) and Markdown (for
 * a ticket or a change review). Only presentation: every decision comes from the engine.
 */
import { PLAN_FORMAT, PLAN_VERSION, userPlanToJson, type FieldDecision, type PlanJson, type PlanSummary, type PlanUserJson, type UserPlan } from '../../../shared/src/engine';
import type { Settings } from '../../../shared/src/settings';
import { valueToJson, type FieldValue } from '../../../shared/src/sis/record';
import { UsageError } from './args';
import type { PlannedUser } from './planInput';
import { printable } from './present/text';
import { InFeedOrder } from '../io/spool';

/** `--only` filters: outcomes, and what happened to fields. */
export const ONLY_CHOICES = ['created', 'updated', 'unchanged', 'rejected', 'reverted', 'protected', 'cleared', 'defaulted', 'noted'] as const;
export type OnlyChoice = (typeof ONLY_CHOICES)[number];

export function parseOnly(raw: string | undefined): Set<OnlyChoice> | undefined {
  if (raw === undefined) return undefined;
  const out = new Set<OnlyChoice>();
  for (const part of raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (!(ONLY_CHOICES as readonly string[]).includes(part)) throw new UsageError(`--only: unknown filter ${JSON.stringify(part)} (choose from ${ONLY_CHOICES.join(', ')})`);
    out.add(part as OnlyChoice);
  }
  if (out.size === 0) throw new UsageError('--only: give at least one filter');
  return out;
}

function matches(u: UserPlan, only: ReadonlySet<OnlyChoice>): boolean {
  if (only.has(u.outcome)) return true;
  if (only.has('reverted') && u.fields.some((f) => f.action === 'revert-override')) return true;
  if (only.has('protected') && u.fields.some((f) => f.wasProtected || f.action === 'keep-protected')) return true;
  if (only.has('cleared') && u.fields.some((f) => f.action === 'clear')) return true;
  if (only.has('defaulted') && u.fields.some((f) => f.action === 'default')) return true;
  if (only.has('noted') && u.notes.length > 0) return true;
  return false;
}

/** Whether `--only` shows this user (all without `--only`). */
export function shows(u: UserPlan, only: ReadonlySet<OnlyChoice> | undefined): boolean {
  return !only || matches(u, only);
}

/** A planned user as the plan's JSON lists it (`file` when the feed has several documents). */
export function plannedUserJson(u: PlannedUser, many: boolean): PlanUserJson & { file?: string } {
  const j = userPlanToJson(u.plan, u.line);
  j.index = u.index;
  return many ? { ...j, file: u.doc.path } : j;
}

/** The whole plan document (docs/plan.md) from its users in feed order. */
export function planJson(summary: PlanSummary, users: readonly PlanUserJson[], files?: readonly string[]): PlanJson & { files?: string[] } {
  const out: PlanJson & { files?: string[] } = { format: PLAN_FORMAT, version: PLAN_VERSION, summary: { ...summary }, users: [...users] };
  if (files) out.files = [...files];
  return out;
}

/**
 * The plan's JSON written as users come (contract: docs/plan.md), so a plan of 100,000 users is
 * never one string: `users` in feed order (a user planned early waits for those before it),
 * then `summary` (and `files` for several documents), which only the end knows.
 */
export class PlanJsonWriter {
  /** Users' texts in feed order ('' for a user not shown). */
  private readonly order = new InFeedOrder<string>((t) => {
    if (t !== '') this.write(`${this.written++ === 0 ? '\n' : ',\n'}${t}`);
  });
  private written = 0;
  private started = false;
  /** Text not written yet: users are written in batches of about 64 KB (a write per user cost more than its text). */
  private batch: string[] = [];
  private batchSize = 0;

  constructor(private readonly out: (text: string) => void) {}

  /** Nothing is written before the first user (a plan that fails before it writes no JSON). */
  private write(text: string): void {
    if (!this.started) {
      this.started = true;
      this.batch.push(`{\n  "format": ${JSON.stringify(PLAN_FORMAT)},\n  "version": ${PLAN_VERSION},\n  "users": [`);
    }
    this.batch.push(text);
    this.batchSize += text.length;
    if (this.batchSize >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.out(this.batch.join(''));
    this.batch = [];
    this.batchSize = 0;
  }

  /** The user at feed position `index`; `json` undefined when it is not shown. */
  user(index: number, json: object | undefined): void {
    // Indented as an item of `users` in one native call: the object inside two arrays is
    // indented by four spaces, its members by six; the arrays' brackets are cut off.
    this.order.put(index, json === undefined ? '' : JSON.stringify([[json]], null, 2).slice(6, -6));
  }

  end(summary: PlanSummary, more: Record<string, unknown> = {}): void {
    this.write(this.written > 0 ? '\n  ],\n' : '],\n');
    const tail = { summary, ...more };
    this.write(`${JSON.stringify(tail, null, 2).slice(2)}\n`);
    this.flush();
  }
}

// ---------------------------------------------------------------------------------------------
// Text

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', magenta: '\x1b[35m' };

/**
 * Alma's job report, in its own words (Ex Libris knowledge article 'SIS report "Total records
 * processed" - what does the number mean').
 */
export function summaryText(s: PlanSummary): string {
  return `Total users processed: ${s.processed} · rejected: ${s.rejected} · updated successfully: ${s.updated} · created successfully: ${s.created} · unchanged: ${s.unchanged}`;
}

function show(v: FieldValue): string {
  const j = valueToJson(v);
  if (j === null) return '(empty)';
  if (typeof j === 'string') return printable(j);
  if (j.length === 0) return '[]';
  return printable(JSON.stringify(j));
}

const FIELD_MARK: Record<FieldDecision['action'], string> = { set: '~', clear: '-', default: '~', 'keep-protected': '=', 'revert-override': '~' };
const USER_MARK: Record<UserPlan['outcome'], string> = { created: '+', updated: '~', unchanged: '=', rejected: '!' };

function fieldLine(f: FieldDecision, created: boolean): { mark: string; text: string } {
  const mark = created || (f.action === 'set' && f.before === null) ? '+' : FIELD_MARK[f.action];
  let text: string;
  switch (f.action) {
    case 'set':
      text = created || f.before === null ? `${f.field}: ${show(f.after)}` : `${f.field}: ${show(f.before)} → ${show(f.after)}`;
      break;
    case 'clear':
      text = `${f.field}: ${show(f.before)} → (cleared)`;
      break;
    case 'default':
      text = created || f.before === null ? `${f.field}: ${show(f.after)} (default)` : `${f.field}: ${show(f.before)} → ${show(f.after)} (default)`;
      break;
    case 'keep-protected':
      text = `${f.field}: ${show(f.before)} kept (protected; file sends ${show(f.incoming)})`;
      break;
    case 'revert-override':
      text = `${f.field}: ${show(f.before)} → ${show(f.after)} (manual change undone, protection ends)`;
      break;
  }
  return { mark, text };
}

export interface TextOptions {
  readonly color: boolean;
  readonly snapshotPath: string;
  /** Print the rule sentence under each line. */
  readonly verbose?: boolean;
}

const USER_COLOR: Record<UserPlan['outcome'], string> = { created: ANSI.green, updated: ANSI.yellow, unchanged: ANSI.dim, rejected: ANSI.red };
const MARK_COLOR: Record<string, string> = { '+': ANSI.green, '-': ANSI.red, '~': ANSI.yellow, '=': ANSI.cyan };

/** The first two lines of the text plan: what is planned against what, and Alma's counts. */
export function planTextHeader(settings: Settings, paths: readonly string[], summary: PlanSummary, o: TextOptions): string {
  const c = (code: string, s: string) => (o.color ? `${code}${s}${ANSI.reset}` : s);
  const mode = settings.mode === 'import' ? 'IMPORT' : 'SYNCHRONIZE';
  return `${c(ANSI.bold, `Users ${mode} plan: ${paths.join(', ')} against ${o.snapshotPath} (match by ${settings.matchBy})`)}\n${c(ANSI.bold, summaryText(summary))}\n`;
}

/** One user of the text plan: a blank line, its outcome, then a line per field, list and note. */
export function planTextUser(p: PlannedUser, many: boolean, o: TextOptions): string {
  const c = (code: string, s: string) => (o.color ? `${code}${s}${ANSI.reset}` : s);
  const u = p.plan;
  const out: string[] = [''];
  const who = printable(u.matchValue ?? u.primaryId ?? '(no match id)');
  const where = `${many ? `${p.doc.path}:` : 'line '}${p.line}`;
  const head = `${USER_MARK[u.outcome]} ${who} (${where}) ${u.outcome}`;
  if (u.outcome === 'rejected') out.push(c(USER_COLOR.rejected, `${head}: ${u.reasons.map(printable).join('; ')}`));
  else if (u.outcome === 'unchanged' && u.reasons.length > 0) out.push(c(USER_COLOR.unchanged, `${head}: ${u.reasons.map(printable).join('; ')}`));
  else out.push(c(USER_COLOR[u.outcome], head));
  for (const f of u.fields) {
    const { mark, text } = fieldLine(f, u.outcome === 'created');
    out.push(`    ${c(MARK_COLOR[mark] ?? '', mark)} ${text}`);
    if (o.verbose || f.action === 'keep-protected' || f.action === 'revert-override') out.push(c(ANSI.dim, `        ${printable(f.message)} [${f.rule}]`));
  }
  for (const s of u.segments) {
    out.push(`    ${c(MARK_COLOR['~'], '~')} ${s.list}: ${s.removed} removed, ${s.added} added, ${s.kept} kept`);
    if (o.verbose) out.push(c(ANSI.dim, `        ${printable(s.message)} [${s.rule}]`));
  }
  for (const n of u.notes) out.push(`    ${c(ANSI.magenta, 'note:')} ${n.field ? `${n.field}: ` : ''}${printable(n.message)} [${n.rule}]`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Markdown

function mdCell(s: string): string {
  return printable(s).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'");
}

function mdValue(v: FieldValue): string {
  const j = valueToJson(v);
  return j === null ? '–' : `\`${mdCell(typeof j === 'string' ? j : JSON.stringify(j))}\``;
}

/** The title, the files and Alma's counts of the Markdown plan. */
export function planMarkdownHeader(settings: Settings, paths: readonly string[], summary: PlanSummary, snapshotPath: string): string {
  const s = summary;
  const out: string[] = [];
  out.push(`# Users ${settings.mode === 'import' ? 'Import' : 'Synchronize'} plan`);
  out.push('');
  out.push(`File: \`${mdCell(paths.join(', '))}\` · snapshot: \`${mdCell(snapshotPath)}\` · match by \`${mdCell(settings.matchBy)}\``);
  out.push('');
  out.push('| processed | created | updated | unchanged | rejected |');
  out.push('|---:|---:|---:|---:|---:|');
  out.push(`| ${s.processed} | ${s.created} | ${s.updated} | ${s.unchanged} | ${s.rejected} |`);
  return out.join('\n') + '\n';
}

/** One user of the Markdown plan: a heading, its sentence and reasons, tables of fields and lists, notes. */
export function planMarkdownUser(p: PlannedUser): string {
  const u = p.plan;
  const out: string[] = [''];
  out.push(`## ${USER_MARK[u.outcome]} \`${mdCell(u.matchValue ?? u.primaryId ?? '(no match id)')}\` — ${u.outcome} (line ${p.line})`);
  out.push('');
  out.push(mdCell(u.message));
  if (u.reasons.length > 0) {
    out.push('');
    for (const r of u.reasons) out.push(`- ${mdCell(r)}`);
  }
  if (u.fields.length > 0) {
    out.push('');
    out.push('| field | before | incoming | after | action | why |');
    out.push('|---|---|---|---|---|---|');
    for (const f of u.fields) out.push(`| \`${f.field}\` | ${mdValue(f.before)} | ${mdValue(f.incoming)} | ${mdValue(f.after)} | ${f.action} | ${mdCell(f.message)} |`);
  }
  if (u.segments.length > 0) {
    out.push('');
    out.push('| list | removed | added | kept |');
    out.push('|---|---:|---:|---:|');
    for (const g of u.segments) out.push(`| ${g.list} | ${g.removed} | ${g.added} | ${g.kept} |`);
  }
  if (u.notes.length > 0) {
    out.push('');
    for (const n of u.notes) out.push(`> **Note** (${n.rule})${n.field ? ` \`${n.field}\`` : ''}: ${mdCell(n.message)}`);
  }
  return out.join('\n') + '\n';
}
