/**
 * One folder per case under test/fixtures/validate/<case>/: `input.xml`, `expected.json` and
 * optionally `code-tables.json`. `expected.json` holds the settings of the case and EVERY
 * problem the validator must report (code, severity, 1-based line:column of the range start, the
 * exact text the range covers, and the quick-fix data); nothing more, nothing less.
 *
 * Adding a case means adding files. To write `problems` of a new case from the current output
 * (then review it by eye!), run `UPDATE_VALIDATE_FIXTURES=1 npx vitest run test/validate/fixtures.test.ts`.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { LineIndex } from '../../shared/src/text/lines';
import { parseCodeTables, validateDocument } from '../../shared/src/validate';

const root = join(__dirname, '..', 'fixtures', 'validate');
const update = process.env.UPDATE_VALIDATE_FIXTURES === '1';

interface Expected {
  description?: string;
  settings?: Record<string, unknown>;
  today?: string;
  problems?: ExpectedProblem[];
}
interface ExpectedProblem {
  code: string;
  severity: string;
  at: string;
  text: string;
  data?: Record<string, unknown>;
}

const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('validation fixtures', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  for (const name of cases) {
    it(name, () => {
      const dir = join(root, name);
      const input = readFileSync(join(dir, 'input.xml'), 'utf8');
      const expectedPath = join(dir, 'expected.json');
      const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected;
      const { settings, problems: settingProblems } = settingsFrom(expected.settings ?? {});
      expect(settingProblems).toEqual([]);
      let codeTables;
      if (existsSync(join(dir, 'code-tables.json'))) {
        const parsed = parseCodeTables(JSON.parse(readFileSync(join(dir, 'code-tables.json'), 'utf8')));
        expect(parsed.problems).toEqual([]);
        codeTables = parsed.tables;
      }
      const doc = readSisDocument(input);
      const lines = new LineIndex(input);
      const actual: ExpectedProblem[] = validateDocument(doc, { settings, codeTables, today: expected.today ?? '2026-06-01' }).map((p) => {
        const pos = lines.positionAt(p.start);
        const out: ExpectedProblem = { code: p.code, severity: p.severity, at: `${pos.line + 1}:${pos.character + 1}`, text: input.slice(p.start, p.end) };
        if (p.data) out.data = { ...p.data };
        return out;
      });
      if (update) {
        writeFileSync(expectedPath, JSON.stringify({ ...expected, problems: actual }, null, 2) + '\n');
        return;
      }
      expect(actual).toEqual(expected.problems ?? []);
    });
  }
});
