/**
 * docs/diagnostics.md lists every code of `DIAGNOSTIC_CODES` with whether a repeated finding
 * of it is grouped (`GROUPED_CODES`) and its one-line meaning, generated from the catalogue. Regenerate with
 * `UPDATE_README_CODES=1 npx vitest run test/validate/readme.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GROUPED_CODES } from '../../shared/src/analysis/grouping';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../../shared/src/diagnostics';

const readmePath = join(__dirname, '..', '..', 'docs', 'diagnostics.md');
const START = '<!-- codes:start -->';
const END = '<!-- codes:end -->';

function table(): string {
  return Object.entries(DIAGNOSTIC_CODES)
    .map(([code, info]) => `| \`${code}\` | ${GROUPED_CODES.has(code as DiagnosticCode) ? 'grouped' : 'each'} | ${info.summary.replace(/\|/g, '\\|')} |`)
    .join('\n');
}

describe('docs/diagnostics.md codes table', () => {
  it('lists every diagnostic code with its meaning', () => {
    let readme = readFileSync(readmePath, 'utf8');
    const i = readme.indexOf(START);
    const j = readme.indexOf(END);
    expect(i, 'docs/diagnostics.md lacks the codes table markers').toBeGreaterThan(0);
    expect(j).toBeGreaterThan(i);
    if (process.env.UPDATE_README_CODES === '1') {
      readme = readme.slice(0, i + START.length) + '\n' + table() + '\n' + readme.slice(j);
      writeFileSync(readmePath, readme);
    }
    const section = readme.slice(i + START.length, readme.indexOf(END));
    const listed = [...section.matchAll(/^\| `([a-z0-9-]+)` \| (grouped|each) \| (.+) \|$/gm)].map((m) => m[1]);
    expect(listed).toEqual(Object.keys(DIAGNOSTIC_CODES));
    expect(section.trim()).toBe(table());
  });
});
