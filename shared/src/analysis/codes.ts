/**
 * Codes and their labels for a code field (`user_group`, `id_type`, …): from the institution's
 * code tables when given, else from what the snapshot uses (Alma writes `{value, desc}`).
 * For hovers (the label of a code) and completion (the codes to offer).
 */
import { elementDefAt } from '../schema/user';
import type { SnapshotIndex } from '../engine/types';
import type { AnalysisInputs } from './inputs';

export interface CodeOffer {
  readonly code: string;
  readonly label?: string;
  readonly source: 'code-tables' | 'snapshot';
}

function tableFor(inputs: AnalysisInputs, names: readonly string[]): readonly { code: string; label?: string }[] | undefined {
  const def = elementDefAt(names);
  if (!def || !inputs.codeTables) return undefined;
  const t = inputs.codeTables.tables.get(def.codeTable ?? def.name) ?? inputs.codeTables.tables.get(def.name);
  return t?.entries;
}

/** Codes (and labels) a snapshot uses, by element name; made once per snapshot index. */
const usedCodes = new WeakMap<SnapshotIndex, Map<string, Map<string, string | undefined>>>();

function snapshotCodes(snapshot: SnapshotIndex): Map<string, Map<string, string | undefined>> {
  let out = usedCodes.get(snapshot);
  if (out) return out;
  const found = new Map<string, Map<string, string | undefined>>();
  const add = (name: string, code: string, label: string | undefined) => {
    let m = found.get(name);
    if (!m) found.set(name, (m = new Map()));
    if (!m.has(code) || (m.get(code) === undefined && label)) m.set(code, label);
  };
  // Code fields in the Users API JSON are {value, desc} under the element's own name.
  const walk = (v: unknown, name: string, depth: number) => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, name, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.value === 'string' && o.value !== '' && Object.keys(o).every((k) => k === 'value' || k === 'desc')) {
      add(name, o.value, typeof o.desc === 'string' && o.desc !== '' ? o.desc : undefined);
      return;
    }
    for (const [k, x] of Object.entries(o)) walk(x, k, depth + 1);
  };
  for (let k = 0; k < snapshot.size; k++) {
    const user = snapshot.entry(k)?.user;
    if (user) walk(user, 'user', 0);
  }
  out = found;
  usedCodes.set(snapshot, out);
  return out;
}

/** The label of a code: from the code tables, else a `desc` the snapshot uses for it. */
export function codeLabel(inputs: AnalysisInputs, names: readonly string[], code: string): string | undefined {
  const hit = tableFor(inputs, names)?.find((e) => e.code === code);
  if (hit?.label) return hit.label;
  return inputs.index ? snapshotCodes(inputs.index).get(names[names.length - 1])?.get(code) : undefined;
}

/** Codes to offer in a code field: the code tables', else the ones the snapshot uses. */
export function codeOffers(inputs: AnalysisInputs, names: readonly string[]): CodeOffer[] {
  const table = tableFor(inputs, names);
  if (table) return table.map((e) => ({ code: e.code, label: e.label, source: 'code-tables' as const }));
  const used = inputs.index ? snapshotCodes(inputs.index).get(names[names.length - 1]) : undefined;
  return used ? [...used].map(([code, label]) => ({ code, label, source: 'snapshot' as const })) : [];
}
