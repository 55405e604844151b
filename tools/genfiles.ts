/**
 * The file side of the generator (`npm run gen`, entry point tools/gen.ts): flags and
 * streamed writing. Writes DIR/BASE.xml (an SIS file), with --snapshot DIR/BASE.alma-snapshot.json (docs/plan.md, "The snapshot"),
 * and with --errors K also DIR/BASE.errors.json (which users carry which deliberate error, with
 * the line of their `<user>` tag). Streams to disk: 100k users never sit in memory whole.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERROR_KINDS, writeSisXml, writeSnapshot, type GenOptions } from './generate';

export const GEN_USAGE = `usage: npm run gen -- --users N [--seed S] [--out DIR] [--errors K] [--snapshot] [--name BASE]
  --users N     users in the SIS file (required, 0..10000000)
  --seed S      seed of the generator (default 1); same seed, same files
  --out DIR     output folder (default .bench/gen)
  --errors K    put K deliberate errors into K users (kinds in turn: ${ERROR_KINDS.join(', ')})
  --snapshot    also write the matching BASE.alma-snapshot.json
  --name BASE   base name of the files (default users)`;

export interface GenArgs {
  opts: GenOptions;
  out: string;
  snapshot: boolean;
  name: string;
}

/** Parse the command line; throws an Error with a message for the user on bad usage. */
export function parseGenArgs(argv: readonly string[]): GenArgs {
  let users: number | undefined;
  let seed = 1;
  let errors = 0;
  let out = '.bench/gen';
  let snapshot = false;
  let name = 'users';
  const int = (flag: string, v: string | undefined, max: number): number => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) > max) throw new Error(`${flag} needs a whole number from 0 to ${max}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--users': users = int('--users', value(), 10_000_000); break;
      case '--seed': seed = int('--seed', value(), 0xffffffff); break;
      case '--errors': errors = int('--errors', value(), 10_000_000); break;
      case '--out': { const v = value(); if (!v) throw new Error('--out needs a folder'); out = v; break; }
      case '--name': { const v = value(); if (!v || /[\\/]/.test(v)) throw new Error('--name needs a plain file name'); name = v; break; }
      case '--snapshot': snapshot = true; break;
      case '-h': case '--help': throw new Error(GEN_USAGE);
      default: throw new Error(`unknown argument ${JSON.stringify(a)}\n${GEN_USAGE}`);
    }
  }
  if (users === undefined) throw new Error(`--users is required\n${GEN_USAGE}`);
  return { opts: { users, seed, errors }, out, snapshot, name };
}

/** A write sink that batches pieces into ~1 MB writes to a temporary file, renamed at the end. */
function fileSink(path: string): { write: (s: string) => void; close: () => number } {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let pending: string[] = [];
  let size = 0;
  let bytes = 0;
  const flush = () => {
    if (!pending.length) return;
    const buf = Buffer.from(pending.join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    bytes += buf.length;
    pending = [];
    size = 0;
  };
  return {
    write(s) {
      pending.push(s);
      size += s.length;
      if (size >= 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
      renameSync(tmp, path);
      return bytes;
    },
  };
}

export function runGen(args: GenArgs): { files: { path: string; bytes: number }[]; lines: string[] } {
  const dir = resolve(args.out);
  mkdirSync(dir, { recursive: true });
  const files: { path: string; bytes: number }[] = [];
  const lines: string[] = [];
  const xmlPath = join(dir, `${args.name}.xml`);
  const xml = fileSink(xmlPath);
  const summary = writeSisXml(args.opts, xml.write);
  files.push({ path: xmlPath, bytes: xml.close() });
  lines.push(`${xmlPath}: ${summary.users} users, ${(files[0].bytes / 1e6).toFixed(1)} MB, seed ${args.opts.seed}`);
  if (summary.errors.length) {
    const errPath = join(dir, `${args.name}.errors.json`);
    const e = fileSink(errPath);
    e.write(`{"seed": ${args.opts.seed}, "users": ${args.opts.users}, "errors": [\n${summary.errors.map((x) => JSON.stringify(x)).join(',\n')}\n]}\n`);
    files.push({ path: errPath, bytes: e.close() });
    const kinds = [...new Set(summary.errors.map((x) => x.kind))].join(', ');
    lines.push(`${errPath}: ${summary.errors.length} deliberate errors (${kinds})`);
  }
  if (args.snapshot) {
    const snapPath = join(dir, `${args.name}.alma-snapshot.json`);
    const s = fileSink(snapPath);
    const st = writeSnapshot(args.opts, s.write);
    const bytes = s.close();
    files.push({ path: snapPath, bytes });
    lines.push(
      `${snapPath}: ${st.users} users (${st.matched} in the file, ${st.onlyInSnapshot} only in the snapshot; ${st.newInFile} file users are new), ` +
        `${st.changedUsers} with older values, ${st.protectedFields} protected fields (${st.revertingFields} revert), ${st.internalSegments} with internal segments, ${st.internalAccounts} internal accounts, ${(bytes / 1e6).toFixed(1)} MB`,
    );
  }
  return { files, lines };
}
