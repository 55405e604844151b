import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { DocumentModel } from '../model';
import { listElement } from '../../../../shared/src/analysis';
import { firstUserEndingAtOrAfter } from '../../../../shared/src/sis/read';
import { child } from '../../../../shared/src/sis/navigate';
import { show, segmentWords } from './describe';

/**
 * Hints for the visible range only: after a value the sync will not write as the file says,
 * what Alma will hold (`→ STAFF (protected)`, `→ en (default)`, `cleared`); after a list, what
 * happens to it. Users outside the range are never planned.
 */
export function inlayHints(m: DocumentModel, range: Range): InlayHint[] {
  if (!m.analysis.planning) return [];
  const start = m.doc.offsetAt(range.start);
  const end = m.doc.offsetAt(range.end);
  const users = m.sis.users;
  const out: InlayHint[] = [];
  for (let i = firstUserEndingAtOrAfter(users, start); i < users.length && users[i].start <= end; i++) {
    const u = users[i];
    const plan = m.plan(u);
    if (!plan || plan.outcome === 'rejected') continue;
    // Fields the file leaves out are said once, after the `<user>` start tag.
    const absent: string[] = [];
    for (const f of plan.fields) {
      const el = child(u.element, f.field);
      let label: string | undefined;
      if (f.action === 'keep-protected') label = `→ ${show(f.after)} (protected)`;
      else if (f.action === 'default') label = `→ ${show(f.after)} (default)`;
      else if (f.action === 'clear') label = 'cleared';
      if (!label) continue;
      if (!el) {
        absent.push(`${f.field} ${label}`);
        continue;
      }
      const at = u.start + el.end;
      if (at < start || at > end) continue;
      out.push({ position: m.doc.positionAt(at), label, kind: InlayHintKind.Type, paddingLeft: true });
    }
    const tagEnd = u.start + u.element.startTagEnd;
    if (absent.length > 0 && tagEnd >= start && tagEnd <= end) {
      out.push({ position: m.doc.positionAt(tagEnd), label: `not in the file: ${absent.join(' · ')}`, kind: InlayHintKind.Type, paddingLeft: true });
    }
    for (const s of plan.segments) {
      const wrapper = listElement(u.element, s.list);
      if (!wrapper) continue;
      const at = u.start + wrapper.end;
      if (at < start || at > end) continue;
      out.push({ position: m.doc.positionAt(at), label: segmentWords(s), kind: InlayHintKind.Parameter, paddingLeft: true });
    }
  }
  return out;
}

