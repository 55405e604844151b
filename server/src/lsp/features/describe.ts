import type { SegmentView } from '../../../../shared/src/analysis';

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

/** A list's outcome, e.g. `2 external replaced · 1 kept`. */
export function segmentWords(s: SegmentView): string {
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
