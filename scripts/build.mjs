// Bundles the command line, the language server and the VS Code extension with esbuild.
// `tsc -b` type-checks; this only produces what runs. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
};
const shebang = { js: '#!/usr/bin/env node' };

const builds = [
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: shebang },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js', banner: shebang },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  // The extension's worker thread for sync previews (client/src/remoteSync.ts starts it).
  { entryPoints: ['client/src/syncWorker.ts'], outfile: 'dist/syncWorker.js' },
].filter((b) => existsSync(b.entryPoints[0]));

// Extra entries (the in-editor test suite, the generator, benchmarks) register themselves here.
for (const extra of ['test/e2e/suite/index.ts']) {
  if (existsSync(extra)) {
    builds.push({ entryPoints: [extra], outfile: 'dist/test/suite.js', external: ['vscode'] });
  }
}
// The fake Users API (on 127.0.0.1), for the screenshot of a refresh (scripts/e2e-screenshots.mjs).
if (existsSync('test/fakeAlma/server.ts')) builds.push({ entryPoints: ['test/fakeAlma/server.ts'], outfile: 'dist/test/fakeAlma.js' });

// The generator and the benchmarks (issue 7): `npm run gen`, `npm run bench`.
for (const [entry, outfile] of [['tools/gen.ts', 'dist/tools/gen.js'], ['tools/bench.ts', 'dist/tools/bench.js']]) {
  if (existsSync(entry)) builds.push({ entryPoints: [entry], outfile });
}

// The fuzz harness (issue 8): `npm run fuzz -- --seconds N`.
if (existsSync('tools/fuzz/fuzz.ts')) builds.push({ entryPoints: ['tools/fuzz/fuzz.ts'], outfile: 'dist/tools/fuzz.js' });

if (watch) {
  for (const b of builds) (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
  for (const b of builds) if (b.banner) chmodSync(b.outfile, 0o755);
}
