import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRef } from './frames.ts';
import { encodePublish, publishMessage, publishReplyFrame, type PublishRequest } from './publish.ts';

test('the hand-built publish message is JSON.stringify of the message', () => {
  const reqs: PublishRequest[] = [
    { channel: 'product:p1', event_type: 'bench', data: { n: 1 }, priority: 'normal', ttl_s: undefined, sender: null, client_msg_id: undefined },
    { channel: 'user:u1', event_type: 'message', data: { message: 'a "quoted"\n\\ text 😀', metadata: {} }, priority: 'high', ttl_s: 60, sender: 'u"1', client_msg_id: 'c\\1' },
    { channel: 'product:p1', event_type: 'x.y:z-1_2', data: [null, 1.5, 'é'], priority: 'low', ttl_s: 1, sender: 'u1', client_msg_id: 'm1' },
    { channel: 'product:p1', event_type: 'e', data: 'just a string', priority: 'normal', ttl_s: undefined, sender: null, client_msg_id: '\u2028' },
  ];
  for (const r of reqs) {
    const msg = publishMessage(r);
    assert.equal(encodePublish(msg), JSON.stringify(msg));
  }
});

test('the hand-built reply frame is the reply object with its ref, as JSON', () => {
  for (const ref of [undefined, 0, -0, 7, 1.5, 1e21, -3, '', 'r', 'a"b', 'é😀']) {
    for (const answer of [{ id: 'ev_abc-_1', offset: 12, epoch: 'e1', duplicate: false }, { id: 'ev_"x"', offset: 0, epoch: 'e', duplicate: true }]) {
      const expected = JSON.stringify(withRef({ type: 'reply', ok: true, id: answer.id, channel: 'user:u"1', offset: answer.offset }, ref));
      assert.equal(publishReplyFrame(answer, 'user:u"1', ref), expected);
    }
  }
});
