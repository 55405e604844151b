/**
 * Bugs the fuzz harness found in the reader (issue 8), each pinned by the smallest input that
 * showed it. The general properties are in `properties.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSisDocument, SisStreamReader, updateSisDocument } from '../../shared/src/sis/read';
import { deepEqual, plainDocument } from '../../tools/fuzz/check';
import type { Problem } from '../../shared/src/diagnostics';
import { DEFAULT_SETTINGS } from '../../shared/src/settings';
import { inspectBytes } from '../../shared/src/text/encoding';
import { LineIndex } from '../../shared/src/text/lines';
import { validateDocument } from '../../shared/src/validate';

function stream(text: string, cuts: number[]) {
  const users: { index: number; start: number; end: number; line: number; character: number; names: string[] }[] = [];
  const problems: Problem[] = [];
  const r = new SisStreamReader(
    (u) => users.push({ index: u.chunk.index, start: u.chunk.start, end: u.chunk.end, line: u.line, character: u.character, names: u.chunk.element.children.map((c) => c.name) }),
    (p) => problems.push(p.problem),
  );
  let last = 0;
  for (const c of cuts) {
    r.push(text.slice(last, c));
    last = c;
  }
  r.push(text.slice(last));
  r.end();
  return { users, problems };
}

function inside(problems: readonly Problem[], length: number): boolean {
  return problems.every((p) => 0 <= p.start && p.start <= p.end && p.end <= length);
}

describe('fuzz findings in the reader (fixed)', () => {
  it('a single-user document streamed in pieces reports its prolog problems once, and places the user', () => {
    const text = '<!DOCTYPE users [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<user>\n  <primary_id>a</primary_id>\n</user>\n';
    const whole = readSisDocument(text);
    for (const cuts of [[10], [20, 40, 60], [57, 70, 80]]) {
      const s = stream(text, cuts);
      expect(s.problems.map((p) => p.code)).toEqual(whole.problems.map((p) => p.code));
      expect(s.users.map((u) => [u.line, u.character])).toEqual([[1, 0]]);
    }
  });

  it('a stream cut right after `<user` of `<user_statistics/>` does not end the user there', () => {
    const user = (id: string) => `<user><primary_id>${id}</primary_id><user_group>G</user_group><user_statistics/><user_notes/></user>`;
    const text = `<users>${user('a')}${user('b')}</users>`;
    const whole = readSisDocument(text).users.map((u) => u.element.children.map((c) => c.name));
    // Every place of one cut (the stream reader keeps a 64-character margin before the cut).
    for (let cut = 0; cut <= text.length; cut++) {
      const s = stream(text, [cut]);
      expect(s.users.map((u) => u.names), `cut at ${cut}`).toEqual(whole);
      expect(s.problems, `cut at ${cut}`).toEqual([]);
    }
  });

  it('an empty file: the "no root element" problem is an empty range at 0', () => {
    const d = readSisDocument('');
    expect(d.problems.map((p) => [p.code, p.start, p.end])).toEqual([['not-well-formed', 0, 0]]);
    expect(inside(validateDocument(d), 0)).toBe(true);
  });

  it('a file cut just after `<` keeps every problem inside the text', () => {
    for (const text of ['<users><user><primary_id>a</primary_id><', '<users><user><primary_id>a<', '<users><user><', '<users><', '<']) {
      const d = readSisDocument(text);
      expect(inside(validateDocument(d), text.length), JSON.stringify(text)).toBe(true);
      expect(inside(validateDocument(d, { settings: { ...DEFAULT_SETTINGS, validation: 'strict' } }), text.length)).toBe(true);
    }
  });

  it('a UTF-16 byte-order mark alone (no text comes out) and UTF-32 give an empty range', () => {
    expect(inspectBytes(Uint8Array.from([0xff, 0xfe])).problems.map((p) => [p.start, p.end])).toEqual([[0, 0]]);
    expect(inspectBytes(Uint8Array.from([0xff, 0xfe, 0x3c, 0x00])).problems.map((p) => [p.start, p.end])).toEqual([[0, 1]]);
    expect(inspectBytes(Uint8Array.from([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0])).problems.map((p) => [p.start, p.end])).toEqual([[0, 0]]);
  });

  it('text and attribute values after an entity or a CR are decoded exactly (slow path, copied in runs)', () => {
    const pieces = ['a', 'bc', '&amp;', '&lt;', '&#65;', '&#x1F600;', '\r', '\r\n', '\n', '\t', ']', ']]', '\ud83d\ude00', '\u0001', 'xxxxx', ' '];
    const decode = (s: string) => s.replace(/&(amp|lt|#65|#x1F600);/g, (_m, n: string) => ({ amp: '&', lt: '<', '#65': 'A', '#x1F600': '\u{1F600}' })[n]!);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        const text = `<users><user><x a="${s}">${s}</x></user></users>`;
        const x = readSisDocument(text).users[0].element.children[0];
        expect(x.text).toBe(decode(s.replace(/\r\n?/g, '\n')));
        expect(x.attributes[0].value).toBe(decode(s.replace(/\r\n|[\r\n\t]/g, ' ')));
      }),
      { numRuns: 2000 },
    );
  });

  it('a 10 MB value after an ampersand is read whole (it took 5 s of garbage collection before)', () => {
    const v = '&amp;' + 'x'.repeat(10 * 1024 * 1024);
    const d = readSisDocument(`<users><user><last_name>${v}</last_name><first_name a="&amp;${v}"/></user></users>`);
    expect(d.users[0].element.children[0].text.length).toBe(10 * 1024 * 1024 + 1);
    expect(d.users[0].element.children[1].attributes[0].value.length).toBe(10 * 1024 * 1024 + 2);
  });

  it('an edit that removes the `<user>` which ended an unclosed user re-reads the unclosed user too', () => {
    const before = '<users>\n<user><primary_id>a</primary_id><contact_info><addresses>\n<user><primary_id>b</primary_id></user>\n<user><primary_id>c</primary_id></user>\n</users>';
    const prev = readSisDocument(before);
    expect(prev.users.map((u) => u.element.closed)).toEqual([false, true, true]);
    const at = before.indexOf('<user><primary_id>b');
    for (const [start, end, insert] of [
      [at + 4, at + 6, '\u0001'], // `<use\u0001primary_id>`: no longer a user start tag
      [at, at + 6, ''], // the start tag deleted
      [at + 1, at + 1, 'x'], // `<xuser>`
    ] as const) {
      const after = before.slice(0, start) + insert + before.slice(end);
      const next = updateSisDocument(prev, after, { start, end, newLength: insert.length });
      expect(deepEqual(plainDocument(next), plainDocument(readSisDocument(after))), JSON.stringify(after)).toBe(true);
    }
  });

  it('a malformed XML declaration is not well-formed (xmllint: "parsing XML declaration: \'?>\' expected")', () => {
    for (const decl of ['<?xml version="1.0" encodi<!DOCTYPE users>ng="utf-8"?>', '<?xml version="1.0" standalone="yes" encoding="UTF-8"?>', '<?xml version="1.0" foo="bar"?>']) {
      const d = readSisDocument(`${decl}\n<users><user><primary_id>a</primary_id></user></users>`);
      expect(d.problems.map((p) => [p.code, p.start]), decl).toEqual([['not-well-formed', 0]]);
    }
    for (const decl of ['<?xml version="1.0"?>', "<?xml version='1.0' encoding='utf-8' standalone='no' ?>", '<?xml version="1.0" encoding="UTF-8"?>']) {
      expect(readSisDocument(`${decl}\n<users><user><primary_id>a</primary_id></user></users>`).problems, decl).toEqual([]);
    }
  });

  it('incremental reads agree with full reads when a problem sits right at the edge of the re-read region', () => {
    const cases = [
      // The root start tag is not closed: its problem is where the first user's region starts.
      '<users<user><primary_id>a</primary_id></user><user><primary_id>b</primary_id></user></users>',
      // `<pr` between users reports its problem at the next `<user>`, the end of the region.
      '<users><user><primary_id>a</primary_id></user><pr<user><primary_id>b</primary_id></user></users>',
    ];
    for (const before of cases) {
      const prev = readSisDocument(before);
      for (let at = before.indexOf('<primary_id>'); at < before.length - 8; at += 7) {
        for (const insert of ['', 'x', '<', '</user>']) {
          const after = before.slice(0, at) + insert + before.slice(at + 1);
          const next = updateSisDocument(prev, after, { start: at, end: at + 1, newLength: insert.length });
          expect(deepEqual(plainDocument(next), plainDocument(readSisDocument(after))), JSON.stringify(after)).toBe(true);
        }
      }
    }
  });

  it('streaming 18,000 nested unclosed elements reports their problems in document order, each at its line and column', () => {
    const text = '<?xml version="1.0"?>\r\n<a>' + '<a>\n'.repeat(6000) + '<a>\r'.repeat(6000) + '<a>\r\n'.repeat(6000) + 'deep';
    const lines = new LineIndex(text);
    for (const pieces of [1, 7]) {
      const got: { start: number; at: [number, number, number, number] }[] = [];
      const r = new SisStreamReader(
        () => undefined,
        (p) => got.push({ start: p.problem.start, at: [p.startLine, p.startCharacter, p.endLine, p.endCharacter] }),
      );
      const step = Math.ceil(text.length / pieces);
      for (let i = 0; i < text.length; i += step) r.push(text.slice(i, i + step));
      r.end();
      expect(got.length).toBeGreaterThan(18_000);
      // In order, but for the root's own "not closed", which only the end of the text can tell.
      const batch = got.slice(0, -1).map((g) => g.start);
      expect(batch).toEqual([...batch].sort((x, y) => x - y));
      const whole = readSisDocument(text).problems;
      for (const [k, g] of got.entries()) {
        const p = whole.find((w) => w.start === g.start)!;
        const s = lines.positionAt(p.start);
        const e = lines.positionAt(p.end);
        expect(g.at, `problem ${k} at ${g.start}`).toEqual([s.line, s.character, e.line, e.character]);
      }
    }
  });

  it('a root end tag cut short at the end of the file is read the same whole and streamed', () => {
    for (const text of ['<users><user_roles><x/>\n</users', '<users><user><primary_id>a</primary_id></user><note>n\n</users', '<users><user><primary_id>a</primary_id>\n</users']) {
      const whole = readSisDocument(text);
      expect(whole.root?.endTagStart, JSON.stringify(text)).toBe(text.lastIndexOf('</users'));
      for (const cut of [1, Math.floor(text.length / 2), text.length - 3]) {
        const s = stream(text, [cut]);
        expect(s.problems.map((p) => p.message).sort(), `${JSON.stringify(text)} cut at ${cut}`).toEqual(whole.problems.map((p) => p.message).sort());
      }
    }
  });
});
