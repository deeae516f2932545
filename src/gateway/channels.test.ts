// Ordering, history and recovery (PROTOCOL.md §4), black-box.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import type { TestClient, Frame } from '../testkit/ws-client.ts';

let node: TestNode;
let pubToken: string;
before(async () => {
  node = await startTestNode({ actors: { workers: 2 }, channels: { historySize: 50 } });
  pubToken = await token({ sub: 'pub', roles: ['publisher'] });
});
after(async () => {
  await node.stop();
});

async function publishN(c: TestClient, channel: string, n: number, tag: string): Promise<Frame[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => c.request({ type: 'broadcast_event', channel, event_type: 'tick', data: { tag, i } })));
}

function offsetsOf(c: TestClient, channel: string): number[] {
  return c.events(channel).map((f) => Number(f.offset));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test('concurrent publishers: every subscriber sees offsets 1..N in order, no gap, no duplicate', async () => {
  const ch = 'product:ordered';
  const subs = await Promise.all([node.connect(), node.connect(), node.connect()]);
  for (const s of subs) assert.equal(((await s.request({ type: 'join_channel', channels: [ch] })).channels as { offset: number }[])[0]!.offset, 0);
  const pubs = await Promise.all([0, 1, 2, 3].map(() => node.connect({ token: pubToken })));
  const replies = (await Promise.all(pubs.map((p, k) => publishN(p, ch, 100, `p${k}`)))).flat();
  assert.ok(replies.every((r) => r.type === 'reply'));
  assert.deepEqual(replies.map((r) => Number(r.offset)).sort((a, b) => a - b), range(1, 400), 'reply offsets are 1..400');
  for (const s of subs) {
    await s.next((f) => f.type === 'event' && f.offset === 400);
    assert.deepEqual(offsetsOf(s, ch), range(1, 400));
    const ids = new Set(s.events(ch).map((f) => f.id));
    assert.equal(ids.size, 400);
  }
  await Promise.all([...subs, ...pubs].map((c) => c.close()));
});

test('the first join reports the latest offset; later events start at offset + 1', async () => {
  const ch = 'product:late-joiner';
  const pub = await node.connect({ token: pubToken });
  await publishN(pub, ch, 5, 'before');
  const sub = await node.connect();
  const joined = await sub.request({ type: 'join_channel', channels: [ch] });
  const info = (joined.channels as { channel: string; epoch: string; offset: number; recovered: boolean }[])[0]!;
  assert.equal(info.offset, 5);
  assert.equal(info.recovered, false);
  assert.ok(info.epoch.length > 0);
  await publishN(pub, ch, 1, 'after');
  await sub.next((f) => f.type === 'event' && f.channel === ch);
  assert.deepEqual(offsetsOf(sub, ch), [6]);
  await Promise.all([pub.close(), sub.close()]);
});

test('recovery: channels_joined first, then the missed events in order, then live ones', async () => {
  const ch = 'product:resume';
  const pub = await node.connect({ token: pubToken });
  const first = await node.connect();
  const j = await first.request({ type: 'join_channel', channels: [ch] });
  const epoch = (j.channels as { epoch: string }[])[0]!.epoch;
  await publishN(pub, ch, 3, 'seen');
  await first.next((f) => f.type === 'event' && f.offset === 3);
  await first.close();
  await publishN(pub, ch, 4, 'missed'); // offsets 4..7
  const back = await node.connect();
  const ref = 'resume-1';
  back.sendRaw(JSON.stringify({ type: 'join_channel', ref, channels: [ch], since: { [ch]: { epoch, offset: 3 } } }));
  const answer = await back.next((f) => f.ref === ref);
  assert.deepEqual(answer.channels, [{ channel: ch, epoch, offset: 7, recovered: true }]);
  await publishN(pub, ch, 2, 'live'); // 8, 9
  await back.next((f) => f.type === 'event' && f.offset === 9);
  const answerIndex = back.frames.indexOf(answer);
  const firstEvent = back.frames.findIndex((f) => f.type === 'event');
  assert.ok(answerIndex < firstEvent, 'channels_joined comes before any event');
  assert.deepEqual(offsetsOf(back, ch), range(4, 9));
  assert.deepEqual(back.events(ch).slice(0, 4).map((f) => (f.data as { tag: string }).tag), ['missed', 'missed', 'missed', 'missed']);
  await Promise.all([pub.close(), back.close()]);
});

test('recovery while publishers keep publishing: no gap and no duplicate at the seam', async () => {
  const ch = 'product:seam';
  const pub = await node.connect({ token: pubToken });
  const first = await node.connect();
  const epoch = ((await first.request({ type: 'join_channel', channels: [ch] })).channels as { epoch: string }[])[0]!.epoch;
  await publishN(pub, ch, 5, 'a');
  await first.next((f) => f.type === 'event' && f.offset === 5);
  await first.close();
  const flood = publishN(pub, ch, 40, 'b'); // in flight while the next client resumes
  const back = await node.connect();
  const answer = await back.request({ type: 'join_channel', channels: [ch], since: { [ch]: { epoch, offset: 5 } } });
  const joinedAt = (answer.channels as { offset: number; recovered: boolean }[])[0]!;
  assert.equal(joinedAt.recovered, true);
  await flood;
  await back.next((f) => f.type === 'event' && f.offset === 45);
  assert.deepEqual(offsetsOf(back, ch), range(6, 45));
  await Promise.all([pub.close(), back.close()]);
});

test('a since of another epoch, or older than the history holds, answers recovered false with no replay', async () => {
  const ch = 'product:lost';
  const pub = await node.connect({ token: pubToken });
  await publishN(pub, ch, 60, 'x'); // history holds 50: offsets 11..60
  const c = await node.connect();
  const wrongEpoch = await c.request({ type: 'join_channel', channels: [ch], since: { [ch]: { epoch: 'not-the-epoch', offset: 59 } } });
  const info = (wrongEpoch.channels as { epoch: string; offset: number; recovered: boolean }[])[0]!;
  assert.equal(info.recovered, false);
  assert.equal(info.offset, 60);
  await c.request({ type: 'leave_channel', channels: [ch] });
  const tooOld = await c.request({ type: 'join_channel', channels: [ch], since: { [ch]: { epoch: info.epoch, offset: 9 } } });
  assert.deepEqual(tooOld.channels, [{ channel: ch, epoch: info.epoch, offset: 60, recovered: false }]);
  await c.request({ type: 'leave_channel', channels: [ch] });
  const justInside = await c.request({ type: 'join_channel', channels: [ch], since: { [ch]: { epoch: info.epoch, offset: 10 } } });
  assert.equal((justInside.channels as { recovered: boolean }[])[0]!.recovered, true);
  await c.next((f) => f.type === 'event' && f.offset === 60);
  assert.deepEqual(offsetsOf(c, ch), range(11, 60), 'only the recovered join replays');
  await Promise.all([pub.close(), c.close()]);
});

test('broadcast_event is idempotent on client_msg_id per sender and channel', async () => {
  const ch = 'promo:once';
  const sub = await node.connect();
  await sub.request({ type: 'join_channel', channels: [ch] });
  const pub = await node.connect({ token: pubToken });
  const frame = { type: 'broadcast_event', channel: ch, event_type: 'promo', data: { x: 1 }, client_msg_id: 'cm-1' };
  const a = await pub.request(frame);
  const b = await pub.request(frame);
  assert.equal(a.offset, 1);
  assert.equal(b.offset, 1);
  assert.equal(b.id, a.id);
  const other = await node.connect({ token: await token({ sub: 'pub2', roles: ['publisher'] }) });
  assert.equal((await other.request(frame)).offset, 2, 'another sender with the same id publishes');
  await sub.next((f) => f.type === 'event' && f.offset === 2);
  assert.deepEqual(offsetsOf(sub, ch), [1, 2]);
  await Promise.all([sub.close(), pub.close(), other.close()]);
});

test('joining several channels at once: one channels_joined, then the replays', async () => {
  const [a, b] = ['sale:multi-a', 'sale:multi-b'];
  const pub = await node.connect({ token: pubToken });
  const first = await node.connect();
  const j = await first.request({ type: 'join_channel', channels: [a, b] });
  const epochs = Object.fromEntries((j.channels as { channel: string; epoch: string }[]).map((c) => [c.channel, c.epoch]));
  await first.close();
  await publishN(pub, a, 2, 'a');
  await publishN(pub, b, 3, 'b');
  const c = await node.connect();
  const answer = await c.request({ type: 'join_channel', channels: [a, b], since: { [a]: { epoch: epochs[a], offset: 0 }, [b]: { epoch: epochs[b], offset: 1 } } });
  assert.deepEqual(answer.channels, [
    { channel: a, epoch: epochs[a], offset: 2, recovered: true },
    { channel: b, epoch: epochs[b], offset: 3, recovered: true },
  ]);
  await c.next((f) => f.type === 'event' && f.channel === b && f.offset === 3);
  assert.deepEqual(offsetsOf(c, a), [1, 2]);
  assert.deepEqual(offsetsOf(c, b), [2, 3]);
  await Promise.all([pub.close(), c.close()]);
});

test('events reach the gateway only while the node has subscribers; they flow again after a new join', async () => {
  const ch = 'product:watched';
  const published = async (): Promise<number> => (await node.metrics.eventsPublished.get()).values[0]?.value ?? 0;
  const pub = await node.connect({ token: pubToken });
  const sub = await node.connect();
  await sub.request({ type: 'join_channel', channels: [ch] });
  const before = await published();
  await publishN(pub, ch, 2, 'w');
  await sub.next((f) => f.type === 'event' && f.offset === 2);
  assert.equal(await published(), before + 2);
  await sub.request({ type: 'leave_channel', channels: [ch] });
  // The unwatch is a send from the same socket's turn; a join round trip after it orders the check.
  await node.actors.ask(`channel:${ch}`, { type: 'info' });
  await publishN(pub, ch, 3, 'unwatched'); // offsets 3..5, sequenced but not handed to this node
  assert.equal(await published(), before + 2);
  const info = await node.actors.ask<{ offset: number; watchers: string[] }>(`channel:${ch}`, { type: 'info' });
  assert.deepEqual(info.watchers, []);
  assert.equal(info.offset, 5);
  const again = await sub.request({ type: 'join_channel', channels: [ch] });
  assert.equal((again.channels as { offset: number }[])[0]!.offset, 5);
  await publishN(pub, ch, 1, 'back');
  await sub.next((f) => f.type === 'event' && f.offset === 6);
  assert.equal(await published(), before + 3);
  await Promise.all([pub.close(), sub.close()]);
});

test('after the host thread of a channel is replaced, subscribers get its events again, under a new epoch', async () => {
  const ch = 'product:survivor';
  const sub = await node.connect();
  const joined = await sub.request({ type: 'join_channel', channels: [ch] });
  const oldEpoch = (joined.channels as { epoch: string }[])[0]!.epoch;
  const pub = await node.connect({ token: pubToken });
  await publishN(pub, ch, 1, 'before');
  await sub.next((f) => f.type === 'event' && f.channel === ch && f.offset === 1);
  const host = node.actors.hostOf(`channel:${ch}`);
  const restarted = new Promise<void>((resolve) => node.actors.once('hostRestarted', () => resolve()));
  await node.actors.terminateHost(host);
  await restarted;
  const reply = await pub.request({ type: 'broadcast_event', channel: ch, event_type: 'tick', data: { tag: 'after' } });
  assert.equal(reply.offset, 1, 'history was lost with the thread: offsets start over');
  const ev = await sub.next((f) => f.type === 'event' && f.channel === ch && (f.data as { tag: string }).tag === 'after');
  assert.notEqual(ev.epoch, oldEpoch, 'a new epoch tells clients the history is gone');
  const health = (await (await fetch(node.http('/api/v1/realtime/health'))).json()) as { status: string };
  assert.equal(health.status, 'ok');
  await Promise.all([sub.close(), pub.close()]);
});
