/**
 * The properties every input must satisfy (issue 8). One call checks one input end to end, the
 * way the command line and the language server use the core:
 *
 *   bytes → decode (whole, and in random pieces) → readSisDocument → validateDocument (lenient
 *   and strict) → plan against a generated snapshot → apply → serialise,
 *
 * plus incremental re-reading after random edits and streaming in random pieces. A property
 * that fails becomes a `Finding`; nothing here throws (an exception of the code under test is a
 * finding too). Hangs are caught by the caller (the harness runs this in a worker with a clock).
 */
import type { Problem } from '../../shared/src/diagnostics';
import { applyPlan, incomingUsers, planFile } from '../../shared/src/engine';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/src/settings';
import { readSisDocument, SisStreamReader, updateSisDocument } from '../../shared/src/sis/read';
import type { SisDocument } from '../../shared/src/sis/types';
import { parseSnapshot, serializeSnapshot, type Snapshot } from '../../shared/src/snapshot/snapshot';
import { LineIndex } from '../../shared/src/text/lines';
import { validateDocument } from '../../shared/src/validate';
import type { XmlElement } from '../../shared/src/xml/types';
import { decodeAll } from '../../server/src/io/decode';
import { generateSnapshot } from '../generate';
import { mixSeed, randomEdit, Rng, type Sample } from './mutate';

export interface Finding {
  /** Which property failed (stable name, used in file names). */
  readonly property: string;
  readonly message: string;
  readonly stack?: string;
  /** What it takes to replay it (e.g. the edits made so far), as plain data. */
  readonly detail?: unknown;
}

export interface CheckContext {
  readonly snapshot: Snapshot;
  readonly settings: Settings;
  readonly strict: Settings;
  readonly today: string;
}

export function makeContext(seed = 1): CheckContext {
  const { json } = generateSnapshot({ users: 12, seed });
  const snapshot = parseSnapshot(json).snapshot;
  if (!snapshot) throw new Error('the generated snapshot cannot be read');
  return { snapshot, settings: DEFAULT_SETTINGS, strict: { ...DEFAULT_SETTINGS, validation: 'strict' }, today: '2026-01-01' };
}

async function* pieces(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let last = 0;
  for (const c of cuts) {
    yield bytes.subarray(last, c);
    last = c;
  }
  yield bytes.subarray(last);
}

/**
 * Structural equality of plain data (objects, arrays, primitives), without recursion: the
 * fuzz inputs nest 10,000 deep, deeper than Node's recursive `isDeepStrictEqual` can go.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop()!;
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y) || Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false;
    if (x instanceof Uint8Array) {
      if (!(y instanceof Uint8Array) || x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
      continue;
    }
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (const k of kx) {
      if (!Object.prototype.hasOwnProperty.call(y, k)) return false;
      stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]]);
    }
  }
  return true;
}

/** Problems at the same place may come in either order (found in another order by an incremental read). */
function byPlace(a: Problem, b: Problem): number {
  return a.start - b.start || a.end - b.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** A document reduced to comparable plain data (absolute offsets, no object identity, problems in one order). */
export function plainDocument(d: SisDocument): unknown {
  return {
    declaration: d.declaration,
    root: d.root,
    others: d.otherElements,
    problems: [...d.problems].sort(byPlace),
    users: d.users.map((u) => ({ index: u.index, start: u.start, end: u.end, element: u.element, problems: u.problems })),
    length: d.length,
  };
}

/** Every text and attribute value the reader produced (to look for expanded entities). */
function* values(el: XmlElement): Generator<string> {
  const stack: XmlElement[] = [el];
  while (stack.length) {
    const e = stack.pop()!;
    if (e.text) yield e.text;
    for (const a of e.attributes) yield a.value;
    for (const c of e.children) stack.push(c);
  }
}

function count(hay: string, needle: string): number {
  let n = 0;
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) n++;
  return n;
}

function describe(p: Problem): string {
  return `${p.code} [${p.start}, ${p.end})`;
}

/** Checks one input; returns what failed (empty when every property holds). */
export async function checkSample(sample: Sample, ctx: CheckContext, seed: number): Promise<Finding[]> {
  const findings: Finding[] = [];
  const rng = new Rng(mixSeed(seed, 0xc4ec));
  const stage = async <T>(property: string, f: () => T | Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (e) {
      const err = e as Error;
      findings.push({ property, message: `threw: ${err?.message ?? String(e)}`, stack: err?.stack });
      return undefined;
    }
  };
  const bytes = sample.bytes;
  const large = bytes.length > 1_000_000;

  // 1. Decoding: whole, and in random pieces (the command line reads files in pieces).
  const whole = await stage('decode-throws', () => decodeAll(pieces(bytes, [])));
  if (!whole) return findings;
  const cuts = Array.from({ length: rng.int(1, large ? 3 : 8) }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
  const pieced = await stage('decode-throws', () => decodeAll(pieces(bytes, cuts)));
  if (pieced && !deepEqual(pieced, whole)) {
    findings.push({ property: 'decode-pieces-equal-whole', message: `decoding in pieces cut at ${cuts.join(',')} differs from decoding at once` });
  }
  const text = whole.text;
  const len = text.length;
  const outside = (ps: readonly Problem[], where: string) => {
    for (const p of ps) {
      if (!(Number.isInteger(p.start) && Number.isInteger(p.end) && 0 <= p.start && p.start <= p.end && p.end <= len)) {
        findings.push({ property: 'range-inside-document', message: `${where}: ${describe(p)} outside [0, ${len}]` });
        return;
      }
    }
  };
  outside(whole.problems, 'decode');
  if (whole.undecodable) return findings;

  // 2. Reading.
  const doc = await stage('read-throws', () => readSisDocument(text));
  if (!doc) return findings;
  outside(doc.problems, 'reader (frame)');
  for (const u of doc.users) {
    if (!(0 <= u.start && u.start <= u.end && u.end <= len)) {
      findings.push({ property: 'range-inside-document', message: `user ${u.index} spans [${u.start}, ${u.end}) outside [0, ${len}]` });
      break;
    }
    const rel = u.problems.find((p) => p.start < 0 || p.end < p.start || u.start + p.end > len);
    if (rel) {
      findings.push({ property: 'range-inside-document', message: `user ${u.index}: ${describe(rel)} (relative to ${u.start}) outside the document` });
      break;
    }
  }

  // 3. No entity is expanded or resolved; a DOCTYPE or an undefined entity is reported.
  let read = '';
  for (const u of doc.users) for (const v of values(u.element)) read += v + '\u0000';
  for (const o of doc.root?.attributes ?? []) read += o.value + '\u0000';
  for (const m of sample.markers) {
    if (count(read, m) > count(text, m)) {
      findings.push({ property: 'no-entity-expansion', message: `"${m}" appears ${count(read, m)} times in read values but ${count(text, m)} times in the text` });
    }
  }
  // Markup inside comments, CDATA sections and processing instructions is text, not a declaration.
  const markup = text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g, '');
  if (/<!DOCTYPE/.test(markup) || /<!ENTITY/.test(markup)) {
    const codes = new Set([...doc.problems, ...doc.users.flatMap((u) => u.problems)].map((p) => p.code));
    if (!codes.has('doctype') && !codes.has('not-well-formed')) {
      findings.push({ property: 'doctype-reported', message: 'the text has a DOCTYPE or an ENTITY declaration but no `doctype` or `not-well-formed` problem' });
    }
  }
  const refs = /&(lol9|xxe|net|quad|b);/.exec(text);
  if (refs && doc.users.some((u) => text.slice(u.start, u.end).includes(refs[0]) && !u.problems.some((p) => p.code === 'not-well-formed'))) {
    findings.push({ property: 'undefined-entity-reported', message: `${refs[0]} inside a user is not reported as an undefined entity` });
  }

  // 4. Validation, lenient and strict.
  for (const [name, settings] of [['lenient', ctx.settings], ['strict', ctx.strict]] as const) {
    const problems = await stage(`validate-${name}-throws`, () => validateDocument(doc, { settings, today: ctx.today }));
    if (problems) outside(problems, `validator (${name})`);
  }
  const lines = await stage('line-index-throws', () => new LineIndex(text));
  if (lines) {
    const probe = [0, len, rng.int(0, len)];
    for (const off of probe) {
      const back = lines.offsetAt(lines.positionAt(off));
      // A position inside a CRLF pair has no line/column of its own; every other offset round-trips.
      if (back !== off && !(text.charCodeAt(off - 1) === 13 && text.charCodeAt(off) === 10)) {
        findings.push({ property: 'line-index-round-trip', message: `offset ${off} → ${JSON.stringify(lines.positionAt(off))} → ${back}` });
      }
    }
  }

  // 5. The engine: plan against the generated snapshot, apply, serialise.
  await stage('engine-throws', () => {
    const incoming = incomingUsers(doc);
    for (const settings of [ctx.settings, { ...ctx.settings, matchBy: 'UNIV_ID', emptyProtectedField: 'keep' as const, mode: 'import' as const }]) {
      const plan = planFile(incoming, ctx.snapshot, settings);
      if (plan.users.length !== incoming.length) findings.push({ property: 'engine-plans-every-user', message: `${incoming.length} users, ${plan.users.length} planned` });
      const after = applyPlan(ctx.snapshot, plan, incoming, settings);
      const json = serializeSnapshot(after);
      const again = parseSnapshot(json);
      if (!again.snapshot) findings.push({ property: 'applied-snapshot-readable', message: `the applied snapshot cannot be read back: ${again.problems[0]?.message}` });
    }
  });

  // 6. Incremental re-reading after random edits equals a full read.
  let prevText = text;
  let prev = doc;
  const edits: { start: number; end: number; insert: string }[] = [];
  for (let k = large ? 1 : rng.int(1, 6); k > 0; k--) {
    const e = randomEdit(prevText, rng);
    edits.push(e);
    const next = prevText.slice(0, e.start) + e.insert + prevText.slice(e.end);
    const inc = await stage('incremental-throws', () => updateSisDocument(prev, next, { start: e.start, end: e.end, newLength: e.insert.length }));
    const full = await stage('read-throws', () => readSisDocument(next));
    if (!inc || !full) break;
    if (!deepEqual(plainDocument(inc), plainDocument(full))) {
      findings.push({
        property: 'incremental-equals-full',
        message: `after replacing [${e.start}, ${e.end}) by ${JSON.stringify(e.insert.slice(0, 60))} (${e.insert.length} chars) the incremental read differs from a full read`,
        detail: { edits },
      });
      break;
    }
    prev = inc;
    prevText = next;
  }

  // 7. Streaming in random pieces equals reading the whole text.
  await stage('stream-throws', () => {
    const users: unknown[] = [];
    const problems: Problem[] = [];
    const reader = new SisStreamReader(
      (u) => {
        users.push({ index: u.chunk.index, start: u.chunk.start, end: u.chunk.end, element: u.chunk.element, problems: u.chunk.problems });
        if (u.text !== text.slice(u.chunk.start, u.chunk.end)) findings.push({ property: 'stream-equals-whole', message: `streamed user ${u.chunk.index} text differs from the file's` });
        const at = lines?.positionAt(u.chunk.start);
        if (at && (at.line !== u.line || at.character !== u.character)) {
          findings.push({ property: 'stream-equals-whole', message: `streamed user ${u.chunk.index} placed at ${u.line}:${u.character}, the file has it at ${at.line}:${at.character}` });
        }
      },
      (p) => {
        problems.push(p.problem);
        // Its line and column, computed while streaming, are those of the whole text.
        const midCrlf = (o: number) => text.charCodeAt(o - 1) === 13 && text.charCodeAt(o) === 10;
        const s = lines?.positionAt(p.problem.start);
        const e = lines?.positionAt(p.problem.end);
        if (s && e && !midCrlf(p.problem.start) && !midCrlf(p.problem.end) && (s.line !== p.startLine || s.character !== p.startCharacter || e.line !== p.endLine || e.character !== p.endCharacter)) {
          findings.push({
            property: 'stream-equals-whole',
            message: `streamed problem ${p.problem.code} at [${p.problem.start}, ${p.problem.end}) placed at ${p.startLine}:${p.startCharacter}–${p.endLine}:${p.endCharacter}, the text has ${s.line}:${s.character}–${e.line}:${e.character}`,
          });
        }
      },
    );
    const textCuts = Array.from({ length: rng.int(0, large ? 4 : 10) }, () => rng.int(0, len)).sort((a, b) => a - b);
    let last = 0;
    for (const c of textCuts) {
      reader.push(text.slice(last, c));
      last = c;
    }
    reader.push(text.slice(last));
    const frame = reader.end();
    const wholeUsers = doc.users.map((u) => ({ index: u.index, start: u.start, end: u.end, element: u.element, problems: u.problems }));
    const byStart = (a: Problem, b: Problem) => a.start - b.start || a.end - b.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
    if (!deepEqual(users, wholeUsers)) {
      findings.push({ property: 'stream-equals-whole', message: `streaming cut at ${textCuts.join(',')} gives other users than a whole read (${users.length} vs ${wholeUsers.length})` });
    } else if (!deepEqual([...problems].sort(byStart), [...doc.problems].sort(byStart))) {
      findings.push({ property: 'stream-equals-whole', message: `streaming cut at ${textCuts.join(',')} gives other frame problems than a whole read` });
    } else if (frame.root?.endTagStart !== doc.root?.endTagStart || frame.length !== doc.length) {
      findings.push({ property: 'stream-equals-whole', message: `streaming cut at ${textCuts.join(',')} gives another frame than a whole read` });
    }
  });
  return findings;
}
