/**
 * The snapshot file (docs/plan.md, "The snapshot"): reading with problems that say where (JSON path and line),
 * never throwing; writing back unknown keys and untouched entries byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonWithSpans, topLevelArraySpans } from '../../shared/src/snapshot/json';
import { makeEntry, newSnapshot, parseSnapshot, serializeSnapshot } from '../../shared/src/snapshot/snapshot';

const snap = (users: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ format: 'alma-sis-snapshot', version: 1, ...extra, users }, null, 2);

describe('parseSnapshot', () => {
  it('reads users, protection and lastSisValue of every shape', () => {
    const r = parseSnapshot(
      snap([
        {
          user: { primary_id: 'a' },
          sync: {
            protected: {
              user_group: { lastSisValue: 'UG' },
              campus_code: { lastSisValue: null },
              rs_libraries: { lastSisValue: ['MAIN', { code: { value: 'LAW' } }] },
              library_notices: { lastSisValue: [{ code: 'X', value: 'true' }] },
            },
          },
        },
      ]),
    );
    expect(r.problems).toEqual([]);
    const p = r.snapshot!.users[0].protected;
    expect(p.get('user_group')).toEqual({ lastSisValue: 'UG' });
    expect(p.get('campus_code')).toEqual({ lastSisValue: null });
    expect(p.get('rs_libraries')).toEqual({ lastSisValue: ['MAIN', 'LAW'] });
    expect(p.get('library_notices')).toEqual({ lastSisValue: [{ code: 'X', value: true }] });
  });

  const bad: { name: string; text: string; path: string; line?: number; fatal: boolean }[] = [
    { name: 'not JSON', text: '{\n  "format": "alma-sis-snapshot",\n  "users": [\n    {"user": }\n  ]\n}', path: '$', line: 4, fatal: true },
    { name: 'empty text', text: '', path: '$', line: 1, fatal: true },
    { name: 'a list at the top', text: '[]', path: '$', fatal: true },
    { name: 'another format', text: '{"format": "alma-sis-plan", "users": []}', path: '$.format', fatal: true },
    { name: 'a bare Users API answer', text: '{"primary_id": "x", "first_name": "A"}', path: '$.format', fatal: true },
    { name: 'a newer version', text: '{"format": "alma-sis-snapshot", "version": 9, "users": []}', path: '$.version', fatal: true },
    { name: 'users not a list', text: '{"format": "alma-sis-snapshot", "version": 1, "users": {}}', path: '$.users', fatal: true },
    { name: 'an entry without user', text: snap([{ user: { primary_id: 'a' } }, { sync: {} }]), path: '$.users[1].user', line: 10, fatal: false },
    { name: 'a wrong lastSisValue', text: snap([{ user: { primary_id: 'a' }, sync: { protected: { rs_libraries: { lastSisValue: 'MAIN' } } } }]), path: '$.users[0].sync.protected.rs_libraries.lastSisValue', fatal: false },
    { name: 'an unknown protected field', text: snap([{ user: { primary_id: 'a' }, sync: { protected: { favourite_colour: {} } } }]), path: '$.users[0].sync.protected.favourite_colour', fatal: false },
    { name: 'duplicate primary ids', text: snap([{ user: { primary_id: 'a' } }, { user: { primary_id: 'A' } }]), path: '$.users[1].user.primary_id', fatal: false },
  ];
  for (const b of bad) {
    it(`reports ${b.name} with a path${b.line ? ' and a line' : ''}`, () => {
      const r = parseSnapshot(b.text);
      expect(r.snapshot === undefined).toBe(b.fatal);
      const found = r.problems.find((p) => p.path === b.path);
      expect(found, JSON.stringify(r.problems)).toBeDefined();
      expect(found!.message.length).toBeGreaterThan(5);
      if (b.line) expect(found!.line).toBe(b.line);
    });
  }

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constantFrom('{"format":"alma-sis-snapshot","users":[1,"x",null,[],{"user":[]}]}', '['.repeat(5000))), (text) => {
        const r = parseSnapshot(text);
        expect(r.snapshot !== undefined || r.problems.some((p) => p.severity === 'error')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the JSON reader', () => {
  it('agrees with JSON.parse on any JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseJsonWithSpans(text).value).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the span scan of large snapshots', () => {
  it('finds the same entry spans as the positional reader, whatever the entries hold', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.jsonValue(), fc.constantFrom(0, 2, 4), (users, other, indent) => {
        const text = JSON.stringify({ other, users, after: other }, null, indent);
        const parsed = parseJsonWithSpans(text);
        const arr = (parsed.value as { users: unknown[] }).users;
        const expected = arr.map((u) => (u !== null && typeof u === 'object' ? parsed.spans.get(u) : undefined));
        const got = topLevelArraySpans(text, 'users')!;
        expect(got).toHaveLength(arr.length);
        got.forEach((sp, k) => {
          if (expected[k]) expect(sp).toEqual(expected[k]);
          expect(JSON.parse(text.slice(sp.start, sp.end))).toEqual(arr[k]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('is undefined when there is no users array', () => {
    expect(topLevelArraySpans('[1]', 'users')).toBeUndefined();
    expect(topLevelArraySpans('{"users": 3}', 'users')).toBeUndefined();
    expect(topLevelArraySpans('{"a": {"users": [1]}}', 'users')).toBeUndefined();
  });
});

describe('serializeSnapshot', () => {
  it('round-trips: unknown keys kept, untouched entries copied as they were written', () => {
    const text = '{\n  "format": "alma-sis-snapshot",\n  "version": 1,\n  "note": {"by": "me"},\n  "users": [\n    {"user": {"primary_id": "a", "x": [1,2]},   "sync": {"protected": {}}, "mine": 1}\n  ]\n}\n';
    const r = parseSnapshot(text);
    const out = serializeSnapshot(r.snapshot!);
    expect(out).toContain('{"user": {"primary_id": "a", "x": [1,2]},   "sync": {"protected": {}}, "mine": 1}');
    expect(JSON.parse(out)).toEqual(JSON.parse(text));
  });

  it('a snapshot written by this tool reads back the same', () => {
    const s = newSnapshot([], { matchBy: 'UNIV_ID' });
    const built = { ...s, users: [makeEntry({ primary_id: 'a' }, new Map([['user_group', { lastSisValue: 'UG' }]])), makeEntry({ primary_id: 'b' })] };
    const text = serializeSnapshot(built);
    const back = parseSnapshot(text);
    expect(back.problems).toEqual([]);
    expect(JSON.parse(text)).toEqual({
      format: 'alma-sis-snapshot',
      version: 1,
      profile: { matchBy: 'UNIV_ID' },
      users: [{ user: { primary_id: 'a' }, sync: { protected: { user_group: { lastSisValue: 'UG' } } } }, { user: { primary_id: 'b' } }],
    });
    expect(serializeSnapshot(back.snapshot!)).toBe(text);
  });

  it('keeps entries that are not objects as they were', () => {
    const r = parseSnapshot('{"format": "alma-sis-snapshot", "version": 1, "users": [42, {"user": {"primary_id": "a"}}]}');
    expect(JSON.parse(serializeSnapshot(r.snapshot!)).users).toEqual([42, { user: { primary_id: 'a' } }]);
  });

  it('warns of a primary_id repeated in any case, naming the first entry that has it', () => {
    const r = parseSnapshot('{"format": "alma-sis-snapshot", "version": 1, "users": [{"user": {"primary_id": "Jdoe"}}, {"user": {"primary_id": "x"}}, {"user": {"primary_id": "JDOE"}}, {"user": {"primary_id": "jdoe"}}]}');
    expect(r.problems.filter((p) => p.path.endsWith('.primary_id')).map((p) => [p.path, p.message])).toEqual([
      ['$.users[2].user.primary_id', 'primary_id "JDOE" is also the primary_id of users[0] (Alma keeps primary ids unique, ignoring case)'],
      ['$.users[3].user.primary_id', 'primary_id "jdoe" is also the primary_id of users[0] (Alma keeps primary ids unique, ignoring case)'],
    ]);
  });
});

describe('schemas/alma-snapshot.schema.json', () => {
  it('names exactly the protectable core fields of the schema-as-data (not record_type, which only the profile writes, nor the researcher structure)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { coreFields } = await import('../../shared/src/sis/record');
    const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../schemas/alma-snapshot.schema.json'), 'utf8'));
    const names = coreFields().filter((f) => !f.onlyWithSyncRecordType && f.kind !== 'structure').map((f) => f.name);
    expect(schema.definitions.entry.properties.sync.properties.protected.propertyNames.enum).toEqual(names);
    expect(Object.keys(schema.definitions.entry.properties.sync.properties.protected.properties)).toEqual(names);
    expect(schema.properties.profile.properties.protectedFields.items.enum).toEqual(names);
    expect(schema.properties.format.const).toBe('alma-sis-snapshot');
  });
});

describe('hostile keys', () => {
  it('"__proto__" is an ordinary key, never the prototype', () => {
    const text = '{"__proto__": {"polluted": true}, "users": [{"__proto__": 1}]}';
    const v = parseJsonWithSpans(text).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(v).toEqual(JSON.parse(text));
  });
});

describe('saveSnapshot', () => {
  it('writes, piece by piece, exactly what serializeSnapshot gives, and keeps the previous file as .bak', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { saveSnapshot } = await import('../../server/src/io/snapshotFile');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alma-save-'));
    try {
      const big = 'x'.repeat(300_000);
      const text = snap(Array.from({ length: 12 }, (_, k) => ({ user: { primary_id: `u${k}`, note: big } })), { extra: { a: 1 } });
      const s = parseSnapshot(text).snapshot!;
      const file = path.join(dir, 's.alma-snapshot.json');
      fs.writeFileSync(file, snap([]));
      await saveSnapshot(file, s);
      expect(fs.readFileSync(file, 'utf8')).toBe(serializeSnapshot(s));
      expect(fs.readFileSync(`${file}.bak`, 'utf8')).toBe(snap([]));
      expect(fs.readdirSync(dir).sort()).toEqual(['s.alma-snapshot.json', 's.alma-snapshot.json.bak']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
