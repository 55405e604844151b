/** Small builders for engine tests: SIS XML users, snapshots and plans in a line each. */
import { applyPlan, incomingUsers, planFile, type IncomingUser, type Plan, type UserPlan } from '../../shared/src/engine';
import { settingsFrom, type Settings } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { parseSnapshot, serializeSnapshot, type Snapshot } from '../../shared/src/snapshot/snapshot';

export function settings(over: Record<string, unknown> = {}): Settings {
  const { settings: s, problems } = settingsFrom(over);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
  return s;
}

/** `<users>` around the given `<user>` bodies (each string is the inside of one `<user>`). */
export function sisFile(...bodies: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n${bodies.map((b) => `  <user>${b}</user>\n`).join('')}</users>\n`;
}

export function incoming(xml: string): IncomingUser[] {
  return incomingUsers(readSisDocument(xml));
}

export interface SnapUser {
  user: Record<string, unknown>;
  sync?: Record<string, unknown>;
  [k: string]: unknown;
}

export function snapshotText(users: SnapUser[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ format: 'alma-sis-snapshot', version: 1, ...extra, users }, null, 2)}\n`;
}

export function snapshot(users: SnapUser[], extra: Record<string, unknown> = {}): Snapshot {
  const r = parseSnapshot(snapshotText(users, extra));
  if (!r.snapshot) throw new Error(JSON.stringify(r.problems));
  return r.snapshot;
}

/** An external Alma user in the API JSON shape, with overrides. */
export function almaUser(primaryId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    primary_id: primaryId,
    account_type: { value: 'EXTERNAL', desc: 'External' },
    status: { value: 'ACTIVE' },
    preferred_language: { value: 'en' },
    ...over,
  };
}

export function plan(xml: string, users: SnapUser[], over: Record<string, unknown> = {}): Plan {
  return planFile(incoming(xml), snapshot(users), settings(over));
}

export function planOne(body: string, user: SnapUser | undefined, over: Record<string, unknown> = {}): UserPlan {
  return plan(sisFile(body), user ? [user] : [], over).users[0];
}

/** Plan, apply, and return the new snapshot (also as text). */
export function planAndApply(xml: string, snap: Snapshot, s: Settings): { plan: Plan; next: Snapshot; text: string } {
  const inc = incoming(xml);
  const p = planFile(inc, snap, s);
  const next = applyPlan(snap, p, inc, s);
  const text = serializeSnapshot(next);
  const reread = parseSnapshot(text);
  if (!reread.snapshot) throw new Error(`apply wrote an unreadable snapshot: ${JSON.stringify(reread.problems)}`);
  return { plan: p, next: reread.snapshot, text };
}
