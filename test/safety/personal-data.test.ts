/**
 * Personal data (issue 8): at the default log level the language server writes no field value
 * anywhere but its answers. A full session on the example workspace (every feature at every
 * element, edits, a snapshot change on disk) is run against the built server; its stderr and
 * every `window/logMessage`, `window/showMessage` and `$/logTrace` are searched for the
 * example's names and identifiers, read from the example files themselves. Skipped when
 * `dist/server.js` is not built or `example/` is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSisDocument } from '../../shared/src/sis/read';
import type { XmlElement } from '../../shared/src/xml/types';
import { EXAMPLE, exampleSession, SERVER } from './session';

const HAVE = fs.existsSync(SERVER) && fs.existsSync(path.join(EXAMPLE, 'users.xml'));
if (!HAVE) console.warn('personal-data test skipped: dist/server.js not built (npm run build) or example/users.xml missing');

/** Fields that name or identify a person. */
const PERSONAL = new Set([
  'primary_id', 'first_name', 'middle_name', 'last_name', 'pref_first_name', 'pref_middle_name', 'pref_last_name', 'full_name',
  'email_address', 'phone_number', 'value', 'line1', 'line2', 'birth_date', 'pin_number', 'job_description',
]);

/** Names and identifiers in the example's SIS files and snapshot (3 characters or more). */
function personalValues(): string[] {
  const found = new Set<string>();
  for (const name of fs.readdirSync(EXAMPLE)) {
    const file = path.join(EXAMPLE, name);
    if (name.endsWith('.xml')) {
      const stack: XmlElement[] = readSisDocument(fs.readFileSync(file, 'utf8')).users.map((u) => u.element);
      while (stack.length) {
        const e = stack.pop()!;
        if (PERSONAL.has(e.name) && e.children.length === 0) found.add(e.text.trim());
        stack.push(...e.children);
      }
    } else if (name.endsWith('.alma-snapshot.json')) {
      const walk = (v: unknown, key: string) => {
        if (typeof v === 'string' && PERSONAL.has(key)) found.add(v.trim());
        else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
      };
      walk(JSON.parse(fs.readFileSync(file, 'utf8')), '');
    }
  }
  // Short values ("en", "1") would match ordinary words; booleans are not personal.
  return [...found].filter((v) => v.length >= 3 && !/^(true|false)$/i.test(v));
}

describe.skipIf(!HAVE)('no personal data in the language server log', { timeout: 300_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-pii-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a full session on the example writes none of its names and identifiers to stderr or the log', async () => {
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    const values = personalValues();
    expect(values.length).toBeGreaterThan(20);
    const { server, answered } = await exampleSession(dir);
    // The session really ran: hovers, lenses and symbols were answered.
    for (const m of ['textDocument/hover', 'textDocument/codeLens', 'textDocument/documentSymbol']) expect(answered.get(m) ?? 0, m).toBeGreaterThan(0);
    const log = [...server.logs.map((l) => l.message), server.stderr()].join('\n');
    // The session really ran: diagnostics were published (which do quote values: they are answers).
    expect(server.diagnostics.size).toBeGreaterThan(0);
    await server.dispose();
    const leaked = values.filter((v) => log.includes(v));
    console.log(
      `personal data: ${values.length} names and identifiers looked for in ${server.logs.length} log messages and ${server.stderr().length} bytes of stderr ` +
        `after ${[...answered].map(([m, n]) => `${n} ${m.replace('textDocument/', '')}`).join(', ')}; found ${leaked.length}`,
    );
    expect(leaked).toEqual([]);
  });

  it('the search would find a value that was logged (the check can fail)', () => {
    const values = personalValues();
    const sample = `Hover failed for user ${values[0]}`;
    expect(values.filter((v) => sample.includes(v)).length).toBeGreaterThan(0);
  });
});
