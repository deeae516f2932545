// The admin feed on one node, black box: what an admin sees on admin:stats
// when a phone drops without a close frame, and when a client closes politely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAs, startTestNode } from '../testkit/node.ts';
import type { Frame } from '../testkit/ws-client.ts';
import { withTimeout } from '../testkit/wait.ts';
import type { AdminSnapshot } from './collector.ts';

const snapshot = (f: Frame): AdminSnapshot | undefined => (f.type === 'event' && f.channel === 'admin:stats' ? (f.data as AdminSnapshot) : undefined);

test('a dropped connection shows as dropped/s, a polite close only as closed/s; messages and bytes in are counted', async () => {
  const node = await startTestNode();
  try {
    const admin = await connectAs(node, 'ops', ['admin']);
    assert.deepEqual((await admin.request({ type: 'join_channel', channels: ['admin:stats'] })).denied, []);
    const first = await withTimeout(admin.next((f) => snapshot(f) !== undefined), { timeoutMs: 10_000, what: 'the first snapshot' });
    assert.equal(snapshot(first)!.connections.total, 1);

    const dropped = await connectAs(node, 'phone-1');
    const polite = await connectAs(node, 'phone-2');
    for (let i = 0; i < 5; i++) await polite.request({ type: 'ping' });
    dropped.ws.terminate(); // no close frame: the server sees 1006
    await polite.close();

    // Closes counted over the snapshots since the first (each interval's rate times its length).
    const since = admin.frames.indexOf(first);
    const totals = (): { closed: number; dropped: number; snaps: AdminSnapshot[] } => {
      const snaps = admin.frames.slice(since).map(snapshot).filter((x): x is AdminSnapshot => x !== undefined);
      const sum = (f: (x: AdminSnapshot) => number): number => Math.round(snaps.reduce((n, x) => n + f(x) * (x.interval_ms / 1000), 0));
      return { closed: sum((x) => x.closes.per_s), dropped: sum((x) => x.closes.dropped_per_s), snaps };
    };
    const seen = await withTimeout(
      admin.next(() => {
        const t = totals();
        return t.closed >= 2 && t.dropped >= 1;
      }, since),
      { timeoutMs: 10_000, what: 'snapshots showing both closes' },
    );
    const { closed, dropped: drops, snaps: after } = totals();
    assert.equal(closed, 2, 'two connections closed');
    assert.equal(drops, 1, 'one of them dropped');
    assert.equal(snapshot(seen)!.connections.total, 1);
    assert.ok(after.some((s) => s.messages.in_per_s > 0 && s.bandwidth.in_bytes_per_s > 0), 'the pings were counted as messages and bytes in');
    assert.ok(snapshot(seen)!.bandwidth.out_bytes_per_s > 0, 'the snapshots themselves go out');
    await admin.close();
  } finally {
    await node.stop();
  }
});
