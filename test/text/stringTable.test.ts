import { describe, expect, it } from 'vitest';
import { Float64List, hashString, Int32List, StringNumberLists, StringNumberTable } from '../../shared/src/text/stringTable';

describe('StringNumberTable', () => {
  it('answers as a Map does, through growth, collisions and any UTF-16 text', () => {
    const table = new StringNumberTable();
    const map = new Map<string, number>();
    // Enough keys for several rehashes; short, long, empty, non-ASCII and surrogate pairs.
    const keys: string[] = ['', 'a', 'A', 'Ab', 'bA', 'nguyễn', '😀x', 'x'.repeat(5000)];
    for (let i = 0; i < 20_000; i++) keys.push(`b${i.toString(36)}`, String(i * 7919));
    keys.forEach((k, i) => {
      table.set(k, i * 2 ** 27 + 3);
      map.set(k, i * 2 ** 27 + 3);
    });
    // Replacing a value keeps one entry.
    table.set('a', 42);
    map.set('a', 42);
    expect(table.size).toBe(map.size);
    for (const [k, v] of map) expect(table.get(k)).toBe(v);
    for (const k of ['B', 'ab', 'nguyen', 'x'.repeat(4999), 'b-1', '😀']) expect(table.get(k)).toBeUndefined();
  });

  it('tells apart keys whose hashes are equal', () => {
    // Known FNV-1a collisions.
    expect(hashString('costarring')).toBe(hashString('liquid'));
    expect(hashString('declinate')).toBe(hashString('macallums'));
    const table = new StringNumberTable();
    table.set('costarring', 1);
    expect(table.get('liquid')).toBeUndefined();
    table.set('liquid', 2);
    table.set('declinate', 3);
    expect([table.get('costarring'), table.get('liquid'), table.get('declinate'), table.get('macallums')]).toEqual([1, 2, 3, undefined]);
  });
});

describe('Int32List and Float64List', () => {
  it('keep what is pushed, past their first capacity', () => {
    const ints = new Int32List();
    const floats = new Float64List();
    for (let i = 0; i < 5000; i++) {
      ints.push(-i);
      floats.push(i * 2 ** 33);
    }
    expect([ints.length, ints.at(0), ints.at(4999), floats.at(4999)]).toEqual([5000, 0, -4999, 4999 * 2 ** 33]);
  });
});

describe('StringNumberTable entries', () => {
  it('gives each key one entry number, Latin-1 and wider keys alike', () => {
    const table = new StringNumberTable();
    const a = table.set('b1', 1);
    const wide = table.set('ид-7', 2);
    const empty = table.set('', 3);
    expect(new Set([a, wide, empty]).size).toBe(3);
    expect([table.entryOf('b1'), table.entryOf('ид-7'), table.entryOf(''), table.entryOf('ид-8')]).toEqual([a, wide, empty, -1]);
    expect(table.set('ид-7', 5)).toBe(wide);
    expect(table.valueAt(wide)).toBe(5);
  });
});

describe('StringNumberTable keys', () => {
  it('gives back every key and number in the order added; addIfAbsent keeps the first number', () => {
    const table = new StringNumberTable();
    const keys = ['b1', '', 'ид-7', 'nguyễn', '😀x', 'x'.repeat(300)];
    keys.forEach((k, i) => expect(table.addIfAbsent(k, i)).toBe(-1));
    expect(table.addIfAbsent('ид-7', 99)).toBe(2);
    expect(table.addIfAbsent('b1', 99)).toBe(0);
    expect([...table]).toEqual(keys.map((k, i) => [k, i]));
    expect([table.has(''), table.has('B1'), table.keyAt(4)]).toEqual([true, false, '😀x']);
  });
});

describe('StringNumberLists', () => {
  it('answers as a Map of lists does, through growth and for keys with several numbers', () => {
    const lists = new StringNumberLists();
    const map = new Map<string, number[]>();
    const add = (k: string, n: number) => {
      lists.push(k, n);
      const l = map.get(k);
      if (l) l.push(n);
      else map.set(k, [n]);
    };
    for (let i = 0; i < 30_000; i++) {
      add(`v${i}`, i);
      if (i % 7 === 0) add(`v${i >> 1}`, i); // some keys get a second and third number
    }
    add('ид-7', 1);
    add('ид-7', 2);
    add('', 3);
    expect(lists.size).toBe(map.size);
    for (const [k, v] of map) expect(lists.get(k)).toEqual(v);
    expect([lists.get('v-1'), lists.has('v-1'), lists.has('ид-7')]).toEqual([undefined, false, true]);
    expect([...lists]).toEqual([...map]);
  });
});
