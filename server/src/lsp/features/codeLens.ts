import type { CodeLens } from 'vscode-languageserver';
import { Commands, type UserPreviewArgs } from '../../../../shared/src/protocol';
import type { DocumentModel } from '../model';
import { protectedFieldsOf } from '../../../../shared/src/analysis';
import { userHeadline } from '../../../../shared/src/preview/model';
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

/**
 * One lens per `<user>`, plus one per field the snapshot marks protected for that user. Only
 * positions here; titles are computed in `resolveCodeLens`, for the lenses the editor shows.
 */
export function codeLenses(m: DocumentModel, docId: number): CodeLens[] {
  const out: CodeLens[] = [];
  const snapshot = m.analysis.planning;
  for (const u of m.sis.users) {
    // A chunk starts at `<user`: the lens sits on its name, without making the user's tree.
    const range = m.range(u.start, u.start + USER_TAG.length);
    out.push({ range, data: { d: docId, i: u.index } satisfies LensData });
    if (!snapshot) continue;
    const fields = protectedFieldsOf(m.env.inputs, m.keys(u));
    if (fields.length === 0) continue;
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
  }
  return out;
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
