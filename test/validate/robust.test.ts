/** Bad input of any kind gives diagnostics, never an exception, and ranges stay inside the text. */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../shared/src/diagnostics';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { validateDocument } from '../../shared/src/validate';

const valid = readFileSync(join(__dirname, '..', 'fixtures', 'validate', 'valid-strict', 'input.xml'), 'utf8');
const READER_CODES = new Set(['not-well-formed', 'bom', 'content-before-prolog', 'invalid-utf8', 'unsupported-encoding', 'doctype']);
const modes = [settingsFrom({ validation: 'lenient' }).settings, settingsFrom({ validation: 'strict', matchBy: 'BARCODE' }).settings];

function check(text: string) {
  for (const settings of modes) {
    const problems = validateDocument(readSisDocument(text), { settings, today: '2026-01-01' });
    for (const p of problems) {
      expect(p.code in DIAGNOSTIC_CODES).toBe(true);
      expect(p.start).toBeGreaterThanOrEqual(0);
      expect(p.end).toBeGreaterThanOrEqual(p.start);
      // The reader gives problems at the end of the file a one-character range just past it.
      expect(p.end).toBeLessThanOrEqual(READER_CODES.has(p.code) ? text.length + 1 : text.length);
    }
    for (let i = 1; i < problems.length; i++) expect(problems[i].start).toBeGreaterThanOrEqual(problems[i - 1].start);
  }
}

const pieces = ['<user>', '</user>', '<users>', '</users>', '<primary_id>', '</primary_id>', '<contact_info>', '<emails>', '<email preferred="TRUE">',
  '<email_address>', '</email_address>', '<user_identifiers>', '<user_identifier>', '<value>', '</value>', '<id_type>X</id_type>', '<birth_date>',
  '</birth_date>', '2024-1-5', ' ', '\n', '&amp;', '&bogus;', '<![CDATA[x]]>', '<!-- c -->', '<x:user>', 'xmlns="u"', '<?xml version="1.0"?>', '\u00e9', '\ud83d\ude00', '<'];

describe('validation never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => check(s)), { numRuns: 300 });
  });

  it('on soups of SIS-ish markup', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 80 }), (parts) => check(parts.join(''))), { numRuns: 300 });
  });

  it('on a valid file cut or spliced anywhere', () => {
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.constantFrom(...pieces), (a, b, ins) => {
        const [s, e] = a <= b ? [a, b] : [b, a];
        check(valid.slice(0, s) + ins + valid.slice(e));
        check(valid.slice(0, s));
      }),
      { numRuns: 300 },
    );
  });
});
