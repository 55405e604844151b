import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDay } from '../../shared/src/analysis/inputs';
import { computeSync } from '../../shared/src/analysis/sync';
import { diffEdit, NEED_SNAPSHOT, SyncService, type ComputeReply, type SidesReply } from '../../shared/src/analysis/syncService';
import { RemoteSync } from '../../client/src/remoteSync';

/** Validation's day, as the extension passes it: today on this machine. */
const TODAY = localDay(new Date());

const root = path.resolve(__dirname, '../..');
const xml = readFileSync(path.join(root, 'example/users.xml'), 'utf8');
const snap = readFileSync(path.join(root, 'example/users.alma-snapshot.json'), 'utf8');

function apply(text: string, e: { start: number; end: number; newLength: number }, inserted: string): string {
  return text.slice(0, e.start) + inserted + text.slice(e.end);
}

describe('diffEdit', () => {
  it('finds the one stretch that changed', () => {
    expect(diffEdit('abcdef', 'abXYef')).toEqual({ start: 2, end: 4, newLength: 2 });
    expect(diffEdit('abc', 'abc')).toEqual({ start: 3, end: 3, newLength: 0 });
    expect(diffEdit('aaa', 'aaaa')).toEqual({ start: 3, end: 3, newLength: 1 });
    expect(diffEdit('', 'x')).toEqual({ start: 0, end: 0, newLength: 1 });
  });

  it('always describes an edit that turns the old text into the new one', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const e = diffEdit(a, b);
        expect(apply(a, e, b.slice(e.start, e.start + e.newLength))).toBe(b);
      }),
    );
  });
});

describe('the sync service (what the worker thread runs)', () => {
  it('after any series of edits, answers what a computation from scratch answers', () => {
    const service = new SyncService(() => TODAY);
    const users = [...xml.matchAll(/<user>/g)].map((m) => m.index!);
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(users.length - 1), pick: fc.constantFrom('<last_name>X</last_name>', '<user_group>STAFF</user_group>', '', 'oops<', '</user>') }), { minLength: 1, maxLength: 4 }),
        (edits) => {
          let text = xml;
          for (const e of edits) {
            const at = Math.min(text.length, users[e.at] + 7);
            text = text.slice(0, at) + e.pick + text.slice(at);
            const reply = service.handle({ op: 'compute', key: 'k', text, snapshotId: 's1', snapshotText: snap, layer: {} }) as ComputeReply;
            const scratch = computeSync({ today: TODAY, text, snapshotText: snap, settingsLayer: {} });
            expect(reply.plan).toEqual(scratch.plan);
            expect(reply.userStarts).toEqual(scratch.sis.users.map((u) => u.start));
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('asks for the snapshot text it does not hold, and answers compare, apply and reveal requests', () => {
    const service = new SyncService(() => TODAY);
    expect(() => service.handle({ op: 'compute', key: 'k', text: xml, snapshotId: 'fp', layer: {} })).toThrow(NEED_SNAPSHOT);
    const reply = service.handle({ op: 'compute', key: 'k', text: xml, snapshotId: 'fp', snapshotText: snap, layer: {} }) as ComputeReply;
    // the same snapshot again: no text needed
    expect(service.handle({ op: 'compute', key: 'k', text: xml, snapshotId: 'fp', layer: {} })).toEqual(reply);
    const i = reply.plan.users.findIndex((u) => u.primaryId === 'jdoe');
    expect(reply.names[i]).toMatch(/^Jane /);
    const sides = service.handle({ op: 'sides', key: 'k', index: i }) as SidesReply;
    expect((sides.before?.user as Record<string, unknown>).last_name).toBe('Doe');
    expect((sides.after?.user as Record<string, unknown>).last_name).toBe('Doe-Smith');
    const offset = service.handle({ op: 'fieldOffset', key: 'k', index: i, field: 'last_name' }) as number;
    expect(xml.startsWith('<last_name>', offset)).toBe(true);
    expect(JSON.parse(service.handle({ op: 'next', key: 'k' }) as string).format).toBe('alma-sis-snapshot');
    service.handle({ op: 'forget', key: 'k' });
    expect(() => service.handle({ op: 'next', key: 'k' })).toThrow(/no computation/);
  });
});

describe('RemoteSync', () => {
  const request = { op: 'compute' as const, key: 'k', text: xml, snapshotId: 'fp', layer: {} };

  it('computes in process when there is no worker script, sending the snapshot once', async () => {
    const remote = new RemoteSync(path.join(root, 'no-such-worker.js'), () => undefined);
    let sent = 0;
    const text = () => (sent++, snap);
    const a = await remote.compute<ComputeReply>(request, text);
    const b = await remote.compute<ComputeReply>(request, text);
    expect(a.plan).toEqual(b.plan);
    expect(sent).toBe(1);
  });

  const script = path.join(root, 'dist/syncWorker.js');
  it.skipIf(!existsSync(script))('runs in a worker thread, and a cancel stops it without a hang', async () => {
    const remote = new RemoteSync(script, () => undefined);
    try {
      const r = await remote.compute<ComputeReply>(request, () => snap);
      expect(r.plan).toEqual(computeSync({ today: TODAY, text: xml, snapshotText: snap, settingsLayer: {} }).plan);
      const sides = await remote.request<SidesReply>({ op: 'sides', key: 'k', index: 0 });
      expect(sides.before).not.toBeNull();
      // cancel at once: the promise rejects, and the next request starts a fresh worker
      const cancelled = remote.compute<ComputeReply>({ ...request, key: 'other' }, () => snap, (cancel) => cancel());
      await expect(cancelled).rejects.toThrow('cancelled');
      const again = await remote.compute<ComputeReply>(request, () => snap);
      expect(again.plan.summary).toEqual(r.plan.summary);
    } finally {
      await remote.stop();
    }
  });
});
