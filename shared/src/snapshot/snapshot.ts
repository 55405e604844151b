/**
 * The snapshot file (`*.alma-snapshot.json`, docs/plan.md): what Alma holds now, one Users API
 * JSON user per entry, plus what the API does not tell — which fields staff changed by hand
 * (`sync.protected`) and the value the SIS last sent for them (`lastSisValue`).
 *
 * Reading never throws: problems come back with a JSON path and a line. Writing keeps unknown
 * keys, and writes every entry that was not replaced exactly as it was read (byte for byte).
 */
import { LineIndex } from '../text/lines';
import { StringNumberTable } from '../text/stringTable';
import { coreField, type FieldValue, type LibraryNotice, booleanFrom } from '../sis/record';
import { JsonSyntaxError, parseJsonWithSpans, topLevelArraySpans, type JsonSpan } from './json';

export const SNAPSHOT_FORMAT = 'alma-sis-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface ProtectedState {
  /** The last value the SIS set before the manual change (normalised like the engine's values). */
  readonly lastSisValue: FieldValue;
}

export interface SnapshotEntry {
  /** The entry object as read or built (`{user, sync, …unknown keys}`). */
  readonly entry: Readonly<Record<string, unknown>>;
  /** `entry.user` when it is an object. */
  readonly user: Readonly<Record<string, unknown>> | undefined;
  /** `entry.sync.protected`, normalised. */
  readonly protected: ReadonlyMap<string, ProtectedState>;
  /** Where the entry is in `Snapshot.text` (entries read from a file only). */
  readonly span?: JsonSpan;
}

export interface Snapshot {
  /** The top-level object; every key but `users` is written back as it is. */
  readonly root: Readonly<Record<string, unknown>>;
  readonly users: readonly SnapshotEntry[];
  /** The text the snapshot was read from, when it was read from one. */
  readonly text?: string;
}

export interface SnapshotProblem {
  readonly severity: 'error' | 'warning';
  /** JSONPath-like location, e.g. `$.users[3].sync.protected.user_group`. */
  readonly path: string;
  readonly message: string;
  readonly offset?: number;
  /** 1-based line, when known. */
  readonly line?: number;
}

export interface SnapshotReadResult {
  /** Undefined when the text cannot be used as a snapshot at all (then a problem says why). */
  readonly snapshot: Snapshot | undefined;
  readonly problems: readonly SnapshotProblem[];
}

function asObject(raw: unknown): Record<string, unknown> | undefined {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}

function codeOf(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string') return raw.trim() === '' ? null : raw.trim();
  if (typeof raw === 'number') return String(raw);
  const o = asObject(raw);
  if (o && 'value' in o) return codeOf(o.value);
  if (o && 'code' in o) return codeOf(o.code);
  return null;
}

/** Absent, null, "", [], {} and {"value": null}: one value, "nothing" (as Users API answers write it). */
function isAbsentJson(raw: unknown): boolean {
  if (raw === undefined || raw === null) return true;
  if (typeof raw === 'string') return raw.trim() === '';
  if (Array.isArray(raw)) return raw.length === 0;
  const o = asObject(raw);
  if (!o) return false;
  const keys = Object.keys(o);
  return keys.length === 0 || ('value' in o && keys.every((k) => k === 'value' || k === 'desc') && isAbsentJson(o.value));
}

/**
 * Normalise a `lastSisValue` for `field`: a code string or null; for `rs_libraries` a list of
 * codes; for `library_notices` a list of `{code, value}`. Returns an error message when the
 * shape does not fit.
 */
export function lastSisValueFrom(field: string, raw: unknown): { value: FieldValue; error?: string } {
  const kind = coreField(field)?.kind;
  if (isAbsentJson(raw)) return { value: null };
  if (kind === 'codes') {
    if (!Array.isArray(raw)) return { value: null, error: 'expected a list of library codes' };
    return { value: raw.map(codeOf).filter((c): c is string => c !== null) };
  }
  if (kind === 'notices') {
    if (!Array.isArray(raw)) return { value: null, error: 'expected a list of {code, value}' };
    const out: LibraryNotice[] = [];
    for (const it of raw) {
      const o = asObject(it);
      const code = codeOf(o?.code);
      if (!o || code === null) return { value: null, error: 'expected a list of {code, value}' };
      out.push({ code, value: booleanFrom(o.value) ?? false });
    }
    return { value: out };
  }
  if (kind === 'boolean') return { value: booleanFrom(codeOf(raw) ?? raw) === true ? 'true' : null };
  if (Array.isArray(raw)) return { value: null, error: 'expected a single value, not a list' };
  const v = codeOf(raw);
  if (v === null && asObject(raw)) return { value: null, error: 'expected a code string or null' };
  return { value: v };
}

/** The JSON form of a normalised `lastSisValue`. */
export function lastSisValueToJson(v: FieldValue): unknown {
  if (v === null || typeof v === 'string') return v;
  return v.map((x) => (typeof x === 'string' ? x : { code: x.code, value: x.value }));
}

function readProtected(
  syncRaw: unknown,
  path: string,
  at: number | undefined,
  report: (p: Omit<SnapshotProblem, 'line'>) => void,
): Map<string, ProtectedState> {
  const out = new Map<string, ProtectedState>();
  if (syncRaw === undefined || syncRaw === null) return out;
  const sync = asObject(syncRaw);
  if (!sync) {
    report({ severity: 'error', path: `${path}.sync`, message: '"sync" must be an object; ignored', offset: at });
    return out;
  }
  const protRaw = sync.protected;
  if (protRaw === undefined || protRaw === null) return out;
  const prot = asObject(protRaw);
  if (!prot) {
    report({ severity: 'error', path: `${path}.sync.protected`, message: '"protected" must be an object naming fields; ignored', offset: at });
    return out;
  }
  for (const [field, stateRaw] of Object.entries(prot)) {
    const p = `${path}.sync.protected.${field}`;
    if (!coreField(field)) {
      report({ severity: 'warning', path: p, message: `"${field}" is not a field the SIS load writes; its protection has no effect`, offset: at });
      continue;
    }
    const state = asObject(stateRaw);
    if (stateRaw !== null && stateRaw !== true && !state) {
      report({ severity: 'error', path: p, message: 'expected an object like {"lastSisValue": …}; treated as protected with no last SIS value', offset: at });
    }
    if (state && !('lastSisValue' in state)) {
      report({ severity: 'warning', path: p, message: 'no "lastSisValue": treated as null (the SIS had sent no value)', offset: at });
    }
    const { value, error } = lastSisValueFrom(field, state?.lastSisValue);
    if (error) report({ severity: 'error', path: `${p}.lastSisValue`, message: `${error}; treated as null`, offset: at });
    out.set(field, { lastSisValue: value });
  }
  return out;
}

type Report = (p: Omit<SnapshotProblem, 'line'>) => void;

/**
 * Checks the top-level object of a snapshot (all but `users`): its format, version and profile.
 * False when the snapshot cannot be used (a problem says why).
 */
export function checkSnapshotRoot(root: Readonly<Record<string, unknown>>, report: Report): boolean {
  const rootAt = 0;
  if (root.format === undefined) {
    // A bare Users API answer is a common mistake: say how to turn it into a snapshot.
    const looksLikeUser = 'primary_id' in root || 'user' in root || 'total_record_count' in root;
    if (looksLikeUser) {
      report({ severity: 'error', path: '$.format', message: 'This looks like a Users API answer, not a snapshot; turn it into one with `alma-sis snapshot import --users FILE --out NEW.alma-snapshot.json`', offset: rootAt });
      return false;
    }
    report({ severity: 'warning', path: '$.format', message: `No "format": expected "${SNAPSHOT_FORMAT}"`, offset: rootAt });
  } else if (root.format !== SNAPSHOT_FORMAT) {
    report({ severity: 'error', path: '$.format', message: `"format" is ${JSON.stringify(root.format)}, expected "${SNAPSHOT_FORMAT}"`, offset: rootAt });
    return false;
  }
  if (root.version !== undefined && root.version !== SNAPSHOT_VERSION) {
    if (typeof root.version === 'number' && root.version > SNAPSHOT_VERSION) {
      report({ severity: 'error', path: '$.version', message: `Snapshot version ${root.version} is newer than this tool understands (${SNAPSHOT_VERSION})`, offset: rootAt });
      return false;
    }
    report({ severity: 'warning', path: '$.version', message: `"version" is ${JSON.stringify(root.version)}, expected ${SNAPSHOT_VERSION}`, offset: rootAt });
  }
  if (root.profile !== undefined && !asObject(root.profile)) {
    report({ severity: 'error', path: '$.profile', message: '"profile" must be an object of settings; ignored', offset: rootAt });
  }
  return true;
}

/** Reads the entries of `users` one by one, in order (it remembers the primary ids seen, to report repeats). */
export class SnapshotEntryReader {
  /** Lower-cased primary ids seen so far (none kept by a reader of single entries read again, whose problems were reported already). */
  private readonly seenIds: StringNumberTable | undefined;

  constructor(options: { readonly repeats?: boolean } = {}) {
    this.seenIds = options.repeats === false ? undefined : new StringNumberTable();
  }

  /** Entry k from its parsed JSON; `at` is its offset in the file (for the problems' line). */
  read(raw: unknown, k: number, at: number, report: Report, span?: JsonSpan): SnapshotEntry {
    const path = `$.users[${k}]`;
    const entry = asObject(raw);
    if (!entry) {
      report({ severity: 'error', path, message: 'Each entry must be an object {"user": …, "sync": …}; this one is ignored (and written back as it is)', offset: at });
      return { entry: { __invalid: raw }, user: undefined, protected: new Map(), span };
    }
    const user = asObject(entry.user);
    if (!user) {
      report({ severity: 'error', path: `${path}.user`, message: 'Missing "user" object (an Alma user in the Users API JSON shape); the entry is ignored', offset: at });
    } else {
      const pid = codeOf(user.primary_id);
      if (pid === null) {
        report({ severity: 'warning', path: `${path}.user.primary_id`, message: 'The user has no primary_id', offset: at });
      } else {
        const seen = this.seenIds ? this.seenIds.addIfAbsent(pid.toLowerCase(), k) : -1;
        if (seen >= 0) {
          report({ severity: 'warning', path: `${path}.user.primary_id`, message: `primary_id "${pid}" is also the primary_id of users[${this.seenIds!.valueAt(seen)}] (Alma keeps primary ids unique, ignoring case)`, offset: at });
        }
      }
    }
    return { entry, user, protected: readProtected(entry.sync, path, at, report), span };
  }
}

/** Read a snapshot. Never throws. */
export function parseSnapshot(text: string): SnapshotReadResult {
  const problems: SnapshotProblem[] = [];
  let lines: LineIndex | undefined;
  const report = (p: Omit<SnapshotProblem, 'line'>) => {
    if (p.offset === undefined) problems.push(p);
    else {
      lines ??= new LineIndex(text);
      problems.push({ ...p, line: lines.positionAt(p.offset).line + 1 });
    }
  };
  // Values come from the native JSON.parse (fast on large snapshots); a second, positional
  // reader runs only to say where a syntax error is.
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    try {
      parseJsonWithSpans(text);
      report({ severity: 'error', path: '$', message: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}`, offset: 0 });
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      report({ severity: 'error', path: '$', message: `Not valid JSON: ${err.message}`, offset: err.offset });
    }
    return { snapshot: undefined, problems };
  }
  const root = asObject(value);
  if (!root) {
    report({ severity: 'error', path: '$', message: 'A snapshot must be a JSON object with "format", "version" and "users"', offset: 0 });
    return { snapshot: undefined, problems };
  }
  if (!checkSnapshotRoot(root, report)) return { snapshot: undefined, problems };
  const usersRaw = root.users ?? [];
  if (!Array.isArray(usersRaw)) {
    report({ severity: 'error', path: '$.users', message: '"users" must be a list', offset: 0 });
    return { snapshot: undefined, problems };
  }
  const entrySpans = topLevelArraySpans(text, 'users');
  const arrayAt = entrySpans?.[0]?.start ?? 0;
  const users: SnapshotEntry[] = [];
  const entries = new SnapshotEntryReader();
  usersRaw.forEach((raw, k) => {
    const span = entrySpans && entrySpans.length === usersRaw.length ? entrySpans[k] : undefined;
    users.push(entries.read(raw, k, span?.start ?? arrayAt, report, span));
  });
  const snapshot: Snapshot = { root, users, text };
  return { snapshot, problems };
}

function indentLines(s: string, pad: string): string {
  return s.replace(/\n/g, `\n${pad}`);
}

/**
 * Write a snapshot: top-level keys in their order (`format` and `version` first when they were
 * missing), entries that carry their original `span` copied from the text they were read from.
 */
export function serializeSnapshot(snapshot: Snapshot): string {
  return [...snapshotPieces(snapshot)].join('');
}

/**
 * The text of `serializeSnapshot` in pieces (one per line of the top level, one per user), so a
 * writer can send a large snapshot to disk without first building it as one string.
 */
export function* snapshotPieces(snapshot: Snapshot): Generator<string> {
  const bodies = snapshot.users.map((u) => (u.span && snapshot.text !== undefined ? snapshot.text.slice(u.span.start, u.span.end) : entryText(u)));
  yield* snapshotLayout(snapshot.root, bodies.length, bodies);
}

/** The text an entry is written as (indented as a member of `users`). */
export function entryText(u: SnapshotEntry): string {
  if ('__invalid' in u.entry && Object.keys(u.entry).length === 1) return indentLines(JSON.stringify(u.entry.__invalid, null, 2) ?? 'null', '    ');
  return indentLines(JSON.stringify(u.entry, null, 2), '    ');
}

/**
 * A snapshot's text around its entries, in pieces: top-level keys in their order (`format` and
 * `version` first when they were missing), `users` where it was (last when absent), then the
 * `count` entries as `bodies` gives them (text, or bytes copied from the file they were read
 * from). Every writer of a snapshot writes this layout.
 */
export function* snapshotLayout<T>(rootIn: Readonly<Record<string, unknown>>, count: number, bodies: Iterable<T>): Generator<string | T> {
  const root: Record<string, unknown> = {};
  if (!('format' in rootIn)) root.format = SNAPSHOT_FORMAT;
  if (!('version' in rootIn)) root.version = SNAPSHOT_VERSION;
  for (const [k, v] of Object.entries(rootIn)) root[k] = v;
  if (!('users' in root)) root.users = [];
  yield '{\n';
  const keys = Object.keys(root);
  for (let idx = 0; idx < keys.length; idx++) {
    const k = keys[idx];
    const comma = idx < keys.length - 1 ? ',' : '';
    if (k !== 'users') {
      yield `  ${JSON.stringify(k)}: ${indentLines(JSON.stringify(root[k], null, 2) ?? 'null', '  ')}${comma}\n`;
      continue;
    }
    if (count === 0) {
      yield `  "users": []${comma}\n`;
      continue;
    }
    yield '  "users": [\n';
    let j = 0;
    for (const body of bodies) {
      yield '    ';
      yield body;
      yield ++j < count ? ',\n' : '\n';
    }
    yield `  ]${comma}\n`;
  }
  yield '}\n';
}

/** Build an entry for `user` (a Users API JSON user) with the given protection. */
export function makeEntry(
  user: Record<string, unknown>,
  protectedFields: ReadonlyMap<string, ProtectedState> = new Map(),
  base: Readonly<Record<string, unknown>> = {},
): SnapshotEntry {
  const entry: Record<string, unknown> = { ...base, user };
  const baseSync = asObject(base.sync);
  if (protectedFields.size > 0 || baseSync) {
    const prot: Record<string, unknown> = {};
    const oldProt = asObject(baseSync?.protected) ?? {};
    for (const [field, state] of protectedFields) {
      // Keep unknown keys of an existing protection entry (e.g. a note on who changed it).
      prot[field] = { ...(asObject(oldProt[field]) ?? {}), lastSisValue: lastSisValueToJson(state.lastSisValue) };
    }
    const sync: Record<string, unknown> = { ...(baseSync ?? {}) };
    if (protectedFields.size > 0) sync.protected = prot;
    else delete sync.protected;
    if (Object.keys(sync).length > 0) entry.sync = sync;
    else delete entry.sync;
  }
  return { entry, user, protected: new Map(protectedFields) };
}

/** A snapshot built in memory (e.g. by `snapshot import`). */
export function newSnapshot(users: readonly SnapshotEntry[], profile?: Readonly<Record<string, unknown>>): Snapshot {
  const root: Record<string, unknown> = { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION };
  if (profile && Object.keys(profile).length > 0) root.profile = profile;
  root.users = [];
  return { root, users };
}

/** The `profile` object of a snapshot (settings layer), if any. */
export function snapshotProfile(snapshot: Pick<Snapshot, 'root'>): Readonly<Record<string, unknown>> | undefined {
  return asObject(snapshot.root.profile);
}
