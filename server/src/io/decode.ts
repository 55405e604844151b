/**
 * Bytes → text, with the encoding problems Alma would fail on (docs/diagnostics.md) reported as
 * diagnostics rather than thrown: the byte checks are the core's (`inspectBytes`,
 * `findInvalidUtf8`); Node's native decoder does the decoding. Invalid bytes become U+FFFD so
 * the rest of the file is still validated, and the problem sits on the replacement character.
 *
 * The text comes out as an async iterator of pieces (a piece never splits a UTF-8 sequence),
 * the seam where a streaming reader (`SisStreamReader.push`) can plug in later.
 */
import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { Problem } from '../../../shared/src/diagnostics';
import { findInvalidUtf8, incompleteUtf8Tail, inspectBytes, invalidUtf8Problem } from '../../../shared/src/text/encoding';

/** At most this many `invalid-utf8` problems per file: one is enough to fail it in Alma. */
export const MAX_INVALID_UTF8 = 100;

/**
 * Text pieces are decoded from at most this many bytes. A string of up to 64 KB lives in V8's
 * ordinary heap; a larger one gets fresh pages of its own, and on the machines measured
 * (docs/performance.md) that made decoding a large file, and joining its pieces, several times
 * slower: 0.27 s of CPU for 213 MB in 32 KB slices, 0.5–2.4 s in 256 KB–1 MB slices.
 */
export const DECODE_SLICE = 32 * 1024;

export interface DecodedText {
  /** The text in pieces; iterate once. `problems` is complete when the iteration ends. */
  readonly pieces: AsyncIterable<string>;
  /** Encoding problems, offsets in UTF-16 units of the decoded text. */
  readonly problems: Problem[];
  /** True when the bytes could not be turned into text at all (e.g. UTF-32): validate nothing more. */
  undecodable: boolean;
}

/** Decodes byte pieces into text pieces, collecting encoding problems on the way. */
export function decodeBytes(bytePieces: AsyncIterable<Uint8Array>): DecodedText {
  const result: DecodedText = { pieces: undefined as unknown as AsyncIterable<string>, problems: [], undecodable: false };
  const problems = result.problems;
  async function* run(): AsyncGenerator<string> {
    let decoder: TextDecoder | undefined;
    let utf8 = true;
    let carry: Uint8Array = new Uint8Array(0);
    let units = 0;
    let invalid = 0;
    let inspected = false;

    /** `bytes` decoded in slices of `DECODE_SLICE`; `last` flushes the decoder. */
    const decodeSlices = (bytes: Uint8Array, last: boolean): string[] => {
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += DECODE_SLICE) {
        const end = Math.min(bytes.length, i + DECODE_SLICE);
        const text = decoder!.decode(bytes.subarray(i, end), { stream: !(last && end === bytes.length) });
        if (text.length > 0) out.push(text);
      }
      if (last && bytes.length === 0) {
        const text = decoder!.decode();
        if (text.length > 0) out.push(text);
      }
      return out;
    };

    const emit = (bytes: Uint8Array, last: boolean): string[] => {
      if (!utf8) return decodeSlices(bytes, last);
      let body = bytes;
      let tail: Uint8Array = new Uint8Array(0);
      if (!last) {
        const keep = incompleteUtf8Tail(bytes);
        if (keep > 0) {
          body = bytes.subarray(0, bytes.length - keep);
          tail = bytes.slice(bytes.length - keep);
        }
      }
      carry = tail;
      if (invalid < MAX_INVALID_UTF8 && !isUtf8(body)) {
        for (const f of findInvalidUtf8(body, MAX_INVALID_UTF8 - invalid, units)) {
          problems.push(invalidUtf8Problem(f, f.unitOffset));
          invalid++;
        }
      }
      const texts = decodeSlices(body, last);
      for (const text of texts) units += text.length;
      return texts;
    };

    const start = (first: Uint8Array): Uint8Array => {
      inspected = true;
      const inspection = inspectBytes(first);
      problems.push(...inspection.problems);
      if (inspection.encoding === 'utf-8') {
        // fatal: false → U+FFFD for bad bytes; ignoreBOM: true → a BOM stays in the text as
        // U+FEFF, where the reader reports it (warning `bom`, docs/diagnostics.md).
        decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
        return first;
      }
      utf8 = false;
      if (inspection.encoding === 'utf-16le' || inspection.encoding === 'utf-16be') {
        // Already an error; decoding it anyway lets the rest of the file be checked too. The BOM
        // bytes are dropped (ignoreBOM would keep them as U+FEFF and add a `bom` warning).
        decoder = new TextDecoder(inspection.encoding, { fatal: false, ignoreBOM: true });
        return first.subarray(inspection.bomLength);
      }
      result.undecodable = true;
      return new Uint8Array(0);
    };

    for await (const piece of bytePieces) {
      if (result.undecodable) continue;
      let bytes: Uint8Array = carry.length > 0 ? concat(carry, piece) : piece;
      carry = new Uint8Array(0);
      if (!inspected) {
        // inspectBytes looks at the first four bytes: wait until there are four.
        if (bytes.length < 4) {
          carry = bytes.slice();
          continue;
        }
        bytes = start(bytes);
        if (result.undecodable) continue;
      }
      yield* emit(bytes, false);
    }
    if (result.undecodable) return;
    if (!inspected) carry = start(carry);
    if (result.undecodable) return;
    yield* emit(carry, true);
  }
  (result as { pieces: AsyncIterable<string> }).pieces = run();
  return result;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The whole text and its encoding problems (what the CLI uses until the reader streams). */
export async function decodeAll(bytePieces: AsyncIterable<Uint8Array>): Promise<{ text: string; problems: Problem[]; undecodable: boolean }> {
  const decoded = decodeBytes(bytePieces);
  const parts: string[] = [];
  for await (const p of decoded.pieces) parts.push(p);
  return { text: parts.join(''), problems: decoded.problems, undecodable: decoded.undecodable };
}
