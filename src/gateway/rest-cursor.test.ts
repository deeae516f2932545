// Regression (found by the REST fuzz test): a `cursor` that is not one the
// server gave, on GET notifications or GET chat/rooms/:id/messages, reached
// the actor, whose decodeCursor threw inside the handler: the actor crashed
// and the caller got 500 internal. It is 400 bad_request at the edge now.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';

let node: TestNode;
let customer: string;
let roomId: string;
before(async () => {
  node = await startTestNode();
  customer = await token({ sub: 'cur-u1', roles: ['customer'] });
  const res = await fetch(node.http('/api/v1/realtime/chat/rooms'), { method: 'POST', headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'group', participants: [{ user_id: 'cur-u2' }] }) });
  assert.equal(res.status, 201);
  roomId = ((await res.json()) as { id: string }).id;
});
after(async () => {
  await node.stop();
});

const get = (path: string): Promise<Response> => fetch(node.http(`/api/v1/realtime/${path}`), { headers: { authorization: `Bearer ${customer}` } });
const cursorOf = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

test('a cursor the server did not give is 400 bad_request on GET notifications and GET chat messages, and the actors go on', async () => {
  for (const path of [
    'notifications?cursor=queued',
    'notifications?cursor=u0%2Cu1',
    `notifications?cursor=${cursorOf([1])}`,
    `chat/rooms/${roomId}/messages?cursor=0`,
    `chat/rooms/${roomId}/messages?cursor=5e-324`,
    `chat/rooms/${roomId}/messages?cursor=${cursorOf(['x'])}`,
    `chat/rooms/${roomId}/messages?cursor=${cursorOf([1, 2])}`,
  ]) {
    const res = await get(path);
    assert.equal(res.status, 400, path);
    const body = (await res.json()) as { code: string; temporary: boolean };
    assert.equal(body.code, 'bad_request', path);
    assert.equal(body.temporary, false);
  }
  assert.equal((await get('notifications')).status, 200);
  assert.equal((await get(`chat/rooms/${roomId}/messages?cursor=${cursorOf([3])}`)).status, 200);
  assert.equal((await get(`chat/rooms/${roomId}/messages`)).status, 200);
});
