/**
 * Byte-level checks before any text exists: Alma reads SIS files as UTF-8 and fails the whole
 * file on anything else ("Invalid byte 1 of 1-byte UTF-8 sequence", as institutions report it: California State University
 * ULMS, patron load issues).
 * Pure functions over bytes; decoding itself is left to the host (Node's decoder is native).
 */
import type { Problem } from '../diagnostics';

export type DetectedEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32';

export interface ByteInspection {
  readonly encoding: DetectedEncoding;
  /** Length of a byte-order mark at the start (0 when none). */
  readonly bomLength: number;
  /** Problems at offset 0 (the encoding as a whole). Invalid bytes are found by `findInvalidUtf8`. */
  readonly problems: readonly Problem[];
}

/** Looks at the first bytes for a byte-order mark or the zero bytes that betray UTF-16/32. */
export function inspectBytes(bytes: Uint8Array): ByteInspection {
  const b0 = bytes[0], b1 = bytes[1], b2 = bytes[2], b3 = bytes[3];
  const unsupported = (encoding: DetectedEncoding, bomLength: number, how: string): ByteInspection => ({
    encoding,
    bomLength,
    problems: [
      {
        code: 'unsupported-encoding',
        severity: 'error',
        message: `The file is ${how}; Alma reads SIS files as UTF-8 only. Save it as UTF-8 (without a byte-order mark).`,
        start: 0,
        // Over the first character; empty when no text comes out (UTF-32 is not decoded, a lone BOM).
        end: encoding === 'utf-32' || bytes.length <= bomLength ? 0 : 1,
      },
    ],
  });
  if (bytes.length >= 4 && ((b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) || (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0))) {
    return unsupported('utf-32', 4, 'UTF-32');
  }
  if (b0 === 0xff && b1 === 0xfe) return unsupported('utf-16le', 2, 'UTF-16 (little-endian, with a byte-order mark)');
  if (b0 === 0xfe && b1 === 0xff) return unsupported('utf-16be', 2, 'UTF-16 (big-endian, with a byte-order mark)');
  if (bytes.length >= 4 && b0 === 0x3c && b1 === 0 && b2 !== 0 && b3 === 0) return unsupported('utf-16le', 0, 'UTF-16 (little-endian)');
  if (bytes.length >= 4 && b0 === 0 && b1 === 0x3c && b2 === 0 && b3 !== 0) return unsupported('utf-16be', 0, 'UTF-16 (big-endian)');
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'utf-8', bomLength: 3, problems: [] };
  return { encoding: 'utf-8', bomLength: 0, problems: [] };
}

export interface InvalidUtf8Byte {
  /** Byte offset of the first byte of the invalid sequence. */
  readonly byteOffset: number;
  /** The offending byte. */
  readonly byte: number;
  /**
   * Offset of the U+FFFD that a WHATWG decoder (Node's, TextDecoder) puts in its place, in
   * UTF-16 code units of the decoded text: use it to place the problem in the text.
   */
  readonly unitOffset: number;
}

/**
 * Finds invalid UTF-8 sequences, following the WHATWG decoder's "maximal subpart" rule so the
 * unit offsets match the decoded text. Stops after `max` findings. Call it only when the host's
 * fast check (e.g. Node's `buffer.isUtf8`) says the bytes are not valid.
 */
export function findInvalidUtf8(bytes: Uint8Array, max = 100, unitBase = 0): InvalidUtf8Byte[] {
  const found: InvalidUtf8Byte[] = [];
  let units = unitBase;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      units++;
      continue;
    }
    let need = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    }
    if (need === 0) {
      found.push({ byteOffset: i, byte: b, unitOffset: units });
      if (found.length >= max) return found;
      i++;
      units++;
      continue;
    }
    let k = 1;
    let ok = true;
    for (; k <= need; k++) {
      const c = bytes[i + k];
      if (i + k >= n || c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xbf;
    }
    if (ok) {
      i += need + 1;
      units += need === 3 ? 2 : 1;
    } else {
      // The maximal subpart (the lead and the continuation bytes that were fine) becomes one U+FFFD.
      found.push({ byteOffset: i, byte: b, unitOffset: units });
      if (found.length >= max) return found;
      i += k;
      units++;
    }
  }
  return found;
}

/** How many bytes at the end form an incomplete (so far valid) UTF-8 sequence, to carry into the next chunk. */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? back : 0;
    }
  }
  return 0;
}

export function invalidUtf8Problem(found: InvalidUtf8Byte, start: number): Problem {
  const hex = found.byte.toString(16).toUpperCase().padStart(2, '0');
  return {
    code: 'invalid-utf8',
    severity: 'error',
    message:
      `Byte 0x${hex} is not UTF-8 (Alma fails the whole file: "Invalid byte 1 of 1-byte UTF-8 sequence"). ` +
      'The file was probably written as Latin-1 or Windows-1252: save it as UTF-8.',
    start,
    end: start + 1,
  };
}
