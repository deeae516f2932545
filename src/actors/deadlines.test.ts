import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { Deadlines, timeoutClass } from './deadlines.ts';

/** Adds the given [id, timeoutMs] pairs and resolves with the ids in the order they expired. */
function expiryOrder(adds: [number, number][]): Promise<number[]> {
  const expired: number[] = [];
  return new Promise((resolve) => {
    const d = new Deadlines((id) => {
      expired.push(id);
      if (expired.length === adds.length) {
        d.stop();
        resolve(expired);
      }
    });
    for (const [id, ms] of adds) d.add(id, ms);
  });
}

test('each id expires once, after its own timeout, earliest first across timeout values', { timeout: 10_000 }, async () => {
  assert.deepEqual(await expiryOrder([[1, 60], [2, 20], [3, 60], [4, 5]]), [4, 2, 1, 3]);
});

test('many ids of one timeout (past the ring`s first growth) all expire, in order', { timeout: 10_000 }, async () => {
  const ids = Array.from({ length: 5000 }, (_, i) => i);
  assert.deepEqual(await expiryOrder(ids.map((i) => [i, 10])), ids);
});

test('a timeout`s class is it rounded down to 16 steps per power of two: at most 1/16 below it', () => {
  assert.equal(timeoutClass(0), 0);
  assert.equal(timeoutClass(31), 31);
  assert.equal(timeoutClass(5000), 4864);
  assert.equal(timeoutClass(4096), 4096);
  for (let ms = 1; ms <= 10_000; ms++) {
    const c = timeoutClass(ms);
    assert.ok(c <= ms && c >= ms - ms / 16, `${ms} -> ${c}`);
  }
});

test('asks from other nodes, each with what is left of its asker`s time, share a few hundred FIFOs and never expire early', { timeout: 10_000 }, async () => {
  const due = new Map<number, number>();
  const early: number[] = [];
  let expired = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const d = new Deadlines((id) => {
    if (performance.now() < due.get(id)!) early.push(id);
    if (++expired === 5000) done();
  });
  try {
    // 5,000 asks with every remaining time, as a burst from other nodes brings them (1 to 500 ms here, each different).
    for (let i = 0; i < 5000; i++) {
      const ms = 1 + (i % 500) + i / 10_000;
      due.set(i, performance.now() + ms);
      d.add(i, ms);
    }
    assert.ok(d.queueCount <= 200, `${d.queueCount} FIFOs`);
    await all;
    assert.deepEqual(early, []);
    assert.equal(d.queueCount, 0);
  } finally {
    d.stop();
  }
});

test('after the loop was blocked past a deadline, an answer that arrived meanwhile is read before the ask expires', { timeout: 10_000 }, async () => {
  const { port1, port2 } = new MessageChannel();
  const pending = new Set([1]);
  const log: string[] = [];
  let settled!: () => void;
  const done = new Promise<void>((r) => (settled = r));
  const d = new Deadlines((id) => {
    log.push(pending.delete(id) ? `expired ${id}` : `${id} was answered before its expiry`);
    settled();
  });
  port1.on('message', (m: { answers: number }) => {
    if (pending.delete(m.answers)) log.push(`answered ${m.answers}`);
  });
  try {
    // In the loop's check phase (after its poll phase, as for a long turn of
    // work): the answer is sent at once, but this thread stays busy past the
    // deadline, so the next turn starts with the timer due and the answer unread.
    setImmediate(() => {
      d.add(1, 20);
      port2.postMessage({ answers: 1 });
      const until = performance.now() + 100;
      while (performance.now() < until);
    });
    await done;
    assert.deepEqual(log, ['answered 1', '1 was answered before its expiry']);
  } finally {
    d.stop();
    port1.close();
  }
});
