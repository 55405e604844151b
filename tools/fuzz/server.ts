/**
 * The language server under fuzz: `dist/server.js` over stdio, fed mutated documents and random
 * edits (incremental `didChange`), and asked hover, code lens, symbols, folding, completion,
 * code actions, inlay hints and definition at random places after each edit.
 *
 * Properties: every request answers (with a result, not an error) within the deadline; no
 * handler fails (the server's `runSafe` logs "… failed: …" when one throws, and answers a
 * default, which would hide the bug); the process never dies; its resident memory stays under a
 * bound. A dead server is recorded and restarted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineIndex } from '../../shared/src/text/lines';
import { generateSnapshot } from '../generate';
import { DeadlineError, pathToUri, startServer, withDeadline, type ServerProcess } from './lspClient';
import { makeSample, mixSeed, randomEdit, Rng, type Base } from './mutate';

export interface ServerFinding {
  readonly property: string;
  readonly message: string;
  /** The document the server had when it happened (absent when too large to keep). */
  readonly document?: string;
}

export interface ServerFuzzResult {
  documents: number;
  edits: number;
  requests: number;
  slowestMs: number;
  peakRss: number;
  restarts: number;
  findings: ServerFinding[];
}

export interface ServerFuzzOptions {
  readonly serverPath: string;
  /** `Date.now()` value to stop at. */
  readonly deadline: number;
  readonly seed: number;
  readonly bases: readonly Base[];
  readonly log: (line: string) => void;
  /** Per-request deadline. */
  readonly requestMs?: number;
  /** Resident-memory bound. */
  readonly maxRss?: number;
}

const REQUESTS = [
  'textDocument/hover',
  'textDocument/codeLens',
  'textDocument/documentSymbol',
  'textDocument/foldingRange',
  'textDocument/completion',
  'textDocument/codeAction',
  'textDocument/inlayHint',
  'textDocument/definition',
] as const;

export async function fuzzServer(o: ServerFuzzOptions): Promise<ServerFuzzResult> {
  const requestMs = o.requestMs ?? 10_000;
  const maxRss = o.maxRss ?? 1.5e9;
  const result: ServerFuzzResult = { documents: 0, edits: 0, requests: 0, slowestMs: 0, peakRss: 0, restarts: 0, findings: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-fuzz-'));
  fs.writeFileSync(path.join(dir, 'users.alma-snapshot.json'), generateSnapshot({ users: 12, seed: o.seed }).json);
  const docPath = path.join(dir, 'users.xml');
  const uri = pathToUri(docPath);
  let server: ServerProcess | undefined;
  let loggedErrors = 0;
  const finding = (property: string, message: string, document?: string) => {
    if (result.findings.length < 200) result.findings.push({ property, message, document: document && document.length < 200_000 ? document : undefined });
  };
  try {
    for (let n = 0; Date.now() < o.deadline; n++) {
      if (!server || server.exited()) {
        if (server) {
          result.restarts++;
          await server.dispose();
        }
        server = await startServer({ serverPath: o.serverPath, rootPath: dir });
        loggedErrors = 0;
      }
      const rng = new Rng(mixSeed(o.seed, n, 0x5e7e));
      const sample = makeSample(o.bases, mixSeed(o.seed, 0x5e7e), n);
      let text = sample.text;
      // Editors do not hand files over 50 MB to extensions (guides/performance.md).
      if (text.length > 12_000_000) continue;
      result.documents++;
      let version = 1;
      await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'alma-sis', version, text } });
      const steps = text.length > 1_000_000 ? 2 : rng.int(3, 12);
      for (let s = 0; s < steps && Date.now() < o.deadline; s++) {
        // An edit, given as LSP does: a range in lines and UTF-16 columns of the old text.
        const raw = randomEdit(text, rng);
        // A range cannot end between the CR and LF of a line break: widen it over the pair.
        const inPair = (k: number) => text.charCodeAt(k - 1) === 13 && text.charCodeAt(k) === 10;
        const e = { ...raw, start: inPair(raw.start) ? raw.start - 1 : raw.start, end: inPair(raw.end) ? raw.end + 1 : raw.end };
        const lines = new LineIndex(text);
        const range = { start: lines.positionAt(e.start), end: lines.positionAt(e.end) };
        text = text.slice(0, e.start) + e.insert + text.slice(e.end);
        version++;
        result.edits++;
        await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: e.insert }] });
        const after = new LineIndex(text);
        for (const method of REQUESTS) {
          if (!rng.chance(0.6)) continue;
          const at = after.positionAt(rng.int(0, text.length));
          const whole = { start: { line: 0, character: 0 }, end: after.positionAt(text.length) };
          const params =
            method === 'textDocument/codeLens' || method === 'textDocument/documentSymbol' || method === 'textDocument/foldingRange'
              ? { textDocument: { uri } }
              : method === 'textDocument/codeAction'
                ? { textDocument: { uri }, range: { start: at, end: after.positionAt(rng.int(0, text.length)) }, context: { diagnostics: (server.diagnostics.get(uri) ?? []).slice(0, 5) } }
                : method === 'textDocument/inlayHint'
                  ? { textDocument: { uri }, range: whole }
                  : { textDocument: { uri }, position: at };
          const t0 = Date.now();
          result.requests++;
          try {
            // The deadline grows with the document (an edit of a 10 MB document is re-analysed).
            await withDeadline(server.connection.sendRequest(method, params), requestMs + Math.round((3000 * text.length) / 1e6));
          } catch (err) {
            const msg = (err as Error).message;
            if (err instanceof DeadlineError) finding('request-deadline', `${method}: ${msg} (document of ${text.length} chars)`, text);
            // Cancelled / content modified are answers an editor expects after an edit.
            else if (!/cancel|content modified/i.test(msg) && !server.exited()) finding('request-error', `${method}: ${msg}`, text);
          }
          result.slowestMs = Math.max(result.slowestMs, Date.now() - t0);
          if (server.exited()) break;
        }
        const errs = server.logs.filter((l) => l.type === 1);
        for (const l of errs.slice(loggedErrors)) finding('handler-failed', `server logged an error: ${l.message.slice(0, 300)}`, text);
        loggedErrors = errs.length;
        const ex = server.exited();
        if (ex) {
          finding('server-died', `the server exited (code ${ex.code}, signal ${ex.signal}); stderr: ${server.stderr().slice(-500)}`, text);
          break;
        }
        const rss = server.rss();
        result.peakRss = Math.max(result.peakRss, rss);
        if (rss > maxRss) {
          finding('memory-bound', `resident memory ${(rss / 1e6).toFixed(0)} MB > ${(maxRss / 1e6).toFixed(0)} MB`);
          await server.dispose();
          server = undefined;
          break;
        }
      }
      if (server && !server.exited()) await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    }
  } catch (e) {
    finding('driver', `the fuzz driver failed: ${(e as Error).message}`);
  } finally {
    await server?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (result.findings.length > 0) o.log(`fuzz: server: ${result.findings.length} findings`);
  return result;
}
