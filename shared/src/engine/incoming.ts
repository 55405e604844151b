/**
 * From the reader's model to the engine's input. The language server keeps one `IncomingUser`
 * per `SisUserChunk` element (a `WeakMap<XmlElement, UserRecord>` makes an unchanged user cost
 * nothing after an edit); the command line converts the whole document.
 */
import type { Problem } from '../diagnostics';
import { recordFromXml, type UserRecord } from '../sis/record';
import type { SisDocument, SisUserChunk } from '../sis/types';
import { analyzeUser } from '../validate/user';
import type { ValidationContext } from '../validate/context';
import type { XmlElement } from '../xml/types';
import type { IncomingUser, UserError } from './types';

const records = new WeakMap<XmlElement, UserRecord>();

/** The normalised record of a user element, computed once per element object. */
export function recordOf(element: XmlElement): UserRecord {
  let r = records.get(element);
  if (!r) {
    r = recordFromXml(element);
    records.set(element, r);
  }
  return r;
}

const lenientContexts = new WeakMap<ValidationContext, ValidationContext>();

/**
 * The context that judges users as Alma's loader does: the same one in lenient mode, a lenient
 * copy (made once per context) in strict mode, whose extra errors are XSD verdicts Alma accepts.
 */
export function loaderContext(ctx: ValidationContext): ValidationContext {
  if (ctx.settings?.validation !== 'strict') return ctx;
  let lenient = lenientContexts.get(ctx);
  if (!lenient) {
    lenient = { ...ctx, settings: { ...ctx.settings, validation: 'lenient' } };
    lenientContexts.set(ctx, lenient);
  }
  return lenient;
}

/** Error-level problems of one user as the engine takes them (offsets relative to the chunk). */
export function userErrorsOf(problems: readonly Problem[]): UserError[] {
  const out: UserError[] = [];
  for (const p of problems) if (p.severity === 'error') out.push({ code: p.code, message: p.message, span: { start: p.start, end: p.end } });
  return out;
}

/**
 * A user's own errors as Alma's loader judges them (lenient validation, with the code tables of
 * `ctx`): each one makes Alma reject the user. `lenientProblems` reuses a validation already made
 * with `loaderContext(ctx)`.
 */
export function userErrors(element: XmlElement, ctx: ValidationContext, lenientProblems?: readonly Problem[]): UserError[] {
  return userErrorsOf(lenientProblems ?? analyzeUser(element, loaderContext(ctx)).problems);
}

/** One user of the file for the engine; with `ctx`, its own errors reject it as in Alma. */
export function incomingUser(chunk: SisUserChunk, ctx?: ValidationContext): IncomingUser {
  const user = { index: chunk.index, start: chunk.start, record: recordOf(chunk.element) };
  return ctx ? { ...user, errors: userErrors(chunk.element, ctx) } : user;
}

export function incomingUsers(doc: Pick<SisDocument, 'users'>, ctx?: ValidationContext): IncomingUser[] {
  return doc.users.map((u) => incomingUser(u, ctx));
}
