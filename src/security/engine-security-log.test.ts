import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import type { Engine } from '../engines/engine.ts';
import { HaatError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { startRedisServer, type RedisServer } from '../testkit/redis-server.ts';
import { waitFor } from '../testkit/wait.ts';
import { EngineSecurityLog } from './engine-security-log.ts';

let server: RedisServer;
let engines: Engine[] = [];
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await server?.stop();
});

const at = (ms: number) => ({ now: () => ms });
const ev = (detail: string) => ({ kind: 'flooding' as const, user_id: 'u', session_id: 's', ip: '10.0.0.1', detail });

test('two nodes append to one log; listed newest first, page by page, with each event`s node', async () => {
  const prefix = `sl${process.pid}`;
  const [e1, e2] = await Promise.all([1, 2].map(() => createRedisEngine([server.url], { logger: silentLogger(), prefix })));
  engines = [e1!, e2!];
  const ts = Date.UTC(2026, 10, 24, 13, 5);
  const n1 = new EngineSecurityLog({ logs: e1!.logs, node: 'n1', clock: at(ts), logger: silentLogger(), maxLen: 100 });
  const n2 = new EngineSecurityLog({ logs: e2!.logs, node: 'n2', clock: at(ts), logger: silentLogger(), maxLen: 100 });
  // One at a time, so that the order of the entries is known.
  for (let i = 1; i <= 5; i++) {
    (i % 2 ? n1 : n2).record(ev(`e${i}`));
    await waitFor(() => n1.list(10, undefined), (p) => p.events.length === i, { timeoutMs: 2000, what: `event e${i} in the log` });
  }
  const first = await n2.list(2, undefined);
  assert.deepEqual(first.events.map((e) => [e.detail, e.node]), [['e5', 'n1'], ['e4', 'n2']]);
  assert.equal(first.events[0]!.ts, '2026-11-24T19:05:00.000+06:00');
  assert.equal(first.events[0]!.user_id, 'u');
  n2.record(ev('e6')); // a new event does not shift the next page
  await waitFor(() => n1.list(10, undefined), (p) => p.events.length === 6, { timeoutMs: 2000, what: 'e6' });
  const second = await n1.list(2, first.next_cursor!);
  assert.deepEqual(second.events.map((e) => e.detail), ['e3', 'e2']);
  const third = await n1.list(2, second.next_cursor!);
  assert.deepEqual(third.events.map((e) => e.detail), ['e1']);
  assert.equal(third.next_cursor, null, 'no empty last page');
  const exact = await n1.list(3, second.next_cursor!);
  assert.equal(exact.next_cursor, null);
});

test('a malformed cursor is bad_request', async () => {
  const e = await createRedisEngine([server.url], { logger: silentLogger(), prefix: `sl${process.pid}b` });
  engines.push(e);
  const log = new EngineSecurityLog({ logs: e.logs, node: 'n1', clock: at(0), logger: silentLogger(), maxLen: 10 });
  assert.deepEqual(await log.list(10, undefined), { events: [], next_cursor: null });
  await assert.rejects(log.list(10, 'bm9wZQ'), (err: unknown) => err instanceof HaatError && err.code === 'bad_request');
});

test('kinds: filtered pages over the cluster log, the cursor carrying on where the page stopped', async () => {
  const e = await createRedisEngine([server.url], { logger: silentLogger(), prefix: `sl${process.pid}k` });
  engines.push(e);
  const log = new EngineSecurityLog({ logs: e.logs, node: 'n1', clock: at(0), logger: silentLogger(), maxLen: 1000 });
  const kinds = ['spam', 'flooding', 'abuse', 'spam', 'bad_token', 'spam', 'flooding'] as const;
  for (let i = 0; i < kinds.length; i++) {
    log.record({ ...ev(`e${i + 1}`), kind: kinds[i]! });
    await waitFor(() => log.list(10, undefined), (p) => p.events.length === i + 1, { timeoutMs: 2000, what: `event e${i + 1}` });
  }
  const wanted = new Set(['spam', 'abuse'] as const);
  const first = await log.list(2, undefined, wanted);
  assert.deepEqual(first.events.map((x) => `${x.kind}:${x.detail}`), ['spam:e6', 'spam:e4']);
  const second = await log.list(2, first.next_cursor!, wanted);
  assert.deepEqual(second.events.map((x) => `${x.kind}:${x.detail}`), ['abuse:e3', 'spam:e1']);
  assert.equal(second.next_cursor, null);
  assert.deepEqual(await log.list(5, undefined, new Set(['reconnect_storm'] as const)), { events: [], next_cursor: null });
});
