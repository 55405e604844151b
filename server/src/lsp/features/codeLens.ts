import type { CodeLens, Position } from 'vscode-languageserver';
import type { SisUserChunk } from '../../../../shared/src/sis/types';
import { Commands, type UserPreviewArgs } from '../../../../shared/src/protocol';
import type { DocumentModel } from '../model';
import { protectedFieldsOf } from '../../../../shared/src/analysis';
import { userHeadline } from '../../../../shared/src/preview/model';
import { ascendingPositions } from '../documents';
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
 * A user's lenses are kept per user text (`Env.lenses`): after an edit only the edited users'
 * are made again, and those of users it moved are shifted.
 */
export function codeLenses(m: DocumentModel, docId: number): CodeLens[] {
  const out: CodeLens[] = [];
  const held = m.env.lenses;
  const positionOf = ascendingPositions(m.doc);
  for (const u of m.sis.users) {
    const at = positionOf(u.start);
    let c = held.get(u.key);
    if (!c || c.index !== u.index || c.doc !== docId) {
      c = { index: u.index, doc: docId, line: at.line, character: at.character, lenses: userLenses(m, u, docId) };
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

function userLenses(m: DocumentModel, u: SisUserChunk, docId: number): CodeLens[] {
  // A chunk starts at `<user`: the lens sits on its name, without making the user's tree.
  const out: CodeLens[] = [{ range: m.range(u.start, u.start + USER_TAG.length), data: { d: docId, i: u.index } satisfies LensData }];
  if (!m.analysis.planning) return out;
  const fields = protectedFieldsOf(m.env.inputs, m.keys(u));
  if (fields.length === 0) return out;
  // The user's flat table (read again from the text), not its tree: listing lenses makes no tree.
  const t = u.key.table();
  for (const field of fields) {
    const el = t.findChild(0, field);
    if (el < 0) continue;
    out.push({
      range: m.range(u.start + t.start[el], u.start + t.nameEnd[el]),
      data: { d: docId, i: u.index, f: field } satisfies LensData,
    });
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
