import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineIndex } from '../../shared/src/text/lines';
import { findInvalidUtf8, incompleteUtf8Tail, inspectBytes } from '../../shared/src/text/encoding';

describe('LineIndex', () => {
  it('maps offsets and positions both ways with LSP line breaks', () => {
    const text = 'ab\ncd\r\nef\rgh';
    const idx = new LineIndex(text);
    expect(idx.lineCount).toBe(4);
    expect(idx.positionAt(0)).toEqual({ line: 0, character: 0 });
    expect(idx.positionAt(4)).toEqual({ line: 1, character: 1 });
    expect(idx.positionAt(7)).toEqual({ line: 2, character: 0 });
    expect(idx.positionAt(10)).toEqual({ line: 3, character: 0 });
    expect(idx.offsetAt({ line: 2, character: 1 })).toBe(8);
    expect(idx.lineText(1)).toBe('cd');
    expect(idx.positionAt(999)).toEqual({ line: 3, character: 2 });
  });

  it('round-trips every offset', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\n', '\r', 'é', '😀') }), (text) => {
        const idx = new LineIndex(text);
        for (let o = 0; o <= text.length; o++) {
          // Inside a \r\n pair there is no position of its own.
          if (text[o - 1] === '\r' && text[o] === '\n') continue;
          expect(idx.offsetAt(idx.positionAt(o))).toBe(o);
        }
      }),
    );
  });
});

describe('encoding', () => {
  it('recognises UTF-16 and UTF-8 byte-order marks', () => {
    expect(inspectBytes(Uint8Array.from([0xff, 0xfe, 0x3c, 0])).problems[0].code).toBe('unsupported-encoding');
    expect(inspectBytes(Uint8Array.from([0x3c, 0, 0x3f, 0])).encoding).toBe('utf-16le');
    expect(inspectBytes(Uint8Array.from([0xef, 0xbb, 0xbf, 0x3c]))).toEqual({ encoding: 'utf-8', bomLength: 3, problems: [] });
    expect(inspectBytes(new TextEncoder().encode('<?xml')).problems).toEqual([]);
  });

  it('places invalid bytes where the decoder puts U+FFFD', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = Buffer.from(bytes).toString('utf8');
        const found = findInvalidUtf8(bytes, 1000);
        const marks: number[] = [];
        for (let i = 0; i < decoded.length; i++) if (decoded[i] === '\ufffd') marks.push(i);
        expect(found.map((f) => f.unitOffset)).toEqual(marks);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a Latin-1 byte', () => {
    const bytes = Uint8Array.from(Buffer.from('<a>caf\xe9</a>', 'latin1'));
    expect(findInvalidUtf8(bytes)).toEqual([{ byteOffset: 6, byte: 0xe9, unitOffset: 6 }]);
  });

  it('measures an unfinished sequence at the end of a chunk', () => {
    const euro = new TextEncoder().encode('€'); // 3 bytes
    expect(incompleteUtf8Tail(euro.slice(0, 2))).toBe(2);
    expect(incompleteUtf8Tail(euro)).toBe(0);
    expect(incompleteUtf8Tail(Uint8Array.from([0x41]))).toBe(0);
  });
});
