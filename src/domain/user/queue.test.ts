// The notification queue's enqueue (rules.ts) keeps an index so that a
// notify to a full queue reads only the entries it evicts and drops; the
// plain version below reads the whole list four times. On random runs of
// notifies (with repeats of ids) and acks, both must leave the same list and
// answer the same added, evicted and dropped entries, and the index carried
// from call to call (dropped after an ack, as the user actor does) must
// always equal one made afresh from the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, enqueue, type QueueIndex, type QueueLimits, type StoredNotification } from './rules.ts';
import type { NewNotification } from './messages.ts';

const isOpen = (n: StoredNotification): boolean => n.status === 'queued' || n.status === 'delivered';

/** The plain version: what enqueue must do. */
function model(list: StoredNotification[], incoming: readonly NewNotification[], limits: QueueLimits, nextSeq: number) {
  const added: StoredNotification[] = [];
  let seq = nextSeq;
  for (const n of incoming) {
    if (list.some((x) => x.id === n.id) || added.some((a) => a.id === n.id)) continue;
    added.push({ ...n, seq: seq++, status: 'queued', delivered_at: null, acked_at: null });
  }
  list.push(...added);
  const evicted: StoredNotification[] = [];
  let open = list.filter(isOpen).length;
  for (const n of list) {
    if (open <= limits.queueMax) break;
    if (!isOpen(n)) continue;
    n.status = 'expired';
    evicted.push(n);
    open--;
  }
  const dropped: StoredNotification[] = [];
  let final = list.length - open;
  const kept = list.filter((n) => {
    if (final > limits.historyMax && !isOpen(n)) {
      dropped.push(n);
      final--;
      return false;
    }
    return true;
  });
  list.length = 0;
  list.push(...kept);
  return { added, evicted, dropped };
}

/** A small deterministic generator (the run is the same every time). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function notification(id: string): NewNotification {
  return { id, notification_type: 'auction_outbid', title: { en: id, bn: id }, message: { en: id, bn: id }, data: {}, priority: 'high', created_at: 0, expires_at: 1000 };
}

const ids = (xs: readonly StoredNotification[]) => xs.map((n) => `${n.id}:${n.seq}:${n.status}`);

for (const limits of [{ queueMax: 3, historyMax: 2 }, { queueMax: 1, historyMax: 0 }, { queueMax: 5, historyMax: 5 }]) {
  test(`enqueue agrees with the plain version over random notifies and acks (queueMax ${limits.queueMax}, historyMax ${limits.historyMax})`, () => {
    const random = rng(limits.queueMax * 31 + limits.historyMax);
    const fast: StoredNotification[] = [];
    const plain: StoredNotification[] = [];
    let nextFast = 0;
    let nextPlain = 0;
    let made = 0;
    let index: QueueIndex | undefined;
    for (let step = 0; step < 2000; step++) {
      if (random() < 0.2 && fast.length > 0) {
        // Ack a random entry (a final entry further in than the front).
        const id = fast[Math.floor(random() * fast.length)]!.id;
        assert.deepEqual(ids(ack(fast, [id], 1)), ids(ack(plain, [id], 1)));
        index = undefined;
        continue;
      }
      const count = 1 + Math.floor(random() * 3);
      const incoming = Array.from({ length: count }, () => (random() < 0.25 && made > 0 ? `n${Math.floor(random() * made)}` : `n${made++}`)).map(notification);
      const a = enqueue(fast, incoming, limits, nextFast, index);
      index = a.index;
      const fresh = enqueue([...fast], [], { queueMax: Infinity, historyMax: Infinity }, 0).index;
      assert.deepEqual([[...index.ids].sort(), index.open, index.firstOpen], [[...fresh.ids].sort(), fresh.open, fresh.firstOpen], `index after step ${step}`);
      const b = model(plain, incoming, limits, nextPlain);
      nextFast += a.added.length;
      nextPlain += b.added.length;
      assert.deepEqual([ids(a.added), ids(a.evicted), ids(a.dropped)], [ids(b.added), ids(b.evicted), ids(b.dropped)], `step ${step}`);
      assert.deepEqual(ids(fast), ids(plain), `list after step ${step}`);
      assert.ok(fast.filter(isOpen).length <= limits.queueMax && fast.filter((n) => !isOpen(n)).length <= limits.historyMax);
    }
  });
}
