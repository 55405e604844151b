/**
 * `npm run gen -- --users N --seed S [--out DIR] [--errors K] [--snapshot] [--name BASE]`
 * (bundled to dist/tools/gen.js). See tools/genfiles.ts for what it writes.
 */
import { parseGenArgs, runGen, type GenArgs } from './genfiles';

function main(): void {
  let args: GenArgs;
  try {
    args = parseGenArgs(process.argv.slice(2));
  } catch (e) {
    const message = (e as Error).message;
    // --help: the usage on stdout, exit 0; anything else is bad usage.
    if (message.startsWith('usage:')) {
      process.stdout.write(`${message}\n`);
      process.exit(0);
    }
    process.stderr.write(`gen: ${message}\n`);
    process.exit(2);
  }
  try {
    const { lines } = runGen(args);
    for (const l of lines) process.stdout.write(`${l}\n`);
  } catch (e) {
    process.stderr.write(`gen: cannot write to ${args.out}: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

main();
