import type { Location, Position } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentModel } from '../model';
import { matchedEntry } from '../../../../shared/src/analysis';
import { elementPath } from '../../../../shared/src/sis/navigate';
import { locateSnapshotUsers } from '../../../../shared/src/snapshot/scan';

/** Per snapshot text: where its users start, and a line index over it. Built once per load. */
const located = new WeakMap<object, { starts: number[]; doc: TextDocument }>();

/** From a field (or `<user>`) to that user's record in the snapshot file, at the field's key when present. */
export function definition(m: DocumentModel, position: Position, toUri: (path: string) => string): Location | null {
  const snap = m.env.snapshot;
  if (!snap?.value || snap.text === undefined) return null;
  const offset = m.doc.offsetAt(position);
  const chunk = m.userAt(offset);
  if (!chunk) return null;
  const idx = matchedEntry(m.env.inputs, m.keys(chunk));
  if (idx === undefined) return null;
  let loc = located.get(snap);
  if (!loc) {
    const text = snap.text;
    const hasSpans = snap.value.users.every((u) => u.span !== undefined);
    loc = { starts: hasSpans ? [] : locateSnapshotUsers(text), doc: TextDocument.create(toUri(snap.path), 'json', 0, text) };
    located.set(snap, loc);
  }
  // The snapshot reader remembers where each entry is; the scan is the fallback.
  const span = snap.value.users[idx]?.span;
  const start = span?.start ?? loc.starts[idx];
  if (start === undefined) return null;
  const end = span?.end ?? loc.starts[idx + 1] ?? snap.text.length;
  let target = start;
  const chain = elementPath(chunk.element, offset - chunk.start);
  const field = chain[1]?.name;
  if (field) {
    // The snapshot's users use the SIS file's field names (the Users API JSON shape).
    const key = snap.text.indexOf(`"${field}"`, start);
    if (key >= 0 && key < end) target = key;
  }
  const pos = loc.doc.positionAt(target);
  return { uri: toUri(snap.path), range: { start: pos, end: pos } };
}
