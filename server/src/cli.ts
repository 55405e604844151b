/**
 * The `alma-sis` command line (bundled to `dist/cli.js`, the package's `bin`). Thin: it builds
 * the context from `process` and hands over to `runCli`; the exit code is set, not forced, so
 * piped output is flushed before Node exits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './cli/main';
import type { CliContext, Output } from './cli/command';

/** The version in package.json: beside `dist/` when installed, two folders up in the sources. */
function readVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'alma-sis-sync' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0-unknown';
}

function output(stream: NodeJS.WriteStream): Output {
  let full = false;
  return {
    write: (text) => {
      if (!stream.write(text)) full = true;
    },
    // Waits for 'drain' only after a write that filled the stream's buffer.
    drain: () => {
      if (!full) return Promise.resolve();
      full = false;
      return new Promise((resolve) => stream.once('drain', resolve));
    },
    isTTY: stream.isTTY === true,
  };
}

// A reader that went away (`alma-sis validate x | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

let interrupted: AbortController | undefined;
/** The first Ctrl-C aborts the command that asked for it; the second ends the process. */
function interrupt(): AbortSignal {
  if (!interrupted) {
    const controller = new AbortController();
    interrupted = controller;
    process.once('SIGINT', () => {
      controller.abort(new Error('interrupted'));
      process.once('SIGINT', () => process.exit(130));
    });
  }
  return interrupted.signal;
}

const ctx: CliContext = {
  stdout: output(process.stdout),
  stderr: output(process.stderr),
  stdin: () => process.stdin as AsyncIterable<Uint8Array>,
  env: process.env,
  now: () => new Date(),
  version: readVersion(),
  interrupt,
};

runCli(process.argv.slice(2), ctx).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // runCli catches everything it knows of; this is the last line of defence.
    process.stderr.write(`alma-sis: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
