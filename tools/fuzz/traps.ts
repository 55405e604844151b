/**
 * Traps for anything that would leave the process: network (sockets, DNS, http/https, fetch)
 * and, where asked, file reads. Installed in the fuzz worker after its inputs are loaded, so an
 * XML external entity that something tried to resolve (`SYSTEM "file:///etc/passwd"`,
 * `http://...`) is recorded and refused instead of happening.
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

export interface Attempt {
  readonly what: string;
  readonly detail: string;
}

function refuse(attempts: Attempt[], what: string, detail: unknown): never {
  attempts.push({ what, detail: String(detail).slice(0, 200) });
  throw new Error(`alma-sis fuzz trap: ${what} refused (${String(detail).slice(0, 80)})`);
}

function patch(target: object, key: string, replacement: unknown): void {
  try {
    Object.defineProperty(target, key, { value: replacement, configurable: true, writable: true });
  } catch {
    /* a frozen built-in: leave it */
  }
}

/** Installs the traps; returns the list that fills with every attempt. */
export function installTraps(options: { files: boolean }): Attempt[] {
  const attempts: Attempt[] = [];
  patch(net.Socket.prototype, 'connect', function (...args: unknown[]) {
    refuse(attempts, 'net.Socket.connect', JSON.stringify(args[0]));
  });
  patch(net, 'connect', (...args: unknown[]) => refuse(attempts, 'net.connect', JSON.stringify(args[0])));
  patch(net, 'createConnection', (...args: unknown[]) => refuse(attempts, 'net.createConnection', JSON.stringify(args[0])));
  patch(dns, 'lookup', (host: unknown) => refuse(attempts, 'dns.lookup', host));
  patch(dns.promises, 'lookup', (host: unknown) => refuse(attempts, 'dns.promises.lookup', host));
  patch(http, 'request', (u: unknown) => refuse(attempts, 'http.request', typeof u === 'object' ? JSON.stringify(u) : u));
  patch(http, 'get', (u: unknown) => refuse(attempts, 'http.get', u));
  patch(https, 'request', (u: unknown) => refuse(attempts, 'https.request', typeof u === 'object' ? JSON.stringify(u) : u));
  patch(https, 'get', (u: unknown) => refuse(attempts, 'https.get', u));
  patch(globalThis, 'fetch', (u: unknown) => refuse(attempts, 'fetch', u));
  if (options.files) {
    for (const key of ['openSync', 'readFileSync', 'open', 'readFile', 'createReadStream']) {
      patch(fs, key, (p: unknown) => refuse(attempts, `fs.${key}`, p));
    }
    for (const key of ['open', 'readFile']) patch(fs.promises, key, (p: unknown) => refuse(attempts, `fs.promises.${key}`, p));
  }
  return attempts;
}
