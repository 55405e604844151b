import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, decodeBytes } from '../../server/src/io/decode';
import { InputError, collectBytes, isXmlEntry, looksLikeZip, openFeeds, openInput, STDIN_PATH, type InputDocument } from '../../server/src/io/input';

async function* pieces(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield p;
}

function bytes(...values: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const v of values) {
    if (typeof v === 'number') out.push(v);
    else out.push(...Buffer.from(v, 'utf8'));
  }
  return new Uint8Array(out);
}

/** Every way of cutting `b` in two: the decoder must give the same text and problems. */
function splits(b: Uint8Array): Uint8Array[][] {
  const all: Uint8Array[][] = [[b]];
  for (let i = 1; i < b.length; i++) all.push([b.subarray(0, i), b.subarray(i)]);
  // and one byte at a time
  all.push(Array.from(b, (x) => new Uint8Array([x])));
  return all;
}

describe('decoding bytes', () => {
  it('decodes UTF-8 with no problems', async () => {
    const r = await decodeAll(pieces(bytes('<users>Zoë 🙂</users>')));
    expect(r.text).toBe('<users>Zoë 🙂</users>');
    expect(r.problems).toEqual([]);
  });

  it('puts an invalid-utf8 error on the replacement character, wherever the pieces are cut', async () => {
    // "é" written as Latin-1 (0xE9), then a valid 4-byte emoji after it
    const b = bytes('<a>Jos', 0xe9, ' 🙂 x', 0xff, '</a>');
    for (const parts of splits(b)) {
      const r = await decodeAll(pieces(...parts));
      expect(r.text).toBe('<a>Jos\ufffd 🙂 x\ufffd</a>');
      expect(r.problems.map((p) => [p.code, p.severity, p.start, p.end])).toEqual([
        ['invalid-utf8', 'error', 6, 7],
        ['invalid-utf8', 'error', 12, 13],
      ]);
      expect(r.text[r.problems[1].start]).toBe('\ufffd');
    }
  });

  it('reports a sequence cut off at the end of the file', async () => {
    const r = await decodeAll(pieces(bytes('<a/>', 0xe2, 0x82)));
    expect(r.text).toBe('<a/>\ufffd');
    expect(r.problems.map((p) => [p.code, p.start])).toEqual([['invalid-utf8', 4]]);
  });

  it('keeps a UTF-8 byte-order mark in the text, for the reader to warn about', async () => {
    const r = await decodeAll(pieces(bytes(0xef, 0xbb), bytes(0xbf, '<users/>')));
    expect(r.text).toBe('\ufeff<users/>');
    expect(r.problems).toEqual([]);
  });

  it('reports UTF-16 as unsupported and still decodes it', async () => {
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from('<users/>', 'utf16le')]);
    const r = await decodeAll(pieces(le));
    expect(r.problems.map((p) => p.code)).toEqual(['unsupported-encoding']);
    expect(r.text).toBe('<users/>');
    expect(r.undecodable).toBe(false);
    const be = Buffer.from('<users/>', 'utf16le').swap16();
    const r2 = await decodeAll(pieces(new Uint8Array(be)));
    expect(r2.problems.map((p) => p.code)).toEqual(['unsupported-encoding']);
    expect(r2.text).toBe('<users/>');
  });

  it('gives up on UTF-32 with one problem', async () => {
    const r = await decodeAll(pieces(new Uint8Array([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0])));
    expect(r.undecodable).toBe(true);
    expect(r.problems.map((p) => p.code)).toEqual(['unsupported-encoding']);
  });

  it('handles empty and tiny inputs', async () => {
    expect(await decodeAll(pieces())).toEqual({ text: '', problems: [], undecodable: false });
    expect((await decodeAll(pieces(bytes('<')))).text).toBe('<');
  });

  it('caps the number of invalid-utf8 problems', async () => {
    const r = await decodeAll(pieces(new Uint8Array(500).fill(0xe9)));
    expect(r.problems.length).toBe(100);
    expect(r.text.length).toBe(500);
  });

  it('yields text in pieces as the bytes arrive', async () => {
    const d = decodeBytes(pieces(bytes('<users>'), bytes('<user/>'), bytes('</users>')));
    const got: string[] = [];
    for await (const p of d.pieces) got.push(p);
    expect(got.join('')).toBe('<users><user/></users>');
    expect(got.length).toBeGreaterThan(1);
  });
});

describe('reading inputs', () => {
  let dir: string;
  const noStdin = () => pieces();
  const read = async (doc: InputDocument) => Buffer.from(await collectBytes(doc.bytes())).toString('utf8');

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-io-'));
    fs.writeFileSync(path.join(dir, 'a.xml'), '<users/>');
    fs.writeFileSync(
      path.join(dir, 'feed.zip'),
      zipSync({
        'students.xml': strToU8('<users><user/></users>'),
        'sub/staff.XML': strToU8('<users/>'),
        'readme.txt': strToU8('not xml'),
        '__MACOSX/._students.xml': strToU8('junk'),
      }),
    );
    fs.writeFileSync(path.join(dir, 'empty.zip'), zipSync({ 'readme.txt': strToU8('x') }));
    fs.writeFileSync(path.join(dir, 'fake.zip'), '<users/>');
    fs.writeFileSync(path.join(dir, 'broken.zip'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40, 7)]));
    fs.mkdirSync(path.join(dir, 'folder'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads an XML file', async () => {
    const docs = await openInput(path.join(dir, 'a.xml'), { stdin: noStdin });
    expect(docs.map((d) => d.path)).toEqual([path.join(dir, 'a.xml')]);
    expect(await read(docs[0])).toBe('<users/>');
  });

  it('reads every .xml inside a zip, named zip!/entry, skipping other files and macOS metadata', async () => {
    const zip = path.join(dir, 'feed.zip');
    const docs = await openInput(zip, { stdin: noStdin });
    expect(docs.map((d) => d.path)).toEqual([`${zip}!/students.xml`, `${zip}!/sub/staff.XML`]);
    expect(await read(docs[0])).toBe('<users><user/></users>');
    expect(await read(docs[1])).toBe('<users/>');
  });

  it('reads standard input, also when it is a zip', async () => {
    const docs = await openInput('-', { stdin: () => pieces(bytes('<us'), bytes('ers/>')) });
    expect(docs.map((d) => d.path)).toEqual([STDIN_PATH]);
    expect(await read(docs[0])).toBe('<users/>');
    const zipped = zipSync({ 'x.xml': strToU8('<users/>') });
    const z = await openInput('-', { stdin: () => pieces(zipped) });
    expect(z.map((d) => d.path)).toEqual([`${STDIN_PATH}!/x.xml`]);
  });

  it.each([
    ['missing.xml', /^cannot read .*missing\.xml: no such file$/],
    ['folder', /^cannot read .*folder: it is a directory$/],
    ['empty.zip', /empty\.zip holds no \.xml file$/],
    ['fake.zip', /fake\.zip is not a zip archive$/],
    ['broken.zip', /broken\.zip is not a readable zip archive/],
  ])('says clearly why %s cannot be read', async (name, message) => {
    const err = await openInput(path.join(dir, name), { stdin: noStdin }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });

  it('goes on after an unreadable input', async () => {
    const got = [];
    for await (const x of openFeeds([path.join(dir, 'missing.xml'), path.join(dir, 'a.xml')], { stdin: noStdin })) got.push(x);
    expect(got).toHaveLength(2);
    expect('error' in got[0]).toBe(true);
    expect(got[1]).toMatchObject([{ path: path.join(dir, 'a.xml') }]);
  });

  it('groups the inputs into feeds: one per argument, or all together', async () => {
    const args = [path.join(dir, 'a.xml'), path.join(dir, 'missing.xml'), path.join(dir, 'a.xml')];
    const apart = [];
    for await (const x of openFeeds(args, { stdin: noStdin })) apart.push(x);
    expect(apart.map((f) => (Array.isArray(f) ? f.length : 'failure'))).toEqual([1, 'failure', 1]);
    const together = [];
    for await (const x of openFeeds(args, { stdin: noStdin, together: true })) together.push(x);
    expect(together.map((f) => (Array.isArray(f) ? f.length : 'failure'))).toEqual(['failure', 2]);
  });

  it('refuses input larger than the limit with a message', async () => {
    await expect(collectBytes(pieces(new Uint8Array(10), new Uint8Array(10)), 15, 'standard input')).rejects.toThrow(/standard input is larger than/);
  });

  it('tells zips and XML entries apart', () => {
    expect(looksLikeZip(bytes('PK', 3, 4))).toBe(true);
    expect(looksLikeZip(bytes('<?xm'))).toBe(false);
    expect(isXmlEntry('a/b.xml')).toBe(true);
    expect(isXmlEntry('a/')).toBe(false);
    expect(isXmlEntry('a/._b.xml')).toBe(false);
    expect(isXmlEntry('b.xml.bak')).toBe(false);
  });
});

describe('standard input that fails', () => {
  it('is an unreadable input, not a crash', async () => {
    const failing = () =>
      (async function* (): AsyncIterable<Uint8Array> {
        yield bytes('<users>');
        throw Object.assign(new Error('read EIO'), { code: 'EIO' });
      })();
    const err = await openInput('-', { stdin: failing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('cannot read standard input: EIO');
  });
});

describe('zip entries inflated in pieces', () => {
  const open = async (zip: Uint8Array) => {
    const docs = await openInput('-', { stdin: () => pieces(zip) });
    return Promise.all(docs.map(async (d) => ({ path: d.path, bytes: await collectBytes(d.bytes()) })));
  };

  it('gives back every byte of large, stored and empty entries', async () => {
    const big = strToU8(`<users>${'<user><primary_id>x</primary_id></user>'.repeat(50000)}</users>`);
    const zip = zipSync({ 'big.xml': big, 'stored.xml': [strToU8('<users/>'), { level: 0 }], 'empty.xml': new Uint8Array(0) });
    const got = await open(zip);
    expect(got.map((g) => g.path)).toEqual(['<stdin>!/big.xml', '<stdin>!/stored.xml', '<stdin>!/empty.xml']);
    expect(Buffer.from(got[0].bytes).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(got[1].bytes).toString()).toBe('<users/>');
    expect(got[2].bytes.length).toBe(0);
  });

  it('says which entry cannot be unpacked when its data is damaged', async () => {
    const zip = zipSync({ 'a.xml': strToU8('<users>'.repeat(1000)) });
    // Damage the deflate data just after the 30-byte local header and the name.
    const bad = zip.slice();
    for (let i = 30 + 'a.xml'.length; i < 30 + 'a.xml'.length + 8; i++) bad[i] = 0xff;
    const docs = await openInput('-', { stdin: () => pieces(bad) });
    const err = await collectBytes(docs[0].bytes()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^cannot unpack <stdin>!\/a\.xml/);
  });
});
