import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderedTextSpool } from '../../server/src/io/spool';

const parent = mkdtempSync(join(tmpdir(), 'spool-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

async function collect(spool: OrderedTextSpool): Promise<string> {
  const parts: string[] = [];
  await spool.writeTo((t) => parts.push(t), async () => undefined);
  return parts.join('');
}

describe('OrderedTextSpool', () => {
  it('gives the texts back in position order, whatever order they came in', async () => {
    const spool = new OrderedTextSpool(1 << 20, parent);
    for (const i of [2, 0, 3, 1, 5, 4]) spool.put(i, `user ${i}\n`);
    expect(await collect(spool)).toBe('user 0\nuser 1\nuser 2\nuser 3\nuser 4\nuser 5\n');
    expect(spool.spilled).toBe(false);
  });

  it('skips positions never given and empty texts', async () => {
    const spool = new OrderedTextSpool(1 << 20, parent);
    spool.put(0, 'a');
    spool.put(1, '');
    spool.put(4, 'e');
    spool.put(3, 'd');
    expect(await collect(spool)).toBe('ad' + 'e');
  });

  it('beyond its memory limit writes to a private file, reads it back whole (characters split across reads included) and removes it', async () => {
    const spool = new OrderedTextSpool(1000, parent);
    // 2.4 MB of two-byte characters: read back in 1 MB pieces, some split inside a character.
    const line = (i: number) => `${i} é ü — ${'ß'.repeat(100)}\n`;
    const n = 10_000;
    const order = Array.from({ length: n }, (_, i) => i);
    // Some out of order: a block of users planned again at the end.
    order.push(...order.splice(100, 50));
    for (const i of order) spool.put(i, line(i));
    expect(spool.spilled).toBe(true);
    const [dir] = readdirSync(parent).filter((d) => d.startsWith('alma-sis-spool-'));
    expect(statSync(join(parent, dir, 'text')).mode & 0o777).toBe(0o600);
    const text = await collect(spool);
    expect(text).toBe(Array.from({ length: n }, (_, i) => line(i)).join(''));
    expect(readdirSync(parent).filter((d) => d.startsWith('alma-sis-spool-'))).toEqual([]);
  });

  it('close removes the file of a plan that failed half-way', () => {
    const spool = new OrderedTextSpool(10, parent);
    for (let i = 0; i < 100; i++) spool.put(i, 'personal data\n');
    expect(spool.spilled).toBe(true);
    spool.close();
    spool.close();
    expect(readdirSync(parent).filter((d) => d.startsWith('alma-sis-spool-'))).toEqual([]);
  });
});
