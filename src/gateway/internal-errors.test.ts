// PROTOCOL.md §9: an `internal` error reaches the client as a generic message
// with an `id`; the log line with the details carries the same `id`. Frames and REST.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import { startNode, type RunningNode } from '../node.ts';
import { TEST_SECRET, token } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';

type LogLine = { level: number; msg: string; id?: string; err?: { message?: string } };
const lines: LogLine[] = [];
let node: RunningNode;
const BROKEN = 'product:broken';

before(async () => {
  const config = loadConfig({ env: { PORT: '0', HAAT_JWT_SECRET: TEST_SECRET, HAAT_NODE_ID: 'n-int' }, overrides: { server: { host: '127.0.0.1' }, actors: { workers: 1 } } });
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  node = await startNode(config, logger, { defaultMetrics: false });
  // Crash the channel's actor until its supervisor gives up: every ask after that fails `internal`.
  for (let i = 0; i < 10; i++) {
    const e = await node.actors.ask(`channel:${BROKEN}`, { type: 'join', node: 'probe', since: null }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    if (e && /stopped/.test(e.message)) return;
  }
  throw new Error('the channel actor never stopped');
});
after(async () => {
  await node.stop();
});

/** Fails (instead of hanging) when `p` has not settled within `ms`, saying what was awaited. */
function within<T>(ms: number, what: () => string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${what()}`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function loggedWith(id: string): LogLine {
  const line = lines.find((l) => l.id === id);
  assert.ok(line, `a log line carries ${id}`);
  return line;
}

test('an internal error answering a frame: generic message and an id; the details are in the log under that id', { timeout: 15_000 }, async () => {
  const url = `ws://127.0.0.1:${node.port}/ws?token=${await token({ sub: 'p', roles: ['publisher'] })}`;
  const pub = await within(5000, () => `the authenticated frame (log: ${JSON.stringify(lines.slice(-5))})`, TestClient.connect(url));
  const e = await within(8000, () => `the answer to broadcast_event (frames: ${JSON.stringify(pub.frames)}; log: ${JSON.stringify(lines.slice(-5))})`, pub.request({ type: 'broadcast_event', channel: BROKEN, event_type: 'x', data: {} }));
  assert.equal(e.type, 'error');
  assert.equal(e.code, 'internal');
  assert.equal(e.temporary, true);
  assert.equal(e.message, 'internal error');
  assert.match(String(e.id), /^err_/);
  const line = loggedWith(String(e.id));
  assert.equal(line.level, 50);
  assert.match(String(line.err?.message), /stopped after repeated crashes/);
  await pub.close();
});

test('an internal error answering REST: 500, generic message and an id; the details are in the log under that id', { timeout: 15_000 }, async () => {
  const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/realtime/events/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token({ sub: 'p', roles: ['publisher'] })}` },
    body: JSON.stringify({ channel: BROKEN, event_type: 'x', data: {} }),
  });
  assert.equal(res.status, 500);
  const body = (await res.json()) as { code: string; message: string; temporary: boolean; id?: string };
  assert.deepEqual({ ...body, id: undefined }, { code: 'internal', message: 'internal error', temporary: true, id: undefined });
  assert.match(String(body.id), /^err_/);
  assert.match(String(loggedWith(body.id!).err?.message), /stopped after repeated crashes/);
});

test('join_channel of a channel whose actor fails: denied internal, generic message and an id; the details are in the log under that id', { timeout: 15_000 }, async () => {
  const c = await within(5000, () => 'the authenticated frame', TestClient.connect(`ws://127.0.0.1:${node.port}/ws?token=${await token({ sub: 'u1' })}`));
  const answer = await within(8000, () => `the answer to join_channel (frames: ${JSON.stringify(c.frames)})`, c.request({ type: 'join_channel', channels: [BROKEN] }));
  const denied = (answer.denied as { channel: string; code: string; message: string; id?: string }[])[0];
  assert.deepEqual({ ...denied, id: undefined }, { channel: BROKEN, code: 'internal', message: 'internal error', id: undefined }, JSON.stringify(answer));
  assert.match(String(denied?.id), /^err_/);
  const line = loggedWith(String(denied!.id));
  assert.equal(line.level, 50);
  assert.match(String(line.err?.message), /stopped after repeated crashes/);
  await c.close();
});
