/**
 * A plan is something to review and then apply exactly: `plan --out` records the SHA-256 of
 * its snapshot and files, its settings and its day; `apply --plan` refuses when any input
 * changed (exit 2, nothing written) and otherwise writes the snapshot the plan describes.
 * `--detailed-exitcode` tells "nothing to do" (0) from "look at this" (2) and errors (1).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO, ensureBuilt, run } from './helpers';

let dir: string;
const f = (name: string) => path.join(dir, name);
const read = (name: string) => fs.readFileSync(f(name), 'utf8');

beforeAll(() => ensureBuilt());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-plan-out-'));
  for (const name of ['users.xml', 'users.alma-snapshot.json']) fs.copyFileSync(path.join(REPO, 'example', name), f(name));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('plan --out and apply --plan', () => {
  it('records the digests, settings and day, and apply --plan writes the snapshot that plain apply writes', () => {
    const planned = run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'plan.json', '--empty-protected', 'keep'], { cwd: dir });
    expect(planned.code).toBe(1); // the example has rejected users
    expect(planned.stderr).toContain('alma-sis apply --plan plan.json');
    const artifact = JSON.parse(read('plan.json'));
    expect(artifact.format).toBe('alma-sis-plan');
    expect(artifact.inputs.files).toEqual([{ path: 'users.xml', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(artifact.inputs.snapshot.path).toBe('users.alma-snapshot.json');
    expect(artifact.inputs.settings.emptyProtectedField).toBe('keep');
    expect(artifact.inputs.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The same plan document as --format json, with its inputs.
    const json = JSON.parse(run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--format', 'json', '--empty-protected', 'keep'], { cwd: dir }).stdout);
    expect(artifact.users).toEqual(json.users);

    const direct = run(['apply', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'direct.alma-snapshot.json', '--empty-protected', 'keep'], { cwd: dir });
    expect(direct.code).toBe(1);
    // Applied from another folder: the plan's paths count from the plan's own folder.
    const applied = run(['apply', '--plan', f('plan.json'), '--out', f('applied.alma-snapshot.json')], { cwd: os.tmpdir() });
    expect(applied.stderr).not.toMatch(/nothing written/);
    expect(applied.code).toBe(1);
    expect(read('applied.alma-snapshot.json')).toBe(read('direct.alma-snapshot.json'));
  });

  it('refuses a plan whose SIS file or snapshot changed since, naming the file; nothing is written', () => {
    expect(run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'plan.json'], { cwd: dir }).code).toBe(1);
    const snapshotBefore = read('users.alma-snapshot.json');
    fs.appendFileSync(f('users.xml'), '\n<!-- edited after the review -->\n');
    const stale = run(['apply', '--plan', 'plan.json'], { cwd: dir });
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain(`${f('users.xml')} changed since the plan was made`);
    expect(stale.stderr).toMatch(/nothing written/);
    expect(read('users.alma-snapshot.json')).toBe(snapshotBefore);
    expect(fs.existsSync(f('users.alma-snapshot.json.bak'))).toBe(false);

    expect(run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'plan.json'], { cwd: dir }).code).toBe(1);
    fs.writeFileSync(f('users.alma-snapshot.json'), snapshotBefore.replace('"users"', '"users" '));
    const staleSnapshot = run(['apply', '--plan', 'plan.json'], { cwd: dir });
    expect(staleSnapshot.code).toBe(2);
    expect(staleSnapshot.stderr).toContain(`${f('users.alma-snapshot.json')} changed since the plan was made`);
  });

  it('refuses a plan that was edited (the outcome recorded is not what the plan gives)', () => {
    run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'plan.json'], { cwd: dir });
    const artifact = JSON.parse(read('plan.json'));
    const rejected = artifact.users.find((u: { outcome: string }) => u.outcome === 'rejected');
    rejected.outcome = 'created';
    fs.writeFileSync(f('plan.json'), JSON.stringify(artifact));
    const r = run(['apply', '--plan', 'plan.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not give the outcome it records/);
  });

  it('refuses what it cannot check: standard input, a file that is not a plan, FILE beside --plan', () => {
    const stdin = run(['plan', '-', '--snapshot', 'users.alma-snapshot.json', '--out', 'plan.json'], { cwd: dir, input: read('users.xml') });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/standard input/);
    fs.writeFileSync(f('not-a-plan.json'), '{"format": "alma-sis-plan", "version": 1, "users": []}');
    expect(run(['apply', '--plan', 'not-a-plan.json'], { cwd: dir }).stderr).toMatch(/holds no "inputs"/);
    expect(run(['apply', 'users.xml', '--plan', 'not-a-plan.json'], { cwd: dir }).code).toBe(2);
    // --out never overwrites a file that is not a plan.
    expect(run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--out', 'users.xml'], { cwd: dir }).stderr).toMatch(/refusing to overwrite/);
  });
});

describe('--detailed-exitcode', () => {
  const clean = (ids: string[]) => `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n${ids.map((id) => `  <user><primary_id>${id}</primary_id><first_name>A</first_name><last_name>B</last_name><user_group>UG</user_group></user>\n`).join('')}</users>\n`;

  it('is 2 when users would change, 0 when nothing would, 1 on errors', () => {
    fs.writeFileSync(f('new.xml'), clean(['zed']));
    fs.writeFileSync(f('empty.alma-snapshot.json'), JSON.stringify({ format: 'alma-sis-snapshot', version: 1, users: [] }));
    expect(run(['plan', 'new.xml', '--snapshot', 'empty.alma-snapshot.json', '--detailed-exitcode'], { cwd: dir }).code).toBe(2);
    expect(run(['plan', 'new.xml', '--snapshot', 'empty.alma-snapshot.json'], { cwd: dir }).code).toBe(0);
    // Applied, the same file changes nothing any more.
    expect(run(['apply', 'new.xml', '--snapshot', 'empty.alma-snapshot.json', '--detailed-exitcode'], { cwd: dir }).code).toBe(2);
    expect(run(['plan', 'new.xml', '--snapshot', 'empty.alma-snapshot.json', '--detailed-exitcode'], { cwd: dir }).code).toBe(0);
    // The example has rejected users: errors.
    expect(run(['plan', 'users.xml', '--snapshot', 'users.alma-snapshot.json', '--detailed-exitcode'], { cwd: dir }).code).toBe(1);
    // Bad usage is an error too (2 would read as "changes").
    expect(run(['plan', 'missing.xml', '--snapshot', 'empty.alma-snapshot.json', '--detailed-exitcode'], { cwd: dir }).code).toBe(1);
  });
});
