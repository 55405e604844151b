// Memory of the language server's workspace check: a workspace of SIS files (generated, of real
// sizes: 250 to 5,000 users each) checked without opening any, over stdio as an editor runs it.
// Prints the server's peak and final resident memory (VmHWM, VmRSS from /proc) and the time
// until every file had its diagnostics.
//
//   node scripts/workspace-memory.mjs [--files 20] [--step 250] [--feed]     (after npm run build)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const FILES = arg('files', 20);
const STEP = arg('step', 250);
// --feed: the files are one feed (almaSis.feed "*.xml"): their users' keys are kept for the checks across them.
const FEED = process.argv.includes('--feed');

const ws = mkdtempSync(join(tmpdir(), 'alma-sis-ws-mem-'));
try {
  let bytes = 0;
  let users = 0;
  for (let i = 0; i < FILES; i++) {
    const n = STEP * (i + 1);
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/tools/gen.js'), '--users', String(n), '--seed', String(i + 1), '--errors', '3', '--out', ws, '--name', `feed-${String(i).padStart(2, '0')}`], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error('the generator failed (npm run build first)');
    users += n;
  }
  for (const f of readdirSync(ws)) bytes += statSync(join(ws, f)).size;
  const server = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const status = () => {
    const s = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)[1]);
    return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
  };
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const done = new Set();
  let diagnostics = 0;
  const t0 = Date.now();
  let finished;
  const all = new Promise((r) => (finished = r));
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    done.add(p.uri);
    diagnostics += p.diagnostics.length;
    if (done.size === FILES) finished();
  });
  conn.onRequest('workspace/configuration', (p) => p.items.map((i) => (i.section === 'almaSis' && FEED ? { feed: '*.xml' } : null)));
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(ws).href, workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'ws' }], capabilities: { workspace: { configuration: true } } });
  const idle = status();
  await conn.sendNotification('initialized', {});
  await all;
  const seconds = (Date.now() - t0) / 1000;
  const after = status();
  console.log(`${FILES} SIS files, ${users} users, ${(bytes / 1048576).toFixed(1)} MB, none opened${FEED ? ', all one feed' : ''}: ${diagnostics} diagnostics published`);
  console.log(`server resident memory: ${idle.now.toFixed(0)} MB idle, peak ${after.peak.toFixed(0)} MB while checking, ${after.now.toFixed(0)} MB after; every file's diagnostics in ${seconds.toFixed(1)} s`);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  server.kill();
} finally {
  rmSync(ws, { recursive: true, force: true });
}

