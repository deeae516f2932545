// A sale with many holds: confirming them in reservation order (payments
// finish roughly in that order) must not cost a scan of every hold each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeActor } from '../../testkit/fake-context.ts';
import { saleBehaviour } from './actor.ts';
import type { SaleMessage } from './messages.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

const NOW = Date.parse('2026-12-08T21:00:00+06:00');
const N = 20_000;

// The cost, not a timing: each confirm of the earliest hold used to look for
// the next expiry in every hold (3.2 ms each with 20,000 holds: 69 s for this
// test, which its bound cuts short); by expiry it takes about 0.5 s in all.
test(`${N} holds confirmed in reservation order, then the hold reminder finds nothing left to expire`, { timeout: 30_000 }, async () => {
  const a = await fakeActor<unknown, SaleMessage>(saleBehaviour({ idempotencyTtlMs: 900_000, refusalsMax: 1000, stockConflateMs: 100, idleMs: 300_000 }), 'sale:big', NOW);
  await a.handle({ type: 'create', spec: { id: 'big', title: null, startsAt: NOW, endsAt: NOW + 3_600_000, perUserLimit: 1, holdMs: 600_000, skus: [{ sku: 's1', stock: N, price: null }] } });
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    a.at(NOW + i);
    ids.push(((await a.handle({ type: 'reserve', user: `u${i}`, sku: 's1', qty: 1 })) as { reservation: { id: string } }).reservation.id);
    if (i % 1000 === 0) await yieldToTimers(); // the handler's promises never let the test's bound run
  }
  assert.equal(a.reminders.get('holds'), NOW + 600_000, 'the reminder at the first hold');
  for (let i = 0; i < N - 1; i++) {
    a.at(NOW + N + i);
    await a.handle({ type: 'confirm', reservation_id: ids[i]! });
    if (i % 1000 === 0) await yieldToTimers();
  }
  assert.equal(a.reminders.get('holds'), NOW + N - 1 + 600_000, 'the reminder followed to the last hold');
  a.at(NOW + N - 1 + 600_000);
  await a.handle({ type: 'reminder', name: 'holds', due_at: NOW + N - 1 + 600_000 });
  const view = (await a.handle({ type: 'get' })) as { skus: { sku: string; available: number; reserved: number; sold: number }[] };
  assert.deepEqual(view.skus.map((k) => [k.available, k.reserved, k.sold]), [[1, 0, N - 1]], 'the last hold expired by its reminder; the rest sold');
  assert.equal(a.reminders.has('holds'), false);
});
