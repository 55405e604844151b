import type * as core from '../core';

/** Plain-text rendering of a plan value: codes as is, lists joined, absent as "nothing". */
export function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return 'nothing';
  if (Array.isArray(v)) {
    if (v.length === 0) return 'nothing';
    return v.map((x) => (typeof x === 'object' && x !== null ? showNotice(x as Record<string, unknown>) : String(x))).join(', ');
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function showNotice(x: Record<string, unknown>): string {
  if ('code' in x) return `${String(x.code)}=${String(x.value)}`;
  return JSON.stringify(x);
}

/** Markdown inline code that survives backticks in the value. */
export function code(v: unknown): string {
  const s = show(v);
  if (s === 'nothing') return '*nothing*';
  const fence = s.includes('`') ? '``' : '`';
  return `${fence}${s}${fence}`;
}

/**
 * The rule behind a field decision, in one plain sentence (contract §3 actions, domain §4.3).
 * The engine's own sentence wins when it gives one.
 */
export function ruleSentence(f: core.FieldPlanView): string {
  if (f.rule) return f.rule;
  switch (f.action) {
    case 'set':
      return `Core fields are replaced by the file's value ("swap all"), so ${code(f.before)} becomes ${code(f.after)}.`;
    case 'clear':
      return 'The field is absent or empty in the file, and the sync replaces all core fields, so Alma removes the value.';
    case 'default':
      return `The field is absent or empty in the file and cannot be empty, so Alma writes its default ${code(f.after)}.`;
    case 'keep-protected':
      return f.lastSisValue !== undefined
        ? `Staff changed this by hand; the SIS last sent ${code(f.lastSisValue)}, so this file will keep the manual value ${code(f.before)} [KB-OVERRIDE].`
        : `Staff changed this by hand, so this file will keep the manual value ${code(f.before)} [KB-OVERRIDE].`;
    case 'revert-override':
      return `Staff changed this by hand; the SIS last sent ${code(f.lastSisValue ?? f.incoming)}, and this file sends it again, so the sync will undo the manual value ${code(f.before)} and the field follows the SIS from now on [KB-OVERRIDE].`;
    default:
      return `Action: ${f.action}.`;
  }
}

/** A user's outcome in a few words, for code lenses. */
export function outcomeWords(p: core.UserPlanView): string {
  switch (p.outcome) {
    case 'created':
      return 'new user';
    case 'rejected':
      return `rejected: ${p.reasons[0] ?? 'see the preview'}`;
    case 'unchanged': {
      const kept = p.fields.filter((f) => f.action === 'keep-protected').length;
      if (p.reasons.length > 0) return `unchanged: ${p.reasons[0]}`;
      return kept > 0 ? `no changes, ${kept} protected kept` : 'no changes';
    }
    default: {
      const kept = p.fields.filter((f) => f.action === 'keep-protected').length;
      const reverted = p.fields.filter((f) => f.action === 'revert-override').length;
      const changes = p.fields.length - kept + p.segments.length;
      const parts = [`${changes} ${changes === 1 ? 'change' : 'changes'}`];
      if (kept > 0) parts.push(`${kept} protected kept`);
      if (reverted > 0) parts.push(`${reverted} manual ${reverted === 1 ? 'change' : 'changes'} undone`);
      return parts.join(', ');
    }
  }
}

/** A list's outcome, e.g. `2 external replaced · 1 kept`. */
export function segmentWords(s: core.SegmentPlanView): string {
  const parts: string[] = [];
  if (s.removed > 0) parts.push(`${s.removed} external removed`);
  if (s.added > 0) parts.push(`${s.added} added`);
  if (s.internalKept !== undefined) {
    const externalKept = s.kept - s.internalKept;
    if (externalKept > 0) parts.push(`${externalKept} external kept`);
    if (s.internalKept > 0) parts.push(`${s.internalKept} internal kept`);
  } else if (s.kept > 0) parts.push(`${s.kept} kept`);
  return parts.length > 0 ? parts.join(' · ') : 'no change';
}
