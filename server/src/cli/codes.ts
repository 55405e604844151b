/** `alma-sis codes`: every diagnostic code with its one-line meaning (the catalogue in `shared/src/diagnostics.ts`). */
import { GROUPED_CODES } from '../../../shared/src/analysis/grouping';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../../../shared/src/diagnostics';
import type { Command } from './command';
import { EXIT_OK } from './command';
import { chosenFormat, formatOption } from './options';
import { UsageError } from './args';

const FORMATS = ['text', 'json'] as const;

export function codesText(): string {
  const codes = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];
  const width = Math.max(...codes.map((c) => c.length)) + 2;
  return codes.map((c) => `${c.padEnd(width)}${DIAGNOSTIC_CODES[c].summary}`).join('\n') + '\n';
}

export function codesJson(): string {
  // `grouped`: a repeated finding of this code is reported once per file unless it is an error (docs/diagnostics.md).
  const codes = (Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[]).map((code) => ({ code, summary: DIAGNOSTIC_CODES[code].summary, grouped: GROUPED_CODES.has(code) }));
  return `${JSON.stringify({ format: 'alma-sis-codes', version: 1, codes }, null, 2)}\n`;
}

export const command: Command = {
  name: 'codes',
  summary: 'list every diagnostic code and what it means',
  usage: '[--format text|json]',
  description: 'List every diagnostic code that `alma-sis validate` and the editor report, with one line of meaning.',
  options: [formatOption(FORMATS)],
  async run(args, ctx) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    ctx.stdout.write(chosenFormat(args, FORMATS) === 'json' ? codesJson() : codesText());
    return EXIT_OK;
  },
};
