/**
 * Bugs the fuzz harness found in the reader (issue 8), each pinned by the smallest input that
 * showed it. The general properties are in `properties.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { readSisDocument, SisStreamReader } from '../../shared/src/sis/read';
import type { Problem } from '../../shared/src/diagnostics';
import { DEFAULT_SETTINGS } from '../../shared/src/settings';
import { inspectBytes } from '../../shared/src/text/encoding';
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
});
