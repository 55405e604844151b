/**
 * The plan as Markdown, for a ticket or a change review ("Export Plan…"): the job-report
 * counts, then one section per outcome with a table of the field and list changes. Only what
 * the plan says (ids, values, actions); no names.
 */
import { buildPreview, FLAG_LABELS, OUTCOME_LABELS, type PreviewUserRow } from './model';
import type { PlanLike } from './types';

/** Escapes what would break a Markdown table cell. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/([*_`[\]<>])/g, '\\$1');
}

function userSection(u: PreviewUserRow): string[] {
  const out: string[] = [];
  const flags = u.flags.length > 0 ? ` — ${u.flags.map((f) => FLAG_LABELS[f]).join(', ')}` : '';
  out.push(`#### ${mdCell(u.id)} (line ${u.line}): ${mdCell(u.headline)}${flags}`, '');
  if (u.fields.length > 0) {
    out.push('| field | before | after | action |', '|---|---|---|---|');
    for (const f of u.fields) out.push(`| ${mdCell(f.field)} | ${mdCell(f.before)} | ${mdCell(f.after)} | ${mdCell(f.actionLabel)} |`);
    out.push('');
  }
  if (u.segments.length > 0) {
    for (const s of u.segments) out.push(`- ${mdCell(s.list)}: ${s.change}`);
    out.push('');
  }
  if (u.notes.length > 0) {
    for (const n of u.notes) out.push(`> **Note**${n.field ? ` (${mdCell(n.field)})` : ''}: ${mdCell(n.text)}`);
    out.push('');
  }
  return out;
}

export interface MarkdownOptions {
  readonly title: string;
  /** e.g. the SIS file and the snapshot's names. */
  readonly subtitle?: string;
}

export function planToMarkdown(plan: PlanLike, options: MarkdownOptions): string {
  const m = buildPreview(plan);
  const s = plan.summary;
  const out: string[] = [`# ${mdCell(options.title)}`, ''];
  if (options.subtitle) out.push(mdCell(options.subtitle), '');
  out.push(
    '| processed | created | updated | unchanged | rejected |',
    '|---:|---:|---:|---:|---:|',
    `| ${s.processed} | ${s.created} | ${s.updated} | ${s.unchanged} | ${s.rejected} |`,
    '',
  );
  for (const g of m.groups) {
    out.push(`## ${OUTCOME_LABELS[g.outcome]} (${g.total})`, '');
    if (g.outcome === 'unchanged' || g.outcome === 'created') {
      // Long lists of untouched or new users: one line each.
      for (const u of g.users) {
        if (u.fields.some((f) => f.action !== 'keep-protected') || u.flags.length > 0 || u.notes.length > 0) out.push(...userSection(u));
        else out.push(`- ${mdCell(u.id)} (line ${u.line}): ${mdCell(u.headline)}`);
      }
      out.push('');
      continue;
    }
    for (const u of g.users) out.push(...userSection(u));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
