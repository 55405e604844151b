/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): self and total time per function and
 * self time per source file. Functions of an esbuild bundle are attributed to their source
 * file through the `// path/to/file.ts` markers esbuild writes before each module.
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileRow {
  name: string;
  file: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileRow[];
  files: { file: string; selfMs: number; selfPct: number }[];
}

/** (line → module path) markers of an esbuild bundle, sorted by line (0-based). */
export function bundleModules(bundle: string): { line: number; path: string }[] {
  const out: { line: number; path: string }[] = [];
  const lines = bundle.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:[\w@.-]+\/)*[\w@.-]+\.(?:ts|js|mjs|cjs|json))$/.exec(lines[i]);
    if (m) out.push({ line: i, path: m[1] });
  }
  return out;
}

function moduleAt(markers: { line: number; path: string }[], line: number): string | undefined {
  let lo = 0;
  let hi = markers.length - 1;
  let found: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (markers[mid].line <= line) {
      found = markers[mid].path;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * `bundles` maps a script URL (or its ending, e.g. `dist/cli.js`) to the bundle's text, for
 * attribution to source files; other scripts are named by their URL.
 */
export function summariseProfile(profile: CpuProfile, bundles: Record<string, string> = {}): ProfileSummary {
  const markerCache = new Map<string, { line: number; path: string }[]>();
  const fileOf = (url: string, line: number): string => {
    if (!url) return '(native)';
    const key = Object.keys(bundles).find((k) => url.endsWith(k));
    if (key) {
      let markers = markerCache.get(key);
      if (!markers) markerCache.set(key, (markers = bundleModules(bundles[key])));
      return moduleAt(markers, line) ?? key;
    }
    return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/');
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from samples and time deltas when present (exact), else hit counts.
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    for (let i = 0; i < profile.samples.length; i++) {
      const dt = profile.timeDeltas[i + 1] ?? 0;
      selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    const per = (profile.endTime - profile.startTime) / hits;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const keyOf = (n: CpuProfileNode) => {
    const name = n.callFrame.functionName || '(anonymous)';
    return `${name}\u0000${fileOf(n.callFrame.url, n.callFrame.lineNumber)}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // Total time: walk the tree; a function counts once per stack even when recursive.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const roots = profile.nodes.filter((n) => !parent.has(n.id));
  const onStack = new Map<string, number>();
  const walk = (id: number): number => {
    const n = byId.get(id)!;
    const key = keyOf(n);
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let sum = selfUs.get(id) ?? 0;
    for (const c of n.children ?? []) sum += walk(c);
    onStack.set(key, onStack.get(key)! - 1);
    self.set(key, (self.get(key) ?? 0) + (selfUs.get(id) ?? 0));
    if (onStack.get(key) === 0) total.set(key, (total.get(key) ?? 0) + sum);
    return sum;
  };
  for (const r of roots) walk(r.id);
  const functions: ProfileRow[] = [...self.keys()].map((key) => {
    const [name, file] = key.split('\u0000');
    const s = self.get(key)! / 1000;
    const t = (total.get(key) ?? 0) / 1000;
    return { name, file, selfMs: s, selfPct: (100 * s * 1000) / totalUs, totalMs: t, totalPct: (100 * t * 1000) / totalUs };
  });
  functions.sort((a, b) => b.selfMs - a.selfMs);
  const fileSelf = new Map<string, number>();
  for (const f of functions) fileSelf.set(f.file, (fileSelf.get(f.file) ?? 0) + f.selfMs);
  const files = [...fileSelf.entries()]
    .map(([file, ms]) => ({ file, selfMs: ms, selfPct: (100 * ms * 1000) / totalUs }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: totalUs / 1000, functions, files };
}

export function formatProfile(s: ProfileSummary, top = 25): string {
  const out: string[] = [`sampled ${(s.totalMs / 1000).toFixed(2)} s`, '', 'self %  total %  function (file)'];
  for (const f of s.functions.slice(0, top)) out.push(`${f.selfPct.toFixed(1).padStart(6)}  ${f.totalPct.toFixed(1).padStart(7)}  ${f.name} (${f.file})`);
  out.push('', 'by total time (inclusive):', 'total %  function (file)');
  for (const f of [...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) out.push(`${f.totalPct.toFixed(1).padStart(7)}  ${f.name} (${f.file})`);
  out.push('', 'self % by file:');
  for (const f of s.files.slice(0, 15)) out.push(`${f.selfPct.toFixed(1).padStart(6)}  ${f.file}`);
  return out.join('\n');
}
