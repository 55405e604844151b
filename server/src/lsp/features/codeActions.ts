import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import { isGroupedFinding } from '../../../../shared/src/analysis';
import type { SisUserChunk } from '../../../../shared/src/sis/types';
import type { XmlElement } from '../../../../shared/src/xml/types';
import type { DocumentModel } from '../model';
import { elementPath } from '../../../../shared/src/sis/navigate';
import { fieldValue } from '../../../../shared/src/sis/record';
import { show } from './describe';

/**
 * Quick fixes for the mistakes whose fix is certain, keyed on the diagnostic's code. Each one
 * finds its target from the diagnostic's range in the current model, so a stale diagnostic
 * yields no fix rather than a wrong edit.
 */
export function codeActions(m: DocumentModel, params: CodeActionParams): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    if (d.source !== 'alma-sis') continue;
    for (const a of fixesFor(m, d)) out.push({ ...a, kind: CodeActionKind.QuickFix, diagnostics: [d] });
  }
  for (const d of groupedOccurrencesAt(m, params)) for (const a of fixesFor(m, d)) out.push({ ...a, kind: CodeActionKind.QuickFix });
  return out;
}

/**
 * The occurrences of a grouped finding under the cursor that have no diagnostic of their own
 * (only the first occurrence is published; the others are its related information): their
 * quick fixes are offered all the same, from the user's problems as the core found them.
 */
function groupedOccurrencesAt(m: DocumentModel, params: CodeActionParams): Diagnostic[] {
  const from = m.doc.offsetAt(params.range.start);
  const to = m.doc.offsetAt(params.range.end);
  const chunk = m.userAt(from);
  if (!chunk) return [];
  const published = new Set(params.context.diagnostics.map((d) => `${String(d.code)}@${m.doc.offsetAt(d.range.start)}`));
  const found: Diagnostic[] = [];
  for (const p of m.analysis.user(chunk).problems) {
    const start = chunk.start + p.start;
    const end = chunk.start + p.end;
    if (start > to || end < from || !isGroupedFinding(p.code, p.severity) || published.has(`${p.code}@${start}`)) continue;
    found.push(m.toDiagnostic(p, chunk.start));
  }
  return found;
}

type Fix = Omit<CodeAction, 'kind' | 'diagnostics'>;

function edit(m: DocumentModel, edits: TextEdit[]): CodeAction['edit'] {
  return { changes: { [m.doc.uri]: edits } };
}

interface Target {
  readonly chunk: SisUserChunk;
  readonly chain: XmlElement[];
  readonly el: XmlElement;
}

function targetAt(m: DocumentModel, d: Diagnostic): Target | undefined {
  const offset = m.doc.offsetAt(d.range.start);
  const chunk = m.userAt(offset);
  if (!chunk) return undefined;
  const chain = elementPath(chunk.element, offset - chunk.start);
  const el = chain[chain.length - 1];
  return el ? { chunk, chain, el } : undefined;
}

function fixesFor(m: DocumentModel, d: Diagnostic): Fix[] {
  switch (d.code) {
    case 'invalid-boolean':
      return booleanCase(m, d);
    case 'missing-types-wrapper':
      return typesWrapper(m, d);
    case 'multiple-preferred':
      return dropAttribute(m, d, 'preferred');
    case 'multiple-preferred-sms':
      return dropAttribute(m, d, 'preferred_sms');
    case 'empty-value':
      return emptyElement(m, d);
    case 'duplicate-user':
      return removeUser(m, d);
    case 'invalid-date':
      return padDate(m, d);
    default:
      return [];
  }
}

/** `TRUE` / `False` → `true` / `false` (xs:boolean is case-sensitive). */
function booleanCase(m: DocumentModel, d: Diagnostic): Fix[] {
  const raw = m.doc.getText(d.range);
  const v = raw.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') return [];
  if (raw.trim() === v) return [];
  const lead = raw.length - raw.trimStart().length;
  const start = m.doc.offsetAt(d.range.start) + lead;
  return [
    {
      title: `Write \`${v}\``,
      isPreferred: true,
      edit: edit(m, [{ range: m.range(start, start + raw.trim().length), newText: v }]),
    },
  ];
}

const WRAPPERS: Record<string, string> = { email: 'email_types', phone: 'phone_types', address: 'address_types' };

/** Insert the required (empty) `*_types` wrapper before the item's end tag. */
function typesWrapper(m: DocumentModel, d: Diagnostic): Fix[] {
  const t = targetAt(m, d);
  if (!t) return [];
  const item = [...t.chain].reverse().find((e) => WRAPPERS[e.name] !== undefined);
  if (!item || item.selfClosing || !item.closed) return [];
  const wrapper = WRAPPERS[item.name];
  if (item.children.some((c) => c.name === wrapper)) return [];
  const base = t.chunk.start;
  const at = base + item.endTagStart;
  const endIndent = indentOf(m, base + item.start);
  const childIndent = item.children.length > 0 ? indentOf(m, base + item.children[0].start) : `${endIndent}  `;
  const endLine = m.doc.positionAt(at);
  const beforeEndTag = m.doc.getText({ start: { line: endLine.line, character: 0 }, end: endLine });
  // When the end tag is on its own line, the wrapper gets its own line above it.
  const textEdit: TextEdit =
    beforeEndTag.trim() === ''
      ? { range: { start: { line: endLine.line, character: 0 }, end: { line: endLine.line, character: 0 } }, newText: `${childIndent}<${wrapper}/>\n` }
      : { range: m.range(at, at), newText: `<${wrapper}/>` };
  return [{ title: `Add the missing <${wrapper}/> wrapper`, isPreferred: true, edit: edit(m, [textEdit]) }];
}

/** Remove the attribute (with the space before it) from the element the diagnostic points at. */
function dropAttribute(m: DocumentModel, d: Diagnostic, name: string): Fix[] {
  const t = targetAt(m, d);
  if (!t) return [];
  const owner = [...t.chain].reverse().find((e) => e.attributes.some((a) => a.name === name && a.value.trim() === 'true'));
  const attr = owner?.attributes.find((a) => a.name === name);
  if (!owner || !attr) return [];
  const base = t.chunk.start;
  let start = base + attr.start;
  const text = m.doc.getText(m.range(base + owner.start, start));
  const spaces = text.length - text.trimEnd().length;
  start -= spaces;
  return [
    {
      title: `Remove this ${name}="true" (one per list)`,
      isPreferred: true,
      edit: edit(m, [{ range: m.range(start, base + attr.valueEnd + 1), newText: '' }]),
    },
  ];
}

/**
 * An empty element clears the field in Alma, exactly as if it were absent. Certain fixes:
 * remove it (same effect, and valid against the XSD), or, when the snapshot says what Alma
 * holds now, write that value so nothing is wiped.
 */
function emptyElement(m: DocumentModel, d: Diagnostic): Fix[] {
  const t = targetAt(m, d);
  if (!t || t.el.children.length > 0 || t.el.text.trim() !== '' || t.chain.length < 2) return [];
  const base = t.chunk.start;
  const fixes: Fix[] = [{ title: `Remove the empty <${t.el.name}> (Alma clears the field either way)`, edit: edit(m, [lineDelete(m, base + t.el.start, base + t.el.end)]) }];
  if (t.chain.length === 2) {
    // What Alma holds now: the matched user's value (also when the plan rejects the user for another error).
    const plan = m.plan(t.chunk);
    const record = plan?.snapshotIndex !== undefined ? m.env.inputs.index?.record(plan.snapshotIndex) : undefined;
    const now = record ? fieldValue(record, t.el.name) : null;
    if (typeof now === 'string' && now !== '') {
      const attrs = m.doc.getText(m.range(base + t.el.nameEnd, base + t.el.startTagEnd)).replace(/\/?>$/, '');
      fixes.push({
        title: `Keep what Alma holds now: ${show(now)}`,
        edit: edit(m, [{ range: m.range(base + t.el.start, base + t.el.end), newText: `<${t.el.name}${attrs}>${escapeXml(now)}</${t.el.name}>` }]),
      });
    }
  }
  return fixes;
}

/** Alma loads the first of two users with the same Match ID and rejects the later one. */
function removeUser(m: DocumentModel, d: Diagnostic): Fix[] {
  const chunk = m.userAt(m.doc.offsetAt(d.range.start));
  if (!chunk) return [];
  return [
    {
      title: 'Remove this duplicate user (Alma would reject it)',
      edit: edit(m, [lineDelete(m, chunk.start, chunk.end)]),
    },
  ];
}

/** `2024-1-5` → `2024-01-05` (xs:date needs two-digit months and days). */
function padDate(m: DocumentModel, d: Diagnostic): Fix[] {
  const t = targetAt(m, d);
  if (!t) return [];
  const base = t.chunk.start;
  const start = base + t.el.startTagEnd;
  const end = base + t.el.endTagStart;
  const raw = m.doc.getText(m.range(start, end));
  const match = /^(\s*)(\d{4})-(\d{1,2})-(\d{1,2})(Z|[+-]\d{2}:\d{2})?(\s*)$/.exec(raw);
  if (!match) return [];
  const [, lead, y, mo, da, tz = ''] = match;
  const month = Number(mo);
  const day = Number(da);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(Number(y), month)) return [];
  const fixed = `${y}-${mo.padStart(2, '0')}-${da.padStart(2, '0')}${tz}`;
  if (fixed === raw.trim()) return [];
  const s = start + lead.length;
  return [{ title: `Write ${fixed}`, isPreferred: true, edit: edit(m, [{ range: m.range(s, s + raw.trim().length), newText: fixed }]) }];
}

function daysIn(y: number, month: number): number {
  return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Deletes [start, end) and, when nothing else is on its line(s), the whole lines. */
function lineDelete(m: DocumentModel, start: number, end: number): TextEdit {
  const s = m.doc.positionAt(start);
  const e = m.doc.positionAt(end);
  const before = m.doc.getText({ start: { line: s.line, character: 0 }, end: s });
  const after = m.doc.getText({ start: e, end: { line: e.line + 1, character: 0 } });
  if (before.trim() === '' && after.trim() === '') {
    return { range: { start: { line: s.line, character: 0 }, end: { line: e.line + 1, character: 0 } }, newText: '' };
  }
  return { range: { start: s, end: e }, newText: '' };
}

function indentOf(m: DocumentModel, offset: number): string {
  const p = m.doc.positionAt(offset);
  const line = m.doc.getText({ start: { line: p.line, character: 0 }, end: p });
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
