// Regression (found by the fuzz test): a frame or body nested thousands of
// levels deep parsed, then overflowed the stack in JSON.stringify (the
// presence frame's shopping_activity check, publishing a broadcast's data)
// and the node process died. Now it is bad_request and the node goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth.ts';
import { parseFrame } from './frames.ts';
import { connectAs, startTestNode, token, type TestNode } from '../testkit/node.ts';

const arrays = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const objects = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

let node: TestNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.stop();
});

test('jsonTooDeep counts levels of arrays and objects, without recursion', () => {
  assert.equal(jsonTooDeep(JSON.parse(arrays(MAX_JSON_DEPTH))), false);
  assert.equal(jsonTooDeep(JSON.parse(arrays(MAX_JSON_DEPTH + 1))), true);
  assert.equal(jsonTooDeep(JSON.parse(objects(MAX_JSON_DEPTH))), false);
  assert.equal(jsonTooDeep(JSON.parse(`{"x":[1,{"y":${objects(MAX_JSON_DEPTH - 2)}}]}`)), true);
  assert.equal(jsonTooDeep(JSON.parse(arrays(100_000))), true);
  assert.equal(jsonTooDeep('text'), false);
  assert.equal(jsonTooDeep(null), false);
});

test('parseFrame refuses a frame nested too deep as bad_request, echoing a good ref', () => {
  const p = parseFrame(`{"type":"presence","ref":5,"status":"online","shopping_activity":${arrays(7000)}}`);
  assert.equal(p.ok, false);
  assert.ok(!p.ok && p.error.code === 'bad_request' && p.ref === 5);
  const ok = parseFrame(`{"type":"presence","ref":5,"status":"online","shopping_activity":${arrays(10)}}`);
  assert.equal(ok.ok, true);
});

test('deeply nested presence, broadcast and chat frames are bad_request and the node goes on serving', async () => {
  const c = await connectAs(node, 'deep-p', ['publisher']);
  const frames = [
    `{"type":"presence","ref":1,"status":"online","shopping_activity":${arrays(7000)}}`,
    `{"type":"broadcast_event","ref":2,"channel":"product:p1","event_type":"x","data":${arrays(7000)}}`,
    `{"type":"broadcast_event","ref":3,"channel":"product:p1","event_type":"x","data":${objects(2500)}}`,
    `{"type":"send_message","ref":4,"channel":"chat:r1","message":"hi","metadata":{"a":${arrays(7000)}}}`,
  ];
  for (const [i, text] of frames.entries()) {
    const from = c.frames.length;
    c.sendRaw(text);
    const answer = await c.next((f) => f.ref === i + 1, from);
    assert.equal(answer.type, 'error');
    assert.equal(answer.code, 'bad_request', JSON.stringify(answer));
  }
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  await c.close();
});

test('REST bodies nested too deep are 400 bad_request, not a 500 or a crash', async () => {
  const pub = await token({ sub: 'deep-r', roles: ['publisher'] });
  const call = (method: string, path: string, body: string): Promise<Response> =>
    fetch(node.http(`/api/v1/realtime/${path}`), { method, headers: { authorization: `Bearer ${pub}`, 'content-type': 'application/json' }, body });
  for (const [method, path, body] of [
    ['PUT', 'presence', `{"status":"online","shopping_activity":${arrays(20_000)}}`],
    ['POST', 'events/broadcast', `{"channel":"product:p1","event_type":"x","data":${arrays(20_000)}}`],
    ['POST', 'notifications', `{"user_ids":["u1"],"notification_type":"price_drop_alert","data":{"a":${objects(5000)}}}`],
  ] as const) {
    const res = await call(method, path, body);
    assert.equal(res.status, 400, `${method} ${path}`);
    const b = (await res.json()) as { code: string; temporary: boolean };
    assert.equal(b.code, 'bad_request');
    assert.equal(b.temporary, false);
  }
  assert.equal((await fetch(node.http('/api/v1/realtime/health'))).status, 200);
});
