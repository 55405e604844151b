import { describe, expect, it } from 'vitest';
import { dateKey, fixDate, isXsdBoolean, isXsdDate, isXsdDateTime, isXsdFloat, isXsdInt, isXsdLong } from '../../shared/src/validate/values';

// Verdicts below were checked with xmllint 2.9.14 against rest_users.xsd.
describe('xs:date as libxml2 reads it', () => {
  it.each(['2024-01-05', '2024-01-05Z', '2024-01-05+14:00', '2024-01-05-00:00', '2000-02-29', '12024-01-05', '-2024-01-05'])('accepts %j', (s) => {
    expect(isXsdDate(s)).toBe(true);
  });
  it.each(['', ' 2024-01-05', '2024-01-05 ', '2024-1-5', '2024-13-01', '2024-02-30', '2023-02-29', '1900-02-29', '0000-01-01',
    '02024-01-05', '2024-01-05+14:01', '2024-01-05+1:00', '2024-01-05T00:00:00', '2024-01-05z', '24-01-05', 'TRUE'])('rejects %j', (s) => {
    expect(isXsdDate(s)).toBe(false);
  });
});

describe('xs:dateTime', () => {
  it.each(['2019-12-18T14:36:48.659Z', '2019-12-18T14:36:48', '2019-12-18T14:36:48+01:00', '2024-01-01T24:00:00Z', '2024-01-01T24:00:00.000'])('accepts %j', (s) => {
    expect(isXsdDateTime(s)).toBe(true);
  });
  it.each(['2019-12-18', '2019-12-18T24:00:01', '2019-12-18T10:00:00.', '2019-12-18T25:00:00Z', ' 2019-12-18T14:36:48Z', '2019-12-18T14:36', '2019-12-18T14:60:00'])('rejects %j', (s) => {
    expect(isXsdDateTime(s)).toBe(false);
  });
});

describe('xs:boolean, xs:int, xs:long, xs:float', () => {
  it('booleans are true/false/1/0 only', () => {
    for (const ok of ['true', 'false', '1', '0']) expect(isXsdBoolean(ok)).toBe(true);
    for (const bad of ['TRUE', 'True', 'yes', '', '2', ' true']) expect(isXsdBoolean(bad)).toBe(false);
  });
  it('int range and lexical form (no spaces: libxml2 rejects " 5 ")', () => {
    expect(isXsdInt('0012')).toBe(true);
    expect(isXsdInt('-0')).toBe(true);
    expect(isXsdInt('+5')).toBe(true);
    expect(isXsdInt('2147483647')).toBe(true);
    expect(isXsdInt('-2147483648')).toBe(true);
    expect(isXsdInt('2147483648')).toBe(false);
    expect(isXsdInt(' 5 ')).toBe(false);
    expect(isXsdInt('1.0')).toBe(false);
    expect(isXsdInt('')).toBe(false);
    expect(isXsdInt('+')).toBe(false);
    expect(isXsdLong('9223372036854775807')).toBe(true);
    expect(isXsdLong('9223372036854775808')).toBe(false);
  });
  it('floats', () => {
    for (const ok of ['1.5e3', '1.', '.5', 'INF', '-INF', 'NaN', '-1', '+2E-3']) expect(isXsdFloat(ok)).toBe(true);
    for (const bad of ['', '.', 'e5', '1e', 'inf', '1,5', '--1']) expect(isXsdFloat(bad)).toBe(false);
  });
});

describe('fixDate', () => {
  it.each([
    ['2024-1-5', '2024-01-05'],
    ['2024/01/05', '2024-01-05'],
    ['2024.1.5', '2024-01-05'],
    ['20240105', '2024-01-05'],
    ['2024-01-05T10:00:00Z', '2024-01-05Z'],
    ['2024-01-05T10:00:00', '2024-01-05'],
    ['2024-1-5Z', '2024-01-05Z'],
    ['2024-01-05 Z', '2024-01-05Z'],
  ])('%j → %j', (input, out) => {
    expect(fixDate(input)).toBe(out);
  });
  it.each(['01/02/2024', '2024-13-01', '2024-02-30', 'soon', '', '2024-01-05'])('no guess for %j', (input) => {
    expect(fixDate(input)).toBeUndefined();
  });
  it('dateKey drops the time zone', () => {
    expect(dateKey('2024-01-05Z')).toBe('2024-01-05');
    expect(dateKey('2024-01-05+02:00')).toBe('2024-01-05');
    expect(dateKey('12024-01-05')).toBeUndefined();
  });
});
