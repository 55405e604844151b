import { describe, expect, it } from 'vitest';
import { UsageError, editDistance, formatOptionHelp, parseArgs, type OptionSpec } from '../../server/src/cli/args';
import { SETTINGS_OPTIONS, settingsFromFlags, settingsLayerFromFlags } from '../../server/src/cli/options';

const SPECS: OptionSpec[] = [
  { name: 'format', kind: 'string', short: 'f', choices: ['text', 'json', 'sarif'], description: 'format' },
  { name: 'strict', kind: 'boolean', description: 'strict' },
  { name: 'code-tables', kind: 'string', valueName: 'FILE', description: 'tables' },
  { name: 'only', kind: 'string', multiple: true, description: 'filter' },
];

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseArgs', () => {
  it('reads long options with a separate or inline value, booleans and positionals in any order', () => {
    const a = parseArgs(['a.xml', '--format', 'json', '--strict', 'b.zip', '--code-tables=t.json'], SPECS);
    expect(a.positionals).toEqual(['a.xml', 'b.zip']);
    expect(a.options).toEqual({ format: 'json', strict: true, 'code-tables': 't.json' });
  });

  it('takes `-` as a positional (standard input) and as an option value', () => {
    expect(parseArgs(['-'], SPECS).positionals).toEqual(['-']);
    expect(parseArgs(['--code-tables', '-'], SPECS).options['code-tables']).toBe('-');
  });

  it('stops reading options after `--`', () => {
    const a = parseArgs(['--strict', '--', '--format', '-x.xml'], SPECS);
    expect(a.positionals).toEqual(['--format', '-x.xml']);
    expect(a.options.strict).toBe(true);
  });

  it('reads short aliases and normalises choices to their listed spelling', () => {
    expect(parseArgs(['-f', 'JSON'], SPECS).options.format).toBe('json');
  });

  it('lets the last of a repeated option win, and collects `multiple` ones', () => {
    expect(parseArgs(['--format', 'json', '--format', 'sarif'], SPECS).options.format).toBe('sarif');
    expect(parseArgs(['--only', 'a', '--only=b'], SPECS).options.only).toEqual(['a', 'b']);
  });

  it('accepts --no-X for booleans', () => {
    expect(parseArgs(['--no-strict'], SPECS).options.strict).toBe(false);
  });

  it('rejects an unknown option, suggesting the nearest one', () => {
    expect(usageError(() => parseArgs(['--formt', 'json'], SPECS))).toBe('unknown option --formt (did you mean --format?)');
    expect(usageError(() => parseArgs(['--zzzzzzzz'], SPECS))).toBe('unknown option --zzzzzzzz');
    expect(usageError(() => parseArgs(['-q'], SPECS))).toBe('unknown option -q');
    expect(usageError(() => parseArgs(['--no-format'], SPECS))).toMatch(/^unknown option --no-format/);
  });

  it('rejects a missing value, a value that looks like an option, a value for a boolean, a bad choice', () => {
    expect(usageError(() => parseArgs(['--format'], SPECS))).toBe('--format needs a value');
    expect(usageError(() => parseArgs(['--code-tables', '--strict'], SPECS))).toBe('--code-tables needs a value (FILE)');
    expect(usageError(() => parseArgs(['--strict=yes'], SPECS))).toBe('--strict takes no value');
    expect(usageError(() => parseArgs(['--format', 'xml'], SPECS))).toBe('--format: expected text, json or sarif, got "xml"');
  });

  it('formats help with every option and its value name', () => {
    const help = formatOptionHelp(SPECS);
    expect(help).toContain('-f, --format text|json|sarif');
    expect(help).toContain('--code-tables FILE');
    expect(help.split('\n')).toHaveLength(SPECS.length);
  });

  it('computes edit distances', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('settings from flags', () => {
  const parse = (argv: string[]) => parseArgs(argv, SETTINGS_OPTIONS);

  it('gives the defaults when no flag is set', () => {
    const { settings } = settingsFromFlags(parse([]));
    expect(settings).toMatchObject({ matchBy: 'primary_id', mode: 'synchronize', recordType: 'PUBLIC', profileCode: 'SIS', emptyProtectedField: 'clear', validation: 'lenient' });
  });

  it('maps every flag onto its setting', () => {
    const { settings } = settingsFromFlags(
      parse(['--match-by', 'UNIV_ID', '--mode', 'import', '--record-type', 'staff', '--profile-code', 'SIS_STUDENTS', '--empty-protected', 'keep', '--strict']),
    );
    expect(settings).toMatchObject({ matchBy: 'UNIV_ID', mode: 'import', recordType: 'STAFF', profileCode: 'SIS_STUDENTS', emptyProtectedField: 'keep', validation: 'strict' });
  });

  it('puts the flags above lower layers (a snapshot profile), keeping what the flags do not set', () => {
    const profile = { matchBy: 'BARCODE', recordType: 'CONTACT', validation: 'strict' };
    const { settings, problems } = settingsFromFlags(parse(['--match-by', 'UNIV_ID', '--lenient']), profile);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ matchBy: 'UNIV_ID', recordType: 'CONTACT', validation: 'lenient' });
  });

  it('returns bad values of lower layers as problems, keeping the default', () => {
    const { settings, problems } = settingsFromFlags(parse([]), { mode: 'merge' });
    expect(settings.mode).toBe('synchronize');
    expect(problems.map((p) => p.key)).toEqual(['mode']);
  });

  it('makes a bad flag value a usage error naming the flag', () => {
    expect(usageError(() => settingsFromFlags(parse(['--match-by', '  '])))).toMatch(/^--match-by: expected/);
    expect(usageError(() => settingsFromFlags(parse(['--profile-code', ' '])))).toMatch(/^--profile-code: expected/);
    expect(usageError(() => settingsFromFlags(parse(['--strict', '--lenient'])))).toBe('--strict and --lenient exclude each other');
  });

  it('builds only the keys that were given', () => {
    expect(settingsLayerFromFlags(parse(['--mode', 'import']))).toEqual({ mode: 'import' });
    expect(settingsLayerFromFlags(parse(['--no-strict']))).toEqual({ validation: 'lenient' });
  });
});
