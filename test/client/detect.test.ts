import { describe, expect, it } from 'vitest';
import { isSisXml, rootElementName } from '../../shared/src/sis/detect';
import { RestartPolicy } from '../../client/src/restartPolicy';

describe('SIS file detection by root element', () => {
  it.each([
    ['<?xml version="1.0" encoding="UTF-8"?>\n<users>\n<user>', 'users'],
    ['\uFEFF<?xml version="1.0"?><userRecords><user>', 'userRecords'],
    ['<!-- export of 2024-05-01 -->\n<?xml-stylesheet href="x"?>\n<users total_record_count="2">', 'users'],
    ['<!DOCTYPE users [ <!ENTITY a "b"> ]>\n<users/>', 'users'],
    ['  \r\n\t<users>', 'users'],
    ['<users', 'users'],
    ['<project xmlns="http://maven.apache.org/POM/4.0.0">', 'project'],
    ['<x:users xmlns:x="urn:a">', 'x:users'],
  ])('reads the root of %j', (head, root) => {
    expect(rootElementName(head)).toBe(root);
  });

  it('claims only <users> and <userRecords> roots', () => {
    expect(isSisXml('<?xml version="1.0"?>\n<users>')).toBe(true);
    expect(isSisXml('<userRecords>')).toBe(true);
    expect(isSisXml('<user>')).toBe(false);
    expect(isSisXml('<usersList>')).toBe(false);
    expect(isSisXml('<project>')).toBe(false);
    expect(isSisXml('<x:users xmlns:x="urn:a">')).toBe(false);
    expect(isSisXml('<Users>')).toBe(false);
  });

  it('gives up on heads it cannot read to the root, instead of guessing', () => {
    expect(rootElementName('')).toBeUndefined();
    expect(rootElementName('<?xml version="1.0"')).toBeUndefined();
    expect(rootElementName('<!-- never closed <users>')).toBeUndefined();
    expect(rootElementName('hello <users>')).toBeUndefined();
    expect(rootElementName('{"users": []}')).toBeUndefined();
  });
});

describe('language server restart policy', () => {
  it('restarts and tells the user once, then gives up after repeated crashes in a short time', () => {
    const p = new RestartPolicy(3, 60_000);
    expect(p.onCrash(0)).toEqual({ restart: true, notify: 'restarted' });
    expect(p.onCrash(1_000)).toEqual({ restart: true, notify: undefined });
    expect(p.onCrash(2_000)).toEqual({ restart: false, notify: 'gave-up' });
    // no more messages and no more restarts once given up
    expect(p.onCrash(3_000)).toEqual({ restart: false, notify: undefined });
    p.reset();
    expect(p.onCrash(4_000)).toEqual({ restart: true, notify: undefined });
  });

  it('forgets crashes that are older than the window', () => {
    const p = new RestartPolicy(3, 60_000);
    p.onCrash(0);
    p.onCrash(10_000);
    expect(p.onCrash(200_000).restart).toBe(true);
    expect(p.onCrash(210_000).restart).toBe(true);
    expect(p.onCrash(220_000).restart).toBe(false);
  });
});
