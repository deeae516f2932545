// A retry of a bid or reserve with the same client key waits for the ask of
// the first attempt instead of queueing another one behind it at the actor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASK_TIMEOUT_RETRY_AFTER_MS } from '../actors/ask-timeout.ts';
import { HaatError } from '../errors.ts';
import { addressesOnHost, startTestSystem } from '../testkit/actors.ts';
import { KeyedAsks, keyOf } from './keyed-asks.ts';

const T = { timeout: 30_000 };

type Outcome = { err: HaatError | undefined; v: unknown };

function requestOf(keyed: KeyedAsks, key: string, address: string, msg: Record<string, unknown> & { type: string }): Promise<Outcome> {
  return new Promise((resolve) => keyed.request(key, address, msg, (err, v) => resolve({ err, v })));
}

test('a retry of a keyed request waits for the first ask; each request is told to try again on its own', T, async () => {
  const s = await startTestSystem();
  const [target, opener] = addressesOnHost(s, 'recorder', 0, 2, 'keyed');
  const answerMs = 1000;
  const keyed = new KeyedAsks((a, m, t, done) => s.request(a, m, t, done), answerMs, 20_000);
  try {
    // The actor is busy: what is asked of it next waits behind this hold.
    const held = s.ask(target!, { type: 'hold', latch: 'keyed' }, { timeoutMs: 20_000 });
    const t0 = Date.now();
    const first = await requestOf(keyed, 'u1|r1', target!, { type: 'add', from: 'u1', seq: 1 });
    assert.ok(Date.now() - t0 >= answerMs - 50, 'refused at its own deadline');
    assert.equal(first.err?.code, 'unavailable');
    assert.equal(first.err?.retryAfterMs, ASK_TIMEOUT_RETRY_AFTER_MS, 'the refusal says when to try again');
    assert.equal(keyed.inFlight, 1, 'the ask itself goes on');

    const retry = requestOf(keyed, 'u1|r1', target!, { type: 'add', from: 'u1', seq: 2 });
    const otherKey = requestOf(keyed, 'u2|r1', target!, { type: 'add', from: 'u2', seq: 1 });
    assert.equal(keyed.inFlight, 2, 'another key asks for itself');
    await s.ask(opener!, { type: 'open', latch: 'keyed' });
    assert.equal(await held, 'released');
    assert.deepEqual(await retry, { err: undefined, v: undefined }, 'the retry got the first ask\'s answer');
    assert.deepEqual(await otherKey, { err: undefined, v: undefined });
    assert.deepEqual(await s.ask(target!, { type: 'get' }), [['u1', 1], ['u2', 1]], 'one message per key reached the actor: the retry sent none');
    assert.equal(keyed.inFlight, 0);
  } finally {
    keyed.stop();
    await s.stop();
  }
});

test('a keyed ask that fails answers every request waiting for it, and the key is free again', T, async () => {
  const s = await startTestSystem();
  const keyed = new KeyedAsks((a, m, t, done) => s.request(a, m, t, done), 5000, 20_000);
  try {
    const [a, b] = await Promise.all([requestOf(keyed, 'u1|x', 'ghost:x', { type: 'get' }), requestOf(keyed, 'u1|x', 'ghost:x', { type: 'get' })]);
    assert.equal(a.err?.code, 'not_found');
    assert.equal(b.err?.code, 'not_found');
    assert.equal(keyed.inFlight, 0);
    const again = await requestOf(keyed, 'u1|x', 'ghost:x', { type: 'get' });
    assert.equal(again.err?.code, 'not_found', 'asked again, not answered from a stale flight');
  } finally {
    keyed.stop();
    await s.stop();
  }
});

test('two users\' requests never share a key, whatever their ids and client keys hold', () => {
  assert.notEqual(keyOf('sale:s1', 'a|b', 'c'), keyOf('sale:s1', 'a', 'b|c'));
  assert.notEqual(keyOf('sale:s1', 'a","b', 'c'), keyOf('sale:s1', 'a', 'b","c'));
  assert.equal(keyOf('sale:s1', 'u1', 'r1'), keyOf('sale:s1', 'u1', 'r1'));
});
