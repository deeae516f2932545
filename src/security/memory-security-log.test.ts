import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HaatError } from '../errors.ts';
import { MemorySecurityLog } from './memory-security-log.ts';

const at = (ms: number) => ({ now: () => ms });
const ev = (detail: string) => ({ kind: 'flooding' as const, user_id: 'u', session_id: 's', ip: '10.0.0.1', detail });

test('newest first, page by page, keeping only the newest `capacity` events', async () => {
  const log = new MemorySecurityLog({ capacity: 5, node: 'n1', clock: at(Date.UTC(2026, 10, 24, 13, 5)) });
  for (let i = 1; i <= 7; i++) log.record(ev(`e${i}`));
  const first = await log.list(2, undefined);
  assert.deepEqual(first.events.map((e) => e.detail), ['e7', 'e6']);
  assert.equal(first.events[0]!.ts, '2026-11-24T19:05:00.000+06:00');
  assert.equal(first.events[0]!.node, 'n1');
  log.record(ev('e8')); // a new event does not shift the next page
  const second = await log.list(2, first.next_cursor!);
  assert.deepEqual(second.events.map((e) => e.detail), ['e5', 'e4']);
  assert.equal(second.next_cursor, null, 'e3 was pushed out of the ring by e8');
  assert.deepEqual((await log.list(10, undefined)).events.map((e) => e.detail), ['e8', 'e7', 'e6', 'e5', 'e4']);
});

test('an empty log has one empty page; a malformed cursor is bad_request', async () => {
  const log = new MemorySecurityLog({ capacity: 3, node: 'n1', clock: at(0) });
  assert.deepEqual(await log.list(10, undefined), { events: [], next_cursor: null });
  await assert.rejects(log.list(10, 'bm9wZQ'), (e: unknown) => e instanceof HaatError && e.code === 'bad_request');
});

test('kinds: only the events of those kinds, page by page, no empty last page', async () => {
  const log = new MemorySecurityLog({ capacity: 100, node: 'n1', clock: at(0) });
  const kinds = ['spam', 'flooding', 'abuse', 'spam', 'bad_token', 'spam', 'flooding'] as const;
  kinds.forEach((kind, i) => log.record({ ...ev(`e${i + 1}`), kind }));
  const wanted = new Set(['spam', 'abuse'] as const);
  const first = await log.list(2, undefined, wanted);
  assert.deepEqual(first.events.map((e) => `${e.kind}:${e.detail}`), ['spam:e6', 'spam:e4']);
  const second = await log.list(2, first.next_cursor!, wanted);
  assert.deepEqual(second.events.map((e) => `${e.kind}:${e.detail}`), ['abuse:e3', 'spam:e1']);
  assert.equal(second.next_cursor, null);
  const exact = await log.list(3, undefined, new Set(['spam'] as const));
  assert.deepEqual([exact.events.length, exact.next_cursor], [3, null], 'older entries of other kinds make no next page');
  assert.deepEqual((await log.list(5, undefined, new Set(['upgrade_rate'] as const))).events, []);
});
