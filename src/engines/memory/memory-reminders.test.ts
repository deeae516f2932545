import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryReminderEngine } from './memory-reminders.ts';
import { yieldToTimers } from '../../testkit/wait.ts';

test('due lists reminders at or before now, oldest first, up to the limit; they stay until cancelled', async () => {
  const e = new MemoryReminderEngine();
  await e.set({ address: 'auction:a', name: 'close', dueAt: 300 });
  await e.set({ address: 'sale:s', name: 'hold:1', dueAt: 100 });
  await e.set({ address: 'sale:s', name: 'hold:2', dueAt: 200 });
  await e.set({ address: 'user:u', name: 'later', dueAt: 1000 });
  assert.deepEqual((await e.due(300, 10)).map((r) => r.name), ['hold:1', 'hold:2', 'close']);
  assert.deepEqual((await e.due(300, 2)).map((r) => r.name), ['hold:1', 'hold:2']);
  assert.equal((await e.due(300, 10)).length, 3, 'listing does not consume');
  await e.cancel('sale:s', 'hold:1');
  assert.deepEqual((await e.due(300, 10)).map((r) => r.name), ['hold:2', 'close']);
});

test('setting a reminder again moves it; the same name on another actor is another reminder', async () => {
  const e = new MemoryReminderEngine();
  await e.set({ address: 'auction:a', name: 'close', dueAt: 100 });
  await e.set({ address: 'auction:b', name: 'close', dueAt: 100 });
  await e.set({ address: 'auction:a', name: 'close', dueAt: 500 });
  assert.deepEqual(await e.due(200, 10), [{ address: 'auction:b', name: 'close', dueAt: 100 }]);
  await assert.rejects(e.set({ address: 'auction:a', name: 'x', dueAt: Number.NaN }), RangeError);
});

test('agrees with a scan of the live reminders under a random mix of sets, re-sets, cancels and polls', async () => {
  let seed = 11;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const e = new MemoryReminderEngine();
  const model = new Map<string, number>();
  let now = 0;
  for (let i = 0; i < 20_000; i++) {
    const address = `user:u${rand(500)}`;
    const name = rand(2) === 0 ? 'expiry' : 'offline';
    const op = rand(10);
    if (op < 5) {
      const dueAt = now + rand(2000) - 200;
      await e.set({ address, name, dueAt });
      model.set(`${address} ${name}`, dueAt);
    } else if (op < 7) {
      await e.cancel(address, name);
      model.delete(`${address} ${name}`);
    } else {
      now += rand(100);
      const limit = 1 + rand(50);
      const got = (await e.due(now, limit)).map((r) => [`${r.address} ${r.name}`, r.dueAt] as const);
      const want = [...model].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
      // Reminders due at the same moment may come in any order: compare the times, then the sets.
      assert.deepEqual(got.map(([, at]) => at), want.slice(0, limit).map(([, at]) => at));
      const cut = got.length === 0 ? -Infinity : got[got.length - 1]![1];
      assert.deepEqual(new Set(got.filter(([, at]) => at < cut).map(([k]) => k)), new Set(want.filter(([, at]) => at < cut).map(([k]) => k)));
    }
  }
});

// The cost, not a timing: every poll scanned all the reminders (about 2 ms
// with 300,000 of them, so these polls took over 10 s and the bound cuts them
// short); by due time a poll with nothing due reads the earliest only.
test('polls read the due reminders only: 5,000 polls beside 300,000 reminders of next week', { timeout: 8000 }, async () => {
  const e = new MemoryReminderEngine();
  const week = 7 * 86_400_000;
  for (let i = 0; i < 300_000; i++) await e.set({ address: `user:u${i}`, name: 'expiry', dueAt: week + i });
  await e.set({ address: 'auction:a', name: 'close', dueAt: 100 });
  for (let i = 0; i < 5000; i++) {
    assert.equal((await e.due(1000 + i, 1000)).length, 1);
    if (i % 100 === 0) await yieldToTimers();
  }
});
