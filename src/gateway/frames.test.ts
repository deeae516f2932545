import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrame } from './frames.ts';

function err(text: string): { code: string; ref: unknown; message: string } {
  const p = parseFrame(text);
  assert.equal(p.ok, false);
  if (p.ok) throw new Error('unreachable');
  return { code: p.error.code, ref: p.ref, message: p.error.message };
}

test('valid frames parse into the union', () => {
  const p = parseFrame('{"type":"join_channel","ref":1,"channels":["product:p1"],"since":{"product:p1":{"epoch":"e","offset":3}}}');
  assert.ok(p.ok && p.frame.type === 'join_channel' && p.frame.since?.['product:p1']?.offset === 3);
  assert.ok(parseFrame('{"type":"ping"}').ok);
});

test('bad JSON, non-objects and missing types are bad_request', () => {
  assert.equal(err('{nope').code, 'bad_request');
  assert.equal(err('[1,2]').code, 'bad_request');
  assert.deepEqual(err('{"ref":4}').ref, 4);
  assert.equal(err('{"ref":4}').code, 'bad_request');
});

test('unknown types keep their ref; served types name a missing field', () => {
  assert.deepEqual([err('{"type":"dance","ref":"a"}').code, err('{"type":"dance","ref":"a"}').ref], ['unknown_type', 'a']);
  assert.match(err('{"type":"ack","ref":2}').message, /notification_ids/, 'ack is served now: a missing field is named');
  assert.match(err('{"type":"bid","ref":2}').message, /auction_id/, 'bid is served now: a missing field is named');
  for (const t of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal(err(JSON.stringify({ type: t, ref: 3 })).code, 'unknown_type', t);
});

test('missing or wrong fields name the field', () => {
  const e = err('{"type":"broadcast_event","ref":9,"channel":"product:p1","data":{}}');
  assert.equal(e.code, 'bad_request');
  assert.equal(e.ref, 9);
  assert.match(e.message, /event_type/);
  assert.match(err('{"type":"join_channel","channels":[]}').message, /channels/);
  assert.equal(err('{"type":"ping","ref":{"x":1}}').code, 'bad_request');
});

test('members a frame type does not know are ignored (PROTOCOL.md §2, forward compatibility)', () => {
  const p = parseFrame('{"type":"ping","ref":1,"extra":1}');
  assert.ok(p.ok && p.frame.type === 'ping' && p.frame.ref === 1);
  assert.ok(!('extra' in (p.ok ? p.frame : {})), 'unknown members are dropped, not passed on');
  const j = parseFrame('{"type":"join_channel","channels":["product:p1"],"since":{"product:p1":{"epoch":"e","offset":3,"more":true}},"later":[1]}');
  assert.ok(j.ok && j.frame.type === 'join_channel' && j.frame.since?.['product:p1']?.offset === 3);
  assert.equal(err('{"type":"join_channel","channels":"product:p1"}').code, 'bad_request', 'a known member of the wrong type');
  assert.equal(err('{"type":"broadcast_event","channel":"product:p1","event_type":"x","data":{},"priority":"urgent"}').code, 'bad_request', 'a known member with a wrong value');
});
