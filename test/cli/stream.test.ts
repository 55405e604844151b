/**
 * The streaming check (what `alma-sis validate` runs) against the whole-document check: the
 * same diagnostics, ranges and source excerpts, however the bytes are cut into pieces.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsFrom } from '../../shared/src/settings';
import { LineIndex, LineStarts } from '../../shared/src/text/lines';
import { Rng } from '../../tools/generate';
import { checkDocument, type CheckOptions } from '../../server/src/cli/check';
import { formatDiagnostic } from '../../server/src/cli/present/text';
import { checkDocumentStreaming } from '../../server/src/cli/streamCheck';
import { openInput, type InputDocument } from '../../server/src/io/input';
import { CORPUS_SIS, HAVE_SHARED } from '../corpus/shared';

function doc(bytes: Uint8Array, piece: number): InputDocument {
  return {
    path: 'f.xml',
    bytes: async function* () {
      for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, Math.min(bytes.length, i + piece));
      if (bytes.length === 0) yield bytes;
    },
  };
}

const USER = (id: string, extra = '') =>
  `<user><primary_id>${id}</primary_id><last_name>Doe</last_name>${extra}<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>B${id}</value></user_identifier></user_identifiers></user>`;

const CASES: Record<string, string | Uint8Array> = {
  valid: `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n  ${USER('a')}\n  ${USER('b')}\n</users>\n`,
  'one line with errors': `<users>${USER('a', '<birth_date>1990-13-01</birth_date>')}${USER('a')}${USER('c', '<favourite>x</favourite>')}</users>`,
  crlf: `<?xml version="1.0"?>\r\n<users>\r\n${USER('a', '\r\n<birth_date>x</birth_date>\r\n')}\r\n</users>\r\n`,
  'cr only': `<users>\r${USER('a', '\r<birth_date>x</birth_date>\r')}\r</users>`,
  bom: new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(`<users>${USER('a')}</users>`)]),
  latin1: Buffer.from(`<users>\n${USER('Jos\u00e9', '<first_name>Andr\u00e9</first_name>')}\n</users>`, 'latin1'),
  utf16: new Uint8Array([0xff, 0xfe, ...Buffer.from(`<users>\n${USER('a', '<birth_date>x</birth_date>')}</users>`, 'utf16le')]),
  empty: '',
  junk: 'hello <users/>',
  'unclosed root': `<users>\n${USER('a')}\n`,
  'broken user between good ones': `<users>\n${USER('a')}\n<user><primary_id>b</primary_id><last_name>\n${USER('c')}\n</users>`,
  'single user root': `<?xml version="1.0"?>\n<user><primary_id>x</primary_id><is_researcher>yes</is_researcher></user>\n`,
  'text and other elements between users': `<users>\n${USER('a')}\nstray\n<note>x</note>\n${USER('b')}\n</users>\ntrailing`,
  'userRecords root, emoji': `<userRecords>\n${USER('🙂', '<first_name>🙂🙂</first_name><birth_date>🙂</birth_date>')}\n</userRecords>`,
  'long line': `<users>${USER('a', `<job_description>${'x'.repeat(30000)}</job_description><birth_date>bad</birth_date>`)}</users>`,
};

const OPTIONS: CheckOptions[] = [
  { settings: settingsFrom({}).settings, today: '2026-01-01' },
  { settings: settingsFrom({ validation: 'strict', matchBy: 'BARCODE' }).settings, today: '2026-01-01' },
];

async function compare(bytes: Uint8Array, pieces: number[]) {
  for (const options of OPTIONS) {
    const whole = await checkDocument(doc(bytes, Math.max(1, bytes.length)), options);
    const wholeText = whole.diagnostics.map((d) => formatDiagnostic(whole, d, { color: false }));
    for (const piece of pieces) {
      const streamed = await checkDocumentStreaming(doc(bytes, piece), options);
      expect(streamed.diagnostics, `pieces of ${piece}`).toEqual(whole.diagnostics);
      await streamed.loadLines(streamed.diagnostics);
      expect(streamed.diagnostics.map((d) => formatDiagnostic(streamed, d, { color: false })), `pieces of ${piece}`).toEqual(wholeText);
    }
  }
}

describe('streaming check = whole-document check', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const c = CASES[name];
    await compare(typeof c === 'string' ? new Uint8Array(Buffer.from(c)) : c, [1, 3, 17, 64, 1000, 1 << 20]);
  });

  it.skipIf(!HAVE_SHARED)('on every corpus file', async () => {
    for (const f of fs.readdirSync(CORPUS_SIS).filter((n) => n.endsWith('.xml'))) {
      await compare(new Uint8Array(fs.readFileSync(path.join(CORPUS_SIS, f))), [5, 4096]);
    }
  });

  it('keeps only a window of a very long line, with the marker still under the range', async () => {
    const bytes = new Uint8Array(Buffer.from(CASES['long line'] as string));
    const streamed = await checkDocumentStreaming(doc(bytes, 4096), OPTIONS[0]);
    await streamed.loadLines(streamed.diagnostics);
    const d = streamed.diagnostics.find((x) => x.code === 'invalid-date')!;
    expect(streamed.lineText(0).length).toBeLessThan(1000);
    const [, source, marker] = formatDiagnostic(streamed, d, { color: false }).split('\n');
    const col = marker.indexOf('^');
    expect(source.slice(col, col + 3)).toBe('bad');
  });
});

describe('the source lines of the text format', () => {
  // An error in the first user, then many valid users: the lines shown are all near the start.
  const text = `<users>\n${USER('a', '<birth_date>1990-13-01</birth_date>')}\n${Array.from({ length: 2000 }, (_, i) => USER(`u${i}`)).join('\n')}\n</users>\n`;
  const bytes = new Uint8Array(Buffer.from(text));

  it('are read up to the last line shown, not to the end, and are those of the whole check', async () => {
    let pulled = 0;
    const counting: InputDocument = {
      path: 'f.xml',
      bytes: async function* () {
        for (let i = 0; i < bytes.length; i += 4096) {
          pulled++;
          yield bytes.subarray(i, Math.min(bytes.length, i + 4096));
        }
      },
    };
    const whole = await checkDocument(doc(bytes, bytes.length), OPTIONS[0]);
    const streamed = await checkDocumentStreaming(counting, OPTIONS[0]);
    const piecesOfOneRead = pulled;
    pulled = 0;
    await streamed.loadLines(streamed.diagnostics);
    expect(streamed.diagnostics.some((d) => d.code === 'invalid-date')).toBe(true);
    expect(streamed.diagnostics.map((d) => formatDiagnostic(streamed, d, { color: false }))).toEqual(whole.diagnostics.map((d) => formatDiagnostic(whole, d, { color: false })));
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(piecesOfOneRead / 10);
  });

  it('are left out when the file changed between the two reads, also when the second stops early', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-lines-'));
    try {
      const file = path.join(dir, 'users.xml');
      for (const change of [undefined, 'rewritten', 'shorter'] as const) {
        fs.writeFileSync(file, bytes);
        const [input] = await openInput(file, { stdin: () => (async function* () {})() });
        const streamed = await checkDocumentStreaming(input, OPTIONS[0]);
        const d = streamed.diagnostics.find((x) => x.code === 'invalid-date')!;
        if (change === 'rewritten') {
          // Same size, a later time: whether the first lines are the same cannot be known.
          fs.writeFileSync(file, bytes);
          const later = new Date(Date.now() + 5000);
          fs.utimesSync(file, later, later);
        }
        if (change === 'shorter') fs.writeFileSync(file, bytes.subarray(0, 20));
        await streamed.loadLines(streamed.diagnostics);
        if (change === undefined) expect(streamed.lineText(d.range.start.line)).toContain('1990-13-01');
        else expect(streamed.lineText(d.range.start.line), change).toBe('');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('leaving out the less severe', () => {
  it('keeps what the whole check keeps at that severity and counts the rest', async () => {
    const bytes = new Uint8Array(Buffer.from(CASES['text and other elements between users'] as string));
    const whole = await checkDocument(doc(bytes, bytes.length), OPTIONS[0]);
    for (const min of ['error', 'warning', 'information', 'hint'] as const) {
      const rank = ['error', 'warning', 'information', 'hint'].indexOf(min);
      const keep = (s: string) => ['error', 'warning', 'information', 'hint'].indexOf(s) <= rank;
      const streamed = await checkDocumentStreaming(doc(bytes, 13), OPTIONS[0], min);
      expect(streamed.diagnostics).toEqual(whole.diagnostics.filter((d) => keep(d.severity)));
      for (const s of ['error', 'warning', 'information', 'hint'] as const) {
        expect(streamed.hidden[s]).toBe(keep(s) ? 0 : whole.diagnostics.filter((d) => d.severity === s).length);
      }
    }
    expect(whole.diagnostics.some((d) => d.severity !== 'error')).toBe(true);
  });
});

describe('LineStarts', () => {
  it('answers as LineIndex does, wherever the pieces are cut', () => {
    const texts = ['', 'a', '\n', 'a\nb', 'a\r\nb\rc\n\r\n', '\r', '\r\n', 'x\r', 'one\ntwo\r\nthree\rfour\n'];
    for (const t of texts) {
      const index = new LineIndex(t);
      for (let cut = 0; cut <= t.length; cut++) {
        const ls = new LineStarts();
        ls.push(t.slice(0, cut));
        ls.push(t.slice(cut));
        ls.end();
        expect(ls.lineCount, JSON.stringify(t)).toBe(index.lineCount);
        for (let o = 0; o <= t.length; o++) expect(ls.positionAt(o), `${JSON.stringify(t)} @${o} cut ${cut}`).toEqual(index.positionAt(o));
      }
    }
  });

  it('counts as an editor does on long texts with long lines, cut anywhere (empty pieces too)', () => {
    // Positions worked out by hand: every `\r\n`, `\r` and `\n` ends a line.
    const naive = (t: string, o: number) => {
      const before = t.slice(0, o).split(/\r\n|\r|\n/);
      // A `\r` right before `o` followed by `\n` at `o`: the break is `\r\n`, counted once.
      return { line: before.length - 1, character: before[before.length - 1].length };
    };
    const rng = new Rng(7);
    for (let round = 0; round < 40; round++) {
      let t = '';
      const lines = rng.int(0, 400);
      for (let i = 0; i < lines; i++) t += 'x'.repeat(rng.chance(0.05) ? rng.int(250, 70000) : rng.int(0, 40)) + rng.pick(['\n', '\r\n', '\r']);
      const ls = new LineStarts();
      let at = 0;
      while (at < t.length) {
        // Often right after a `\r`, so that `\r\n` is split across pieces (and an empty piece between).
        const cr = t.indexOf('\r', at);
        const next = cr >= 0 && rng.chance(0.5) ? cr + 1 : Math.min(t.length, at + rng.int(1, 5000));
        ls.push(t.slice(at, next));
        if (rng.chance(0.3)) ls.push('');
        at = next;
      }
      ls.end();
      expect(ls.lineCount).toBe(t.split(/\r\n|\r|\n/).length);
      for (let k = 0; k < 300; k++) {
        const o = rng.int(0, t.length);
        // Between `\r` and `\n` of one break both count the same way: skip that one position.
        if (t[o - 1] === '\r' && t[o] === '\n') continue;
        expect(ls.positionAt(o)).toEqual(naive(t, o));
        const p = ls.positionAt(o);
        expect(ls.lineStart(p.line)).toBe(o - p.character);
      }
    }
  });
});
