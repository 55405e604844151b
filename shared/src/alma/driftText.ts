/**
 * The drift summary of a refresh, in the words Terraform uses for changes made outside of it
 * ("Objects have changed outside of Terraform", `# x has changed`, `~ attr = old -> new`,
 * "No changes."), because that is how people who review infrastructure already read drift.
 * One text for the command line and the editor.
 */
import { valueToJson, type FieldValue } from '../sis/record';
import type { FieldDrift, NotInAlma, RefreshCounts, UserDrift } from './refresh';

function show(v: FieldValue): string {
  const j = valueToJson(v);
  return j === null ? 'null' : JSON.stringify(j);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function fieldLine(f: FieldDrift, width: number): string {
  const mark = f.before === null ? '+' : f.after === null ? '-' : '~';
  const value = f.before === null ? show(f.after) : `${show(f.before)} -> ${show(f.after)}`;
  const note = f.protected
    ? '  # protected: the sync keeps the value staff set by hand'
    : f.protectedKind
      ? '  # if staff changed it by hand, Alma now protects it from the sync'
      : '';
  return `      ${mark} ${f.field.padEnd(width)} = ${value}${note}`;
}

function userBlock(d: UserDrift): string[] {
  const name = JSON.stringify(d.primaryId);
  if (d.kind === 'deleted') return [`  # user ${name} has been deleted`, `  - user ${name}`];
  if (d.kind === 'added') return [`  # user ${name} has been added to the snapshot (it is in Alma)`, `  + user ${name}`];
  const width = Math.max(0, ...d.fields.map((f) => f.field.length), ...d.lists.map((l) => l.list.length), d.accountType ? 'account_type'.length : 0);
  const lines = [`  # user ${name} has changed`, `  ~ user ${name} {`];
  if (d.accountType) {
    const note = d.accountType.after === 'INTERNAL' ? '  # the sync rejects internal users: "User is not external"' : '';
    lines.push(`      ~ ${'account_type'.padEnd(width)} = ${JSON.stringify(d.accountType.before)} -> ${JSON.stringify(d.accountType.after)}${note}`);
  }
  for (const f of d.fields) lines.push(fieldLine(f, width));
  for (const l of d.lists) {
    const parts = [...(l.removed > 0 ? [`${l.removed} removed`] : []), ...(l.added > 0 ? [`${l.added} added`] : [])];
    lines.push(`      ~ ${l.list.padEnd(width)} = ${parts.join(', ')}`);
  }
  if (d.unchanged > 0) lines.push(`        # (${plural(d.unchanged, 'unchanged attribute')} hidden)`);
  lines.push('    }');
  return lines;
}

/** One line with the counts of a refresh. */
export function refreshSummaryLine(counts: RefreshCounts, snapshotName: string): string {
  const parts = [
    `${plural(counts.read, 'user')} read from Alma`,
    `${counts.changed} changed`,
    `${counts.deleted} deleted`,
    `${counts.added} added`,
    `${counts.unchanged} unchanged`,
  ];
  const tail: string[] = [];
  if (counts.notInAlma > 0) tail.push(`${plural(counts.notInAlma, 'Match ID value')} of the file not in Alma (the sync would create ${counts.notInAlma === 1 ? 'that user' : 'those users'})`);
  if (counts.withoutMatchId > 0) tail.push(`${plural(counts.withoutMatchId, 'user')} of the file without a Match ID value`);
  return `Refreshed ${snapshotName}: ${parts.join(', ')}${tail.length > 0 ? `; ${tail.join('; ')}` : ''}.`;
}

/**
 * The drift summary: what changed in Alma since the snapshot was taken, user by user, then the
 * file's values Alma does not know, then the counts.
 */
export function driftText(drift: readonly UserDrift[], notInAlma: readonly NotInAlma[], counts: RefreshCounts, snapshotName: string): string {
  const out: string[] = [];
  if (drift.length === 0) {
    out.push('No changes. Your snapshot matches Alma.', '');
  } else {
    out.push(
      'Note: Objects have changed in Alma since the snapshot was taken',
      '',
      `alma-sis detected the following changes made in Alma since ${snapshotName} was taken:`,
      '',
    );
    for (const d of drift) out.push(...userBlock(d), '');
    out.push(
      'The snapshot now holds these values. Unless the SIS file sends them, the next sync may undo',
      'the changes above; fields staff changed by hand stay as they are while they are protected.',
      '',
    );
  }
  if (notInAlma.length > 0) {
    out.push(`Not in Alma (${plural(notInAlma.length, 'value')} of the file; the sync would create these users):`);
    for (const n of notInAlma) out.push(`  ${JSON.stringify(n.id)}${n.idType ? ` (${n.idType})` : ''}: ${n.message}${n.code ? ` (${n.code})` : ''}`);
    out.push('');
  }
  out.push(refreshSummaryLine(counts, snapshotName));
  return `${out.join('\n')}\n`;
}
