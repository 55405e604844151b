import type { CodeLens, Position, Range } from 'vscode-languageserver';
import type { SisUserChunk } from '../../../../shared/src/sis/types';
import { Commands, type UserPreviewArgs } from '../../../../shared/src/protocol';
import type { DocumentModel } from '../model';
import { userHeadline } from '../../../../shared/src/preview/model';
import { ascendingPositions, positionFrom } from '../documents';
import { show } from './describe';

/** Kept short: a large file has one lens per user, and each carries this back on resolve. */
export interface LensData {
  /** The server's number for the document (see `startServer`). */
  readonly d: number;
  /** The user's index. */
  readonly i: number;
  /** Set on the lens of a protected field. */
  readonly f?: string;
}

const USER_TAG = '<user';

/** A user's lenses as last made, with the user's index, document and start position then. */
export interface UserLenses {
  readonly index: number;
  readonly doc: number;
  readonly line: number;
  readonly character: number;
  readonly lenses: readonly CodeLens[];
}

/**
 * One lens per `<user>`, plus one per field the snapshot marks protected for that user. Only
 * positions here; titles are computed in `resolveCodeLens`, for the lenses the editor shows.
 * A user's lens is made from its start's position alone (found from the previous user's line).
 * The lenses of a user with protected fields, which need the user's text read again, are kept
 * per user text (`Env.lenses`): after an edit only the edited users' are made again, and those
 * of users it moved are shifted.
 */
export function codeLenses(m: DocumentModel, docId: number): CodeLens[] {
  const out: CodeLens[] = [];
  const held = m.env.lenses;
  const planning = m.analysis.planning;
  const positionOf = ascendingPositions(m.doc);
  for (const u of m.sis.users) {
    const at = positionOf(u.start);
    const fields = planning ? m.analysis.protectedFields(u) : NO_FIELDS;
    if (fields.length === 0) {
      out.push(userLens(at, docId, u.index));
      continue;
    }
    let c = held.get(u.key);
    if (!c || c.index !== u.index || c.doc !== docId) {
      c = { index: u.index, doc: docId, line: at.line, character: at.character, lenses: userLenses(m, u, docId, at, fields) };
      held.set(u.key, c);
    } else if (c.line !== at.line || c.character !== at.character) {
      // The same user text: its lenses moved with its start.
      const move = shiftFrom(c, at);
      c = { ...c, line: at.line, character: at.character, lenses: c.lenses.map((l) => ({ ...l, range: { start: move(l.range.start), end: move(l.range.end) } })) };
      held.set(u.key, c);
    }
    for (const l of c.lenses) out.push(l);
  }
  return out;
}

const NO_FIELDS: readonly string[] = [];

/** A chunk starts at `<user`: the user's lens sits on its name, on the line of its start (no tree, no text read). */
function userLens(at: Position, docId: number, index: number): CodeLens {
  return { range: { start: at, end: { line: at.line, character: at.character + USER_TAG.length } }, data: { d: docId, i: index } satisfies LensData };
}

function userLenses(m: DocumentModel, u: SisUserChunk, docId: number, at: Position, fields: readonly string[]): CodeLens[] {
  const out = [userLens(at, docId, u.index)];
  // The field's element in the user's tree when one is made, else in its flat table (read
  // again from the text): listing lenses makes no tree.
  const tree = u.key.elementIfMade();
  const t = tree ? undefined : u.key.table();
  const place = (start: number, nameEnd: number): Range => ({ start: positionFrom(m.doc, u.start + start, at.line), end: positionFrom(m.doc, u.start + nameEnd, at.line) });
  for (const field of fields) {
    let range: Range;
    if (tree) {
      const el = tree.children.find((c) => c.name === field);
      if (!el) continue;
      range = place(el.start, el.nameEnd);
    } else {
      const el = t!.findChild(0, field);
      if (el < 0) continue;
      range = place(t!.start[el], t!.nameEnd[el]);
    }
    out.push({ range, data: { d: docId, i: u.index, f: field } satisfies LensData });
  }
  return out;
}

/** Moves a position inside a user whose start moved from `from` to `to` (text after it on its first line moves along). */
function shiftFrom(from: Position, to: Position): (p: Position) => Position {
  const dl = to.line - from.line;
  const dc = to.character - from.character;
  return (p) => ({ line: p.line + dl, character: p.line === from.line ? p.character + dc : p.character });
}

export function resolveCodeLens(m: DocumentModel, lens: CodeLens): CodeLens {
  const data = lens.data as LensData;
  const u = m.sis.users[data.i];
  if (!u) return lens;
  const args: UserPreviewArgs = { uri: m.doc.uri, index: u.index, line: m.doc.positionAt(u.start).line };
  const plan = m.plan(u);
  let title: string;
  if (data.f === undefined) {
    title = plan ? userHeadline(plan) : 'no snapshot: preview';
  } else {
    const f = plan?.fields.find((x) => x.field === data.f);
    if (!plan || plan.outcome === 'rejected') title = 'protected (user rejected)';
    else if (!f) title = 'protected';
    else if (f.action === 'keep-protected') title = `keeps manual value ${show(f.before)}`;
    else if (f.action === 'revert-override') title = `reverts manual value ${show(f.before)} → ${show(f.after)}`;
    else title = `ends protection: ${show(f.before)} → ${show(f.after)}`;
  }
  return { ...lens, command: { title, command: Commands.showUserPreview, arguments: [args] } };
}
