/**
 * Messages quote Alma's own wording where institutions have reported it (California State
 * University ULMS, patron load issues; CARLI, "SIS Synchronization Troubleshooting").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSisDocument } from '../../shared/src/sis/read';
import { validateDocument } from '../../shared/src/validate';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'validate', name, 'input.xml'), 'utf8');
const messages = (name: string, code: string) =>
  validateDocument(readSisDocument(fixture(name)), { today: '2026-06-01' }).filter((p) => p.code === code).map((p) => p.message);

describe("Alma's wording", () => {
  it('for empty identifier values and statistical categories', () => {
    const m = messages('mandatory-value-missing-lenient', 'mandatory-value-missing');
    expect(m.some((x) => x.includes('"Mandatory field is missing: User identifier value"'))).toBe(true);
    expect(m.some((x) => x.includes('"User Rejected: missing a mandatory field: statistical category"'))).toBe(true);
  });

  it('for identifiers repeated in the feed, naming type and value', () => {
    const [m] = messages('duplicates-across-users', 'duplicate-identifier');
    expect(m).toContain('Identifier of type BARCODE and value b0001 is already taken AcrossInstitution in this feed');
    const [inUser] = messages('duplicate-identifier-in-user', 'duplicate-identifier-in-user');
    expect(inUser).toContain('already taken AcrossInstitution in this feed');
  });

  it('suggests the fix it carries in data', () => {
    expect(messages('invalid-date-lenient', 'invalid-date')[0]).toContain('did you mean 2024-01-05?');
    expect(messages('unknown-element-lenient', 'unknown-element')[0]).toContain('did you mean <record_type>?');
  });
});
