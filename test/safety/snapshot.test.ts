/**
 * Snapshot safety (issue 8): a corrupt or truncated snapshot gives a clear error that names the
 * place (file:line and JSON path) and is never overwritten; writes go through a temporary file
 * renamed over the target, so a process killed mid-write leaves the old snapshot or the new one,
 * never a partial one; the previous snapshot is kept as `.bak`.
 *
 * Runs the built command line (`dist/cli.js`; skipped when not built) and, for the kill test, a
 * small child bundled from `fixtures/writer.ts` around the same writer.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../shared/src/snapshot/snapshot';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const EXAMPLE = path.join(REPO, 'example');
const HAVE = fs.existsSync(CLI) && fs.existsSync(path.join(EXAMPLE, 'users.xml')) && fs.existsSync(path.join(EXAMPLE, 'users.alma-snapshot.json'));
if (!HAVE) console.warn('snapshot safety tests skipped: dist/cli.js not built (npm run build) or example/ missing');

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-safety-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Everything in the folder with its bytes, to show nothing was written, renamed or left behind. */
function folder(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of fs.readdirSync(d).sort()) out[n] = fs.readFileSync(path.join(d, n), 'latin1');
  return out;
}

describe.skipIf(!HAVE)('a snapshot that cannot be read is reported where it breaks and never overwritten', () => {
  const good = () => fs.readFileSync(path.join(EXAMPLE, 'users.alma-snapshot.json'), 'utf8');

  const cases: { name: string; text: () => string | Buffer; where: RegExp }[] = [
    { name: 'truncated in the middle', text: () => good().slice(0, Math.floor(good().length / 2)), where: /snap\.json:\d+: error: .*(JSON|ends)/ },
    { name: 'truncated after one byte', text: () => good().slice(0, 1), where: /snap\.json:\d+: error:/ },
    { name: 'empty', text: () => '', where: /snap\.json(:\d+)?: error:/ },
    {
      name: 'a trailing comma on line 2',
      text: () => '{"format":"alma-sis-snapshot","version":1,"users":[{"user":{"primary_id":"a"}},\n{"user": {"primary_id": "b",}}]}',
      where: /snap\.json:2: error: Not valid JSON/,
    },
    { name: 'another format', text: () => '{"format":"something-else","version":1,"users":[]}', where: /snap\.json:1: error: .*format.*\(at \$\.format\)/ },
    // The line is that of the enclosing object (1), the JSON path names the key.
    { name: 'users not a list', text: () => '{"format":"alma-sis-snapshot","version":1,\n"users": {"a": 1}}', where: /snap\.json:\d+: error: .*list.*\(at \$\.users\)/ },
    { name: 'not UTF-8', text: () => Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]), where: /snap\.json.*not UTF-8/ },
  ];

  for (const c of cases) {
    it(`${c.name}: plan and apply stop with exit 2, name the place, and touch nothing`, () => {
      const d = fs.mkdtempSync(path.join(dir, 'corrupt-'));
      fs.copyFileSync(path.join(EXAMPLE, 'users.xml'), path.join(d, 'users.xml'));
      fs.writeFileSync(path.join(d, 'snap.json'), c.text());
      const before = folder(d);
      for (const args of [
        ['plan', 'users.xml', '--snapshot', 'snap.json'],
        ['apply', 'users.xml', '--snapshot', 'snap.json'],
      ]) {
        const r = cli(args, d);
        expect(r.status, `${args[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(c.where);
        expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
        expect(folder(d)).toEqual(before);
      }
    });
  }

  it('apply --out onto a file that is not a snapshot refuses and leaves it as it was', () => {
    const d = fs.mkdtempSync(path.join(dir, 'out-'));
    fs.copyFileSync(path.join(EXAMPLE, 'users.xml'), path.join(d, 'users.xml'));
    fs.copyFileSync(path.join(EXAMPLE, 'users.alma-snapshot.json'), path.join(d, 'snap.json'));
    fs.writeFileSync(path.join(d, 'notes.txt'), 'my notes, not a snapshot\n');
    const before = folder(d);
    const r = cli(['apply', 'users.xml', '--snapshot', 'snap.json', '--out', 'notes.txt'], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to overwrite .*notes\.txt/);
    expect(folder(d)).toEqual(before);
  });

  it('apply in place: the new snapshot is complete, the old one is kept as .bak, no temporary file remains', () => {
    const d = fs.mkdtempSync(path.join(dir, 'inplace-'));
    fs.copyFileSync(path.join(EXAMPLE, 'users.xml'), path.join(d, 'users.xml'));
    fs.copyFileSync(path.join(EXAMPLE, 'users.alma-snapshot.json'), path.join(d, 'snap.json'));
    const old = fs.readFileSync(path.join(d, 'snap.json'), 'utf8');
    const r = cli(['apply', 'users.xml', '--snapshot', 'snap.json'], d);
    expect([0, 1]).toContain(r.status);
    expect(fs.readdirSync(d).sort()).toEqual(['snap.json', 'snap.json.bak', 'users.xml']);
    expect(fs.readFileSync(path.join(d, 'snap.json.bak'), 'utf8')).toBe(old);
    const next = fs.readFileSync(path.join(d, 'snap.json'), 'utf8');
    expect(next).not.toBe(old);
    expect(parseSnapshot(next).snapshot).toBeDefined();
  });
});

describe.skipIf(!HAVE)('killed in the middle of writing', { timeout: 300_000 }, () => {
  let writer = '';
  beforeAll(async () => {
    writer = path.join(dir, 'writer.js');
    await esbuild.build({ entryPoints: [path.join(__dirname, 'fixtures', 'writer.ts')], outfile: writer, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  });

  it('leaves the old snapshot or the complete new one, never a partial file, at every moment of the write', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'kill-'));
    const target = path.join(d, 'users.alma-snapshot.json');
    const old = fs.readFileSync(path.join(EXAMPLE, 'users.alma-snapshot.json'), 'utf8');
    const outcomes: string[] = [];
    // Kill after 0–N ms of writing (SIGKILL: no handler runs), the delays spread over the write.
    for (const delay of [0, 20, 50, 100, 200, 350, 500, 800, 1200, 2000]) {
      fs.writeFileSync(target, old);
      const child = spawn(process.execPath, [writer, target, '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (s: string) => {
          out += s;
          if (out.includes('writing') && !out.includes('armed')) {
            out += 'armed';
            setTimeout(() => child.kill('SIGKILL'), delay);
          }
        });
        child.on('exit', () => resolve());
      });
      const now = fs.readFileSync(target, 'utf8');
      if (now === old) outcomes.push('old');
      else {
        // Not the old one: it must be the whole new snapshot.
        expect(now.endsWith('\n]}\n'), `after ${delay} ms the target is partial (${now.length} chars)`).toBe(true);
        expect(parseSnapshot(now).snapshot).toBeDefined();
        outcomes.push('new');
      }
      // A temporary file may remain (SIGKILL runs no clean-up) but never under the target's name.
      for (const n of fs.readdirSync(d)) if (n !== 'users.alma-snapshot.json' && n !== 'users.alma-snapshot.json.bak') expect(n).toMatch(/^\.users\.alma-snapshot\.json\..*\.tmp$/);
    }
    console.log(`kill mid-write: ${outcomes.join(' ')}`);
    expect(outcomes).toContain('old');
  });

  // A writer killed with SIGKILL leaves `.NAME.PID.STAMP.tmp` beside the snapshot; the next
  // write removes it (the snapshot itself is never partial: test above).
  it('the next write after a killed one removes the temporary file the killed process left', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'stale-'));
    const target = path.join(d, 'users.alma-snapshot.json');
    fs.copyFileSync(path.join(EXAMPLE, 'users.alma-snapshot.json'), target);
    // What a killed writer leaves: `.NAME.PID.STAMP.tmp` of a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.writeFileSync(path.join(d, `.users.alma-snapshot.json.${dead}.abc.tmp`), '{"format":"alma-sis-snap');
    fs.copyFileSync(path.join(EXAMPLE, 'users.xml'), path.join(d, 'users.xml'));
    const r = cli(['apply', 'users.xml', '--snapshot', 'users.alma-snapshot.json'], d);
    expect([0, 1]).toContain(r.status);
    expect(fs.readdirSync(d).sort()).toEqual(['users.alma-snapshot.json', 'users.alma-snapshot.json.bak', 'users.xml']);
  });
});
