/**
 * The named hostile inputs of issue 8, one by one, through the whole core path (decode, read,
 * validate lenient and strict, plan, apply): entity bombs and external entities, 10 MB on one
 * line, 10,000-deep nesting, huge attributes, UTF-16, markup inside users. Each must give clear
 * problems inside the document and never expand or fetch anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../shared/src/diagnostics';
import { applyPlan, incomingUsers, planFile } from '../../shared/src/engine';
import { DEFAULT_SETTINGS } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import type { SisDocument } from '../../shared/src/sis/types';
import { validateDocument } from '../../shared/src/validate';
import type { XmlElement } from '../../shared/src/xml/types';
import { decodeAll } from '../../server/src/io/decode';
import { generateSisXml } from '../../tools/generate';
import { makeContext } from '../../tools/fuzz/check';
import { installTraps, type Attempt } from '../../tools/fuzz/traps';

const ctx = makeContext(3);
const STRICT = { ...DEFAULT_SETTINGS, validation: 'strict' as const };
let attempts: Attempt[] = [];

// Any socket, DNS look-up, http(s) request or fetch during these tests is refused and recorded.
beforeAll(() => {
  attempts = installTraps({ files: false });
});
afterAll(() => {
  expect(attempts).toEqual([]);
});

function users(body: string, prolog = '<?xml version="1.0" encoding="UTF-8"?>\n'): string {
  return `${prolog}<users>\n<user>\n<primary_id>u1</primary_id>\n<last_name>${body}</last_name>\n</user>\n</users>\n`;
}

function allValues(doc: SisDocument): string {
  const out: string[] = [];
  const stack: XmlElement[] = doc.users.map((u) => u.element);
  while (stack.length) {
    const e = stack.pop()!;
    out.push(e.text, ...e.attributes.map((a) => a.value));
    stack.push(...e.children);
  }
  return out.join('\n');
}

/** Reads, validates both ways, plans and applies; returns every problem (absolute offsets). */
function throughCore(text: string): { doc: SisDocument; problems: Problem[] } {
  const doc = readSisDocument(text);
  const problems = [...validateDocument(doc, { settings: DEFAULT_SETTINGS }), ...validateDocument(doc, { settings: STRICT })];
  for (const p of problems) {
    expect(p.start).toBeGreaterThanOrEqual(0);
    expect(p.end).toBeGreaterThanOrEqual(p.start);
    expect(p.end).toBeLessThanOrEqual(text.length);
  }
  const incoming = incomingUsers(doc);
  const plan = planFile(incoming, ctx.snapshot, DEFAULT_SETTINGS);
  expect(plan.users).toHaveLength(incoming.length);
  applyPlan(ctx.snapshot, plan, incoming, DEFAULT_SETTINGS);
  return { doc, problems };
}

describe('entities: never expanded, never fetched, always reported', { timeout: 300_000 }, () => {
  const laughs = (() => {
    let s = '<!ENTITY lol0 "LOL">';
    for (let i = 1; i <= 9; i++) s += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    return s;
  })();

  it('billion laughs: a `doctype` error, the reference is an undefined entity, nothing grows', () => {
    const text = users('&lol9;', `<?xml version="1.0"?>\n<!DOCTYPE users [${laughs}]>\n`);
    const { doc, problems } = throughCore(text);
    expect(problems.some((p) => p.code === 'doctype' && p.severity === 'error')).toBe(true);
    const undefinedEntity = problems.find((p) => p.code === 'not-well-formed' && /&lol9;/.test(p.message));
    expect(undefinedEntity?.message).toMatch(/not defined.*never expanded/);
    expect(text.slice(undefinedEntity!.start, undefinedEntity!.end)).toBe('&lol9;');
    expect(allValues(doc)).not.toContain('LOL');
  });

  it('quadratic blow-up (one large entity referenced many times) stays the size of the text', () => {
    const text = users('&big;'.repeat(10_000), `<!DOCTYPE users [<!ENTITY big "${'x'.repeat(100_000)}">]>\n`);
    const { doc } = throughCore(text);
    expect(allValues(doc).length).toBeLessThan(text.length);
  });

  it('external entities (file:// and http://, general and parameter) are never resolved', () => {
    const dtd =
      '<!DOCTYPE users SYSTEM "http://127.0.0.1:9/users.dtd" [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">' +
      '<!ENTITY % pe SYSTEM "http://127.0.0.1:9/pe.dtd"> %pe;]>\n';
    const text = users('&xxe;&net;', dtd);
    const { doc, problems } = throughCore(text);
    expect(problems.map((p) => p.code)).toContain('doctype');
    // Each reference is one "not defined" problem on its own text (found once per validation here).
    const refs = new Set(problems.filter((p) => /&(xxe|net);/.test(p.message)).map((p) => text.slice(p.start, p.end)));
    expect([...refs].sort()).toEqual(['&net;', '&xxe;']);
    expect(allValues(doc)).not.toMatch(/root:|daemon:/);
    expect(attempts).toEqual([]);
  });

  it('a DOCTYPE inside a user is not well-formed and skipped without interpretation', () => {
    const text = `<users><user><!DOCTYPE x [<!ENTITY a "A">]><primary_id>&a;</primary_id></user></users>`;
    const { doc, problems } = throughCore(text);
    expect(problems.some((p) => p.code === 'not-well-formed' && /DOCTYPE/.test(p.message))).toBe(true);
    expect(allValues(doc)).not.toContain('A');
  });
});

describe('size and shape limits', { timeout: 300_000 }, () => {
  it('10 MB on one line (a value of 10 MB, and 10 MB of users without a line break)', () => {
    const big = users('x'.repeat(10 * 1024 * 1024));
    const a = throughCore(big);
    expect(a.doc.users).toHaveLength(1);
    expect(a.problems.some((p) => p.code === 'too-long')).toBe(true);

    const flat = generateSisXml({ users: 7000, seed: 9 }).xml.replace(/\n\s*/g, '');
    expect(flat.length).toBeGreaterThan(10 * 1024 * 1024);
    const b = throughCore(flat);
    expect(b.doc.users).toHaveLength(7000);
  });

  it('10,000-deep nesting inside a user (closed and unclosed) neither overflows the stack nor hides the next user', () => {
    for (const closed of [true, false]) {
      const deep = '<a>'.repeat(10_000) + 'deep' + (closed ? '</a>'.repeat(10_000) : '');
      const text = `<users><user><primary_id>u1</primary_id>${deep}</user><user><primary_id>u2</primary_id></user></users>`;
      const { doc, problems } = throughCore(text);
      expect(doc.users).toHaveLength(2);
      expect(problems.some((p) => p.code === 'unknown-element')).toBe(true);
      if (!closed) expect(problems.some((p) => p.code === 'not-well-formed')).toBe(true);
    }
  });

  it('huge attributes: a 2 MB value and 20,000 attributes on one tag', () => {
    const one = `<users><user huge="${'v'.repeat(2_000_000)}"><primary_id>u1</primary_id></user></users>`;
    expect(throughCore(one).problems.some((p) => p.code === 'unknown-attribute')).toBe(true);
    const many = `<users><user${Array.from({ length: 20_000 }, (_, i) => ` a${i}="${i}"`).join('')}><primary_id>u1</primary_id></user></users>`;
    const { doc } = throughCore(many);
    expect(doc.users[0].element.attributes).toHaveLength(20_000);
  });

  it('repeated attribute names are reported the same way on short and on very long tags', () => {
    for (const filler of [0, 40]) {
      const pad = Array.from({ length: filler }, (_, i) => ` f${i}="1"`).join('');
      const text = `<users><user${pad} a="1" b="2" a="3" a="4"><primary_id>u1</primary_id></user></users>`;
      const u = readSisDocument(text).users[0];
      const twice = u.problems.filter((p) => /appears twice/.test(p.message));
      // The second `a` repeats one earlier `a`, the third repeats two.
      expect(twice.map((p) => text.slice(u.start + p.start, u.start + p.end))).toEqual(['a', 'a', 'a']);
      expect(twice.map((p) => p.start)).toEqual([twice[0].start, twice[1].start, twice[1].start]);
    }
  });
});

describe('encodings and markup inside users', () => {
  const text = users('Doe');

  function utf16(s: string, be: boolean, bom: boolean): Uint8Array {
    const units = (bom ? '\ufeff' : '') + s;
    const out = new Uint8Array(units.length * 2);
    for (let i = 0; i < units.length; i++) {
      const u = units.charCodeAt(i);
      out[2 * i] = be ? u >> 8 : u & 0xff;
      out[2 * i + 1] = be ? u & 0xff : u >> 8;
    }
    return out;
  }

  it('UTF-16 with and without byte-order mark: one `unsupported-encoding` error, and the file is still read', async () => {
    for (const be of [false, true]) {
      for (const bom of [false, true]) {
        const bytes = utf16(text.replace('<?xml version="1.0" encoding="UTF-8"?>\n', ''), be, bom);
        const decoded = await decodeAll((async function* () { yield bytes; })());
        expect(decoded.problems.map((p) => p.code), `be=${be} bom=${bom}`).toEqual(['unsupported-encoding']);
        expect(readSisDocument(decoded.text).users).toHaveLength(1);
      }
    }
  });

  it('invalid UTF-8 is reported on the replacement character, per bad sequence', async () => {
    const enc = new TextEncoder().encode(text);
    const at = text.indexOf('Doe');
    const bytes = new Uint8Array([...enc.slice(0, at), 0xe9, ...enc.slice(at, at + 1), 0xc0, 0xaf, ...enc.slice(at + 1)]);
    const decoded = await decodeAll((async function* () { yield bytes; })());
    const bad = decoded.problems.filter((p) => p.code === 'invalid-utf8');
    expect(bad.length).toBeGreaterThanOrEqual(2);
    for (const p of bad) expect(decoded.text[p.start]).toBe('\ufffd');
  });

  it('comments, CDATA and processing instructions inside a user: CDATA is text, the others are skipped', () => {
    const t = `<users><user><!-- c --><primary_id><![CDATA[a<b]]></primary_id><?pi x?><last_name>L<!-- inside -->N</last_name></user></users>`;
    const { doc } = throughCore(t);
    const names = doc.users[0].element.children.map((c) => [c.name, c.text]);
    expect(names).toEqual([
      ['primary_id', 'a<b'],
      ['last_name', 'LN'],
    ]);
  });

  it('CR, CRLF and LF mixed: positions stay inside, values are normalised to LF', () => {
    const t = '<users>\r<user>\r\n<primary_id>a</primary_id>\n<last_name>x\r\ny\rz</last_name>\r</user>\n</users>';
    const { doc } = throughCore(t);
    expect(doc.users[0].element.children[1].text).toBe('x\ny\nz');
  });
});
