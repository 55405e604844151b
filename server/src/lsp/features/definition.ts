import type { Location, Position } from 'vscode-languageserver';
import type { DocumentModel } from '../model';
import { matchedEntry } from '../../../../shared/src/analysis';
import { elementPath } from '../../../../shared/src/sis/navigate';
import type { SnapshotOnDisk } from '../../io/snapshotFile';

/** Per snapshot: the byte offset where each of its lines starts. Made on the first request. */
const lineStartsOf = new WeakMap<SnapshotOnDisk, number[]>();

/** Lines end at `\n`, `\r\n` or `\r`, as an editor counts them. */
function lineStarts(bytes: Uint8Array): number[] {
  const out = [0];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 10 || (c === 13 && bytes[i + 1] !== 10)) out.push(i + 1);
  }
  return out;
}

/** The editor's position (line, UTF-16 character) of byte `offset` of the snapshot file. */
function positionOf(snapshot: SnapshotOnDisk, offset: number): Position {
  let starts = lineStartsOf.get(snapshot);
  if (!starts) lineStartsOf.set(snapshot, (starts = lineStarts(snapshot.bytes(0, snapshot.size))));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  const before = Buffer.from(snapshot.bytes(starts[lo], offset)).toString('utf8');
  return { line: lo, character: before.length };
}

/** From a field (or `<user>`) to that user's record in the snapshot file, at the field's key when present. */
export function definition(m: DocumentModel, position: Position, toUri: (path: string) => string): Location | null {
  const snap = m.env.snapshot?.value;
  if (!snap) return null;
  const offset = m.doc.offsetAt(position);
  const chunk = m.userAt(offset);
  if (!chunk) return null;
  const idx = matchedEntry(m.env.inputs, m.keys(chunk));
  if (idx === undefined || idx >= snap.index.size) return null;
  // Byte offsets in the file: the index knows where each entry is.
  const start = snap.ranges[2 * idx];
  const end = snap.ranges[2 * idx + 1];
  let target = start;
  const chain = elementPath(chunk.element, offset - chunk.start);
  const field = chain[1]?.name;
  if (field) {
    // The snapshot's users use the SIS file's field names (the Users API JSON shape).
    const key = Buffer.from(snap.bytes(start, end)).indexOf(`"${field}"`);
    if (key >= 0) target = start + key;
  }
  const pos = positionOf(snap, target);
  return { uri: toUri(snap.path), range: { start: pos, end: pos } };
}
