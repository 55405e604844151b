/**
 * Grouping of repeated harmless findings (docs/diagnostics.md, "Grouped findings"): the core's
 * `FindingGrouper`, and what the command line makes of it in every format.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingGrouper, GroupedUserFindings, GROUPED_CODES, GROUPED_RELATED_LIMIT, asFinding, groupDocumentProblems, groupedMessage, isGroupedFinding } from '../../shared/src/analysis';
import { DIAGNOSTIC_CODES, type Problem, type Severity } from '../../shared/src/diagnostics';
import { readSisDocument } from '../../shared/src/sis/read';
import { validateDocument } from '../../shared/src/validate';
import { DEFAULT_SETTINGS } from '../../shared/src/settings';
import { checkDocumentStreaming } from '../../server/src/cli/streamCheck';
import { checkText } from '../../server/src/cli/check';
import { berkeleyStyleFile } from '../berkeleyFile';
import { ensureBuilt, run } from '../cli/helpers';

const TODAY = '2026-12-05';
const problem = (code: Problem['code'], severity: Severity, start: number, message = `${code} here`): Problem => ({ code, severity, message, start, end: start + 1 });

describe('FindingGrouper', () => {
  it('groups per code and severity, counts occurrences and users, and keeps the first in file order', () => {
    const g = new FindingGrouper<Problem>(asFinding);
    expect(g.offer(problem('segment-type-ignored', 'warning', 10), 0)).toBe(true);
    expect(g.offer(problem('segment-type-ignored', 'warning', 20), 0)).toBe(true);
    expect(g.offer(problem('empty-value', 'hint', 25), 0)).toBe(true);
    expect(g.offer(problem('empty-value', 'information', 26), 0)).toBe(true);
    expect(g.offer(problem('segment-type-ignored', 'warning', 30), 1)).toBe(true);
    const groups = g.result();
    expect(groups.map((x) => [x.first.start, x.count, x.users])).toEqual([
      [10, 3, 2],
      [25, 1, 1],
      [26, 1, 1],
    ]);
    expect(groups[0].related.map((r) => r.start)).toEqual([20, 30]);
    expect(groups[0].message).toBe('segment-type-ignored here (3 times in 2 users)');
  });

  it('makes what it keeps (the first and the related ones) with the given function, and only those', () => {
    const g = new FindingGrouper<Problem>(asFinding, 2);
    const made: number[] = [];
    const moved = (p: Problem) => {
      made.push(p.start);
      return { ...p, start: p.start + 1000, end: p.end + 1000 };
    };
    for (let i = 0; i < 10; i++) expect(g.offer(problem('segment-type-ignored', 'warning', i), i, moved)).toBe(true);
    expect(g.offer(problem('duplicate-user', 'error', 50), 11, moved)).toBe(false);
    expect(made).toEqual([0, 1, 2]);
    const [group] = g.result();
    expect([group.first.start, ...group.related.map((r) => r.start), group.count]).toEqual([1000, 1001, 1002, 10]);
  });

  it('never takes an error, nor a code that is not grouped', () => {
    const g = new FindingGrouper<Problem>(asFinding);
    // empty-value is an error in strict mode: each one stays on its own.
    expect(g.offer(problem('empty-value', 'error', 1), 0)).toBe(false);
    expect(g.offer(problem('mandatory-value-missing', 'error', 2), 0)).toBe(false);
    expect(g.offer(problem('reverts-override', 'warning', 3), 0)).toBe(false);
    expect(g.offer(problem('missing-match-id', 'warning', 4), 1)).toBe(false);
    expect(g.result()).toEqual([]);
    for (const code of GROUPED_CODES) expect(isGroupedFinding(code, 'error'), code).toBe(false);
  });

  it('keeps the first, two counters and at most the limit of related occurrences, however many come', () => {
    const g = new FindingGrouper<Problem>(asFinding);
    for (let i = 0; i < 100_000; i++) g.offer(problem('ignored-by-sis', 'hint', i * 10), i);
    const [only] = g.result();
    expect(only.count).toBe(100_000);
    expect(only.users).toBe(100_000);
    expect(only.related).toHaveLength(GROUPED_RELATED_LIMIT);
    expect(only.related.map((r) => r.start)).toEqual(Array.from({ length: GROUPED_RELATED_LIMIT }, (_, i) => (i + 1) * 10));
    expect(only.message).toBe('ignored-by-sis here (and 99,999 more users)');
  });

  it('says how many users carry it, and what kind when the occurrences differ', () => {
    const f = { code: 'ignored-by-sis', severity: 'hint' as const, message: '<full_name> is ignored.' };
    expect(groupedMessage(f, { count: 1, users: 1 })).toBe('<full_name> is ignored.');
    expect(groupedMessage(f, { count: 2000, users: 2000 })).toBe('<full_name> is ignored. (and 1,999 more users)');
    expect(groupedMessage(f, { count: 6000, users: 2000 })).toBe('<full_name> is ignored. (6,000 times in 2,000 users)');
    expect(groupedMessage(f, { count: 17, users: 1 })).toBe('<full_name> is ignored. (17 times in this user)');
    expect(groupedMessage(f, { count: 6000, users: 2000 }, false)).toBe('<full_name> is ignored. (and 5,999 more ignored-by-sis findings in 2,000 users)');
  });

  it('the grouped codes are codes of the catalogue', () => {
    for (const code of GROUPED_CODES) expect(DIAGNOSTIC_CODES).toHaveProperty(code);
  });
});

describe('grouping a whole document', () => {
  it('leaves problems outside the users (the frame) on their own, and errors in every user', () => {
    const text = `<users foo="1">\n${berkeleyStyleFile(30, { errorEvery: 10 }).split('<users>\n')[1]}`;
    const doc = readSisDocument(text);
    const all = validateDocument(doc, { settings: DEFAULT_SETTINGS, today: TODAY });
    const grouped = groupDocumentProblems(all, doc.users);
    // The root's unknown attribute is the frame's: not grouped with anything.
    expect(grouped.filter((p) => p.code === 'unknown-attribute')).toHaveLength(1);
    const errors = all.filter((p) => p.severity === 'error');
    expect(errors.length).toBe(3);
    expect(grouped.filter((p) => p.severity === 'error')).toEqual(errors);
    const segment = grouped.filter((p) => p.code === 'segment-type-ignored');
    expect(segment).toHaveLength(1);
    expect(segment[0].group).toEqual({ count: 90, users: 30 });
    expect(segment[0].related).toHaveLength(GROUPED_RELATED_LIMIT);
    expect(segment[0].start).toBe(all.find((p) => p.code === 'segment-type-ignored')!.start);
  });
});

describe('alma-sis validate on 2,000 Berkeley-style users', () => {
  let dir: string;
  let file: string;
  let withErrors: string;
  beforeAll(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-sis-group-'));
    file = path.join(dir, 'berkeley.xml');
    fs.writeFileSync(file, berkeleyStyleFile(2000));
    withErrors = path.join(dir, 'berkeley-errors.xml');
    fs.writeFileSync(withErrors, berkeleyStyleFile(2000, { errorEvery: 100 }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  interface JsonDiagnostic {
    code: string;
    severity: Severity;
    message: string;
    count?: number;
    userCount?: number;
    relatedInformation?: { path: string; range: { start: { line: number } } }[];
  }
  const json = (args: string[]) => {
    const r = run(['validate', '--format', 'json', '--today', TODAY, ...args]);
    const report = JSON.parse(r.stdout) as { files: { diagnostics: JsonDiagnostic[] }[]; summary: Record<string, number> };
    return { code: r.code, diagnostics: report.files.flatMap((f) => f.diagnostics), summary: report.summary };
  };

  it('gives at most 10 warnings, each grouped one saying how many users carry it', () => {
    const { code, diagnostics, summary } = json([file]);
    expect(code).toBe(0);
    expect(summary.warnings).toBeLessThanOrEqual(10);
    expect(diagnostics.length).toBeLessThanOrEqual(10);
    const segment = diagnostics.find((d) => d.code === 'segment-type-ignored')!;
    expect(segment).toMatchObject({ severity: 'warning', count: 6000, userCount: 2000 });
    expect(segment.message).toMatch(/\(6,000 times in 2,000 users\)$/);
    expect(segment.relatedInformation).toHaveLength(GROUPED_RELATED_LIMIT);
    expect(segment.relatedInformation![0].path).toBe(file);
  });

  it('--all-findings reports every occurrence, without counts', () => {
    const { code, diagnostics } = json(['--all-findings', file]);
    expect(code).toBe(0);
    expect(diagnostics.filter((d) => d.code === 'segment-type-ignored')).toHaveLength(6000);
    expect(diagnostics.filter((d) => d.code === 'expiry-in-past')).toHaveLength(500);
    expect(diagnostics.some((d) => d.count !== undefined || d.relatedInformation)).toBe(false);
  });

  it('never groups errors: every rejected user keeps its own, and the exit code and errors-only mode mean the same', () => {
    const grouped = json([withErrors]);
    const all = json(['--all-findings', withErrors]);
    expect(grouped.code).toBe(1);
    const errors = (ds: JsonDiagnostic[]) => ds.filter((d) => d.severity === 'error');
    expect(errors(grouped.diagnostics)).toHaveLength(20);
    expect(errors(grouped.diagnostics)).toEqual(errors(all.diagnostics));
    expect(grouped.summary.warnings).toBeLessThanOrEqual(10);
    const errorsOnly = run(['validate', '--min-severity', 'error', '--today', TODAY, withErrors]);
    expect(errorsOnly.code).toBe(1);
    expect(errorsOnly.stdout).toMatch(/1 file checked: 20 errors \(/);
  });

  it('text: the grouped finding once, its next places on one line', () => {
    const r = run(['validate', '--today', TODAY, file]);
    expect(r.code).toBe(0);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith(file));
    expect(heads.length).toBeLessThanOrEqual(10);
    expect(r.stdout).toMatch(/warning segment-type-ignored: .*\(6,000 times in 2,000 users\)\n {2}= also at 27:45, 36:36, 59:47, .*, … 5,979 more \(--all-findings shows each\)\n/);
  });

  it('SARIF: occurrenceCount and the next places as related locations', () => {
    const r = run(['validate', '--format', 'sarif', '--today', TODAY, file]);
    const results = (JSON.parse(r.stdout) as { runs: { results: { ruleId: string; occurrenceCount?: number; properties?: { userCount: number }; relatedLocations?: unknown[] }[] }[] }).runs[0].results;
    const segment = results.find((x) => x.ruleId === 'segment-type-ignored')!;
    expect(segment.occurrenceCount).toBe(6000);
    expect(segment.properties).toEqual({ userCount: 2000 });
    expect(segment.relatedLocations).toHaveLength(GROUPED_RELATED_LIMIT);
  });
});

describe('streaming and whole-text checks group alike', () => {
  it('same diagnostics, related places and counts', async () => {
    const text = berkeleyStyleFile(300, { errorEvery: 50 });
    const bytes = new TextEncoder().encode(text);
    const options = { settings: DEFAULT_SETTINGS, today: TODAY };
    const streamed = await checkDocumentStreaming({ path: 'b.xml', bytes: async function* () { yield bytes; } }, options);
    const whole = checkText('b.xml', text, [], options);
    expect(streamed.diagnostics).toEqual(whole.diagnostics);
    expect(streamed.diagnostics.filter((d) => d.group).map((d) => d.code).sort()).toEqual(['empty-value', 'expiry-in-past', 'ignored-by-sis', 'segment-type-ignored', 'unknown-element']);
  });
});

describe('GroupedUserFindings', () => {
  /** What a FindingGrouper says of every user's findings fed in file order, with the users' positions. */
  const streamed = (perUser: readonly (readonly Problem[])[], limit: number) => {
    const g = new FindingGrouper<{ user: number; finding: Problem }>((x) => x.finding, limit);
    const kept: Problem[][] = perUser.map(() => []);
    perUser.forEach((list, user) => {
      for (const finding of list) if (!g.offer({ user, finding }, user)) kept[user].push(finding);
    });
    return { kept, groups: g.result() };
  };

  it('gives, user by user replaced in any order, exactly the groups of a FindingGrouper over the whole file', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const codes: [Problem['code'], Severity][] = [
      ['segment-type-ignored', 'warning'],
      ['empty-value', 'hint'],
      ['empty-value', 'information'],
      ['unknown-element', 'warning'],
      ['expiry-in-past', 'information'],
      ['invalid-date', 'error'],
      ['unknown-element', 'error'],
    ];
    const findings = (): Problem[] =>
      Array.from({ length: rand(4) === 0 ? 0 : rand(5) }, (_, k) => {
        const [code, severity] = codes[rand(codes.length)];
        // Mostly the same message, sometimes another (the group then says how many findings, not users).
        return problem(code, severity, k * 10, rand(6) === 0 ? `${code} at ${rand(3)}` : `${code} here`);
      });
    for (const limit of [0, 2, GROUPED_RELATED_LIMIT]) {
      const users = 40;
      const perUser: Problem[][] = Array.from({ length: users }, findings);
      const held = new GroupedUserFindings<Problem>(users, asFinding, limit);
      perUser.forEach((list, u) => held.set(u, list));
      for (let step = 0; step < 300; step++) {
        const u = rand(users);
        perUser[u] = findings();
        held.set(u, perUser[u]);
        if (step % 3 !== 0) continue;
        const want = streamed(perUser, limit);
        expect(perUser.map((_, k) => held.kept(k))).toEqual(want.kept);
        expect(held.result()).toEqual(want.groups);
      }
    }
  });

  it('ungroups a finding that stops repeating, and drops a group whose last occurrence goes', () => {
    const held = new GroupedUserFindings<Problem>(3, asFinding);
    held.set(0, [problem('segment-type-ignored', 'warning', 1)]);
    held.set(2, [problem('segment-type-ignored', 'warning', 3)]);
    expect(held.result().map((g) => [g.first.user, g.count, g.users, g.message])).toEqual([[0, 2, 2, 'segment-type-ignored here (and 1 more users)']]);
    held.set(0, []);
    expect(held.result().map((g) => [g.first.user, g.count, g.related.length, g.message])).toEqual([[2, 1, 0, 'segment-type-ignored here']]);
    held.set(2, [problem('invalid-date', 'error', 3)]);
    expect(held.result()).toEqual([]);
    expect(held.kept(2).map((p) => p.code)).toEqual(['invalid-date']);
    expect(() => held.set(3, [])).toThrow(RangeError);
  });
});
