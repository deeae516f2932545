// PROTOCOL.md §9: `internal` = "a bug; logged with the same `id`": a
// client is given a generic message and an id, the log line has the details
// under that id. Here: join_channel on a channel whose actor is broken.
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
  for (let i = 0; i < 10; i++) {
    const e = await node.actors.ask(`channel:${BROKEN}`, { type: 'join', node: 'probe', since: null }).then(() => undefined, (err: unknown) => err as Error);
    if (e && /stopped/.test(e.message)) return;
  }
  throw new Error('the channel actor never stopped');
});
after(async () => {
  await node.stop();
});

test('join_channel on a channel whose actor fails: the denied entry is internal with a generic message and an id found in the log', { timeout: 15_000 }, async () => {
  const c = await TestClient.connect(`ws://127.0.0.1:${node.port}/ws?token=${await token({ sub: 'u1' })}`);
  const answer = await c.request({ type: 'join_channel', channels: [BROKEN] });
  const denied = (answer.denied as { channel: string; code: string; message: string; id?: string }[])[0];
  assert.ok(denied, `denied: ${JSON.stringify(answer)}`);
  assert.equal(denied.code, 'internal');
  assert.equal(denied.message, 'internal error', `the client sees the details: ${JSON.stringify(denied)}`);
  assert.match(String(denied.id), /^err_/, `no id given to the client: ${JSON.stringify(denied)}`);
  assert.ok(lines.some((l) => l.id === denied.id && l.level >= 50), 'a log line carries that id');
  await c.close();
});
