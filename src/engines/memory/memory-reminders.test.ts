import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryReminderEngine } from './memory-reminders.ts';

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
