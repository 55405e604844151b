import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { SisUserChunk } from '../../../../shared/src/sis/types';
import type { XmlElement } from '../../../../shared/src/xml/types';
import { elementDefAt, findAttribute } from '../../../../shared/src/schema/user';
import type { DocumentModel } from '../model';
import { codeLabel, isCompared, listOf, type UserPlanView } from '../../../../shared/src/analysis';
import { userHeadline } from '../../../../shared/src/preview/model';
import { elementPath, valueOf } from '../../../../shared/src/sis/navigate';
import { code, segmentWords, show } from './describe';

/** Hover on a field: what it is, the code's label, and what the sync will do with it for this user. */
export function hover(m: DocumentModel, position: Position): Hover | null {
  const offset = m.doc.offsetAt(position);
  const chunk = m.userAt(offset);
  if (!chunk) return null;
  const chain = elementPath(chunk.element, offset - chunk.start);
  if (chain.length === 0) return null;
  const target = chain[chain.length - 1];
  const range = m.range(chunk.start + target.start, chunk.start + target.end);
  const rel = offset - chunk.start;
  const attr = target.attributes.find((a) => rel >= a.start && rel <= a.valueEnd);
  if (attr) {
    const def = elementDefAt(chain.map((e) => e.name));
    const adef = def ? findAttribute(def.content ?? def, attr.name) : undefined;
    const notes = adef ? [adef.description, adef.sis ? '' : 'The SIS load ignores it.', adef.default !== undefined ? `Default: \`${adef.default}\`.` : ''] : ['Not an attribute of Alma\'s user schema.'];
    const value = [`**${target.name}** \`@${attr.name}\``, '', notes.filter(Boolean).join(' ')].join('\n');
    return { contents: { kind: MarkupKind.Markdown, value }, range: m.range(chunk.start + attr.start, chunk.start + attr.valueEnd + 1) };
  }
  const value = chain.length === 1 ? userHover(m, chunk) : fieldHover(m, chunk, chain);
  return value ? { contents: { kind: MarkupKind.Markdown, value }, range } : null;
}

function userHover(m: DocumentModel, chunk: SisUserChunk): string {
  const el = chunk.element;
  const id = valueOf(el.children.find((c) => c.name === 'primary_id'));
  const name = ['first_name', 'last_name'].map((n) => valueOf(el.children.find((c) => c.name === n))).filter(Boolean).join(' ');
  const lines = [`**User ${chunk.index + 1}${id ? ` — ${code(id)}` : ''}**${name ? ` ${name.replace(/[*_`\\[\]<>]/g, '\\$&')}` : ''}`];
  const plan = m.plan(chunk);
  if (!plan) {
    lines.push('', noSnapshotLine(m));
    return lines.join('\n');
  }
  lines.push('', `**Outcome: ${plan.outcome}** — ${userHeadline(plan)}`);
  lines.push('', plan.message);
  for (const r of plan.reasons) lines.push('', `- ${r}`);
  if (plan.fields.length > 0) {
    lines.push('', '| field | before | in the file | after | action |', '|---|---|---|---|---|');
    for (const f of plan.fields) lines.push(`| ${f.field} | ${cell(f.before)} | ${cell(f.incoming)} | ${cell(f.after)} | ${f.action} |`);
  }
  if (plan.segments.length > 0) {
    lines.push('');
    for (const s of plan.segments) lines.push(`- ${s.list}: ${segmentWords(s)}`);
  }
  for (const n of plan.notes ?? []) lines.push('', noteLine(n));
  return lines.join('\n');
}

/** A note of the plan: what the sync does that deserves a word although it changes no outcome. */
function noteLine(n: { readonly rule: string; readonly message: string; readonly field?: string }): string {
  return `**Note**${n.field ? ` (${n.field})` : ''}: ${n.message}`;
}

function fieldHover(m: DocumentModel, chunk: SisUserChunk, chain: XmlElement[]): string | null {
  const names = chain.map((e) => e.name);
  const target = chain[chain.length - 1];
  const def = elementDefAt(names);
  const lines: string[] = [];
  lines.push(`**${target.name}**${def?.protectedField ? ' · protected field' : ''}`);
  if (def) {
    lines.push('', def.description);
    const facts: string[] = [];
    if (def.codeTable) facts.push(`code table \`${def.codeTable}\``);
    if (def.outputOnly) facts.push('output only: the SIS load ignores it');
    else if (!def.sis) facts.push('not read by the SIS load');
    if (def.type?.kind === 'string' && def.type.maxLength) facts.push(`at most ${def.type.maxLength} characters`);
    if (facts.length > 0) lines.push('', facts.join(' · '));
    if (def.code || def.codeTable) {
      const v = valueOf(target);
      if (v) {
        const label = codeLabel(m.env.inputs, names, v);
        const desc = target.attributes.find((a) => a.name === 'desc')?.value.trim();
        if (label) lines.push('', `${code(v)} — ${label}`);
        else if (desc) lines.push('', `${code(v)} — ${desc} *(label written in the file)*`);
      }
    }
  } else {
    lines.push('', 'Not an element of Alma\'s user schema: the SIS load ignores it.');
  }
  const sync = syncPart(m, chunk, names);
  if (sync) lines.push('', '---', '', sync);
  return lines.join('\n');
}

/** What the sync does to the field (or list) at `names` (names[0] is `user`), and the plan's notes on it. */
function syncPart(m: DocumentModel, chunk: SisUserChunk, names: string[]): string | null {
  const plan = m.plan(chunk);
  if (!plan) return noSnapshotLine(m);
  const decision = syncDecision(plan, names);
  const list = listOf(names);
  const notes = (plan.notes ?? []).filter((n) => n.field !== undefined && (n.field === names[1] || n.field === list)).map(noteLine);
  return [decision, ...notes].filter((x) => x !== null).join('\n\n');
}

function syncDecision(plan: UserPlanView, names: string[]): string | null {
  const field = names[1];
  if (!isCompared(field)) return '**Not compared**: the SIS load does not read this field, so the sync leaves Alma\'s value as it is.';
  if (plan.outcome === 'rejected') return `**The sync rejects this user**: ${plan.reasons.join('; ') || 'see the preview'}. Nothing is written.`;
  if (field === 'contact_info' && names.length === 2) {
    if (plan.outcome === 'created') return '**New user**: Alma stores these addresses, emails and phones as External.';
    const lists = plan.segments.filter((x) => ['addresses', 'emails', 'phones'].includes(x.list));
    return lists.length > 0 ? lists.map((x) => `- **${x.list}**: ${segmentWords(x)}`).join('\n') : '**Contact information**: no change.';
  }
  const list = listOf(names);
  if (list) {
    const s = plan.segments.find((x) => x.list === list);
    if (plan.outcome === 'created') return `**New user**: Alma stores these ${list} as External.`;
    return s
      ? `**${list}**: ${segmentWords(s)}\n\n${s.message}`
      : `**${list}**: no change.`;
  }
  const f = plan.fields.find((x) => x.field === field);
  if (plan.outcome === 'created') {
    return f ? `**New user** — Alma will hold ${code(f.after)} (${f.action}). ${f.message}` : '**New user**: Alma stores the file\'s value.';
  }
  if (!f) return plan.outcome === 'unchanged' && plan.reasons.length > 0 ? `**Not written**: ${plan.reasons[0]}` : '**No change**: Alma already holds this value.';
  const lines = [
    `**Sync: ${f.action}**`,
    '',
    '| before | in the file | after |',
    '|---|---|---|',
    `| ${cell(f.before)} | ${cell(f.incoming)} | ${cell(f.after)} |`,
    '',
    f.message,
  ];
  if (f.lastSisValue !== undefined) {
    // Alma does not record who made the manual change; the snapshot keeps what the SIS sent before it (Ex Libris
    // knowledge article "Why is the Users Synchronize job still overriding user account fields that were updated manually?").
    lines.push('', `Protected: changed by hand in Alma (by whom is not recorded). The last value the SIS sent: ${code(f.lastSisValue)}.`);
  }
  return lines.join('\n');
}

function noSnapshotLine(m: DocumentModel): string {
  const s = m.env.snapshot;
  if (s?.error) return `*No sync preview: the snapshot cannot be used (${s.error}).*`;
  return '*No sync preview: no `*.alma-snapshot.json` found (setting `almaSis.snapshotPath`).*';
}

function cell(v: unknown): string {
  return show(v) === 'nothing' ? '—' : code(v).replace(/\|/g, '\\|');
}
