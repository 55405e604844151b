import type { DiagnosticCode, Problem, Severity } from '../diagnostics';
import { DEFAULT_SETTINGS, type Settings } from '../settings';
import type { CodeTables } from './codeTables';

/**
 * What validation depends on besides the text. The core has no clock: `today` (`YYYY-MM-DD`)
 * is passed in; without it the expiry-in-past check is skipped.
 */
export interface ValidationContext {
  readonly settings?: Settings;
  readonly codeTables?: CodeTables;
  readonly today?: string;
}

/** The context prepared once (cached per context object). */
export interface Prepared {
  readonly settings: Settings;
  readonly strict: boolean;
  readonly protectedSet: ReadonlySet<string>;
  readonly codeTables?: CodeTables;
  readonly today?: string;
}

const cache = new WeakMap<object, Prepared>();

export function prepare(ctx: ValidationContext = {}): Prepared {
  let p = cache.get(ctx);
  if (!p) {
    const settings = ctx.settings ?? DEFAULT_SETTINGS;
    const today = ctx.today && /^\d{4}-\d{2}-\d{2}/.test(ctx.today) ? ctx.today.slice(0, 10) : undefined;
    p = {
      settings,
      strict: settings.validation === 'strict',
      protectedSet: new Set(settings.protectedFields),
      codeTables: ctx.codeTables && ctx.codeTables.tables.size > 0 ? ctx.codeTables : undefined,
      today,
    };
    cache.set(ctx, p);
  }
  return p;
}

/**
 * Severity of a finding that is an XSD verdict: an error in strict mode, `lenient` otherwise.
 */
export function xsdSeverity(p: Prepared, lenient: Severity): Severity {
  return p.strict ? 'error' : lenient;
}

/**
 * Severity of one of Alma's own rules that the XSD does not express (docs/diagnostics.md, the two
 * levels). In strict mode an error means "the XSD rejects it", so these are capped at warning
 * there; they stay visible.
 */
export function almaSeverity(p: Prepared, s: Severity): Severity {
  return p.strict && s === 'error' ? 'warning' : s;
}

export function problem(
  code: DiagnosticCode,
  severity: Severity,
  message: string,
  start: number,
  end: number,
  data?: Record<string, unknown>,
  related?: Problem['related'],
): Problem {
  const p: { -readonly [K in keyof Problem]: Problem[K] } = { code, severity, message, start, end };
  if (data) p.data = data;
  if (related) p.related = related;
  return p;
}
