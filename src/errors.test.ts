import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, forClient, HaatError, toHaatError } from './errors.ts';

test('every catalogue code of PROTOCOL.md §9 is present with its temporary flag', () => {
  const temporary = Object.entries(ERROR_CODES).filter(([, v]) => v.temporary).map(([k]) => k).sort();
  // request_timeout is an extension (README "Spam and abuse"): a slow body may be sent again.
  assert.deepEqual(temporary, ['internal', 'rate_limited', 'request_timeout', 'unavailable']);
  for (const code of ['bad_request', 'unknown_type', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_large', 'channel_limit']) {
    assert.ok(code in ERROR_CODES, code);
  }
});

test('a HaatError survives a trip through its wire body', () => {
  const e = new HaatError('rate_limited', 'slow down', { retryAfterMs: 1200 });
  const back = HaatError.fromBody(JSON.parse(JSON.stringify(e.toBody())));
  assert.equal(back.code, 'rate_limited');
  assert.equal(back.temporary, true);
  assert.equal(back.retryAfterMs, 1200);
  assert.equal(back.status, 429);
});

test('unknown failures become internal, unknown codes too', () => {
  assert.equal(toHaatError(new TypeError('boom')).code, 'internal');
  assert.equal(HaatError.fromBody({ code: 'nope', message: 'x' }).code, 'internal');
});

test('a client sees an internal error only as a generic message with an id', () => {
  const raw = forClient(new TypeError('cannot read properties of undefined (reading "secret")'));
  assert.equal(raw.code, 'internal');
  assert.equal(raw.message, 'internal error');
  assert.match(String(raw.id), /^err_/);
  assert.deepEqual(Object.keys(raw.toBody()).sort(), ['code', 'id', 'message', 'temporary']);
  const crossed = forClient(HaatError.fromBody({ code: 'internal', message: 'channel:x failed: handler crashed', id: 'err_h0_3' }));
  assert.deepEqual(crossed.toBody(), { code: 'internal', message: 'internal error', temporary: true, id: 'err_h0_3' }, 'keeps the id the log already has');
  const ours = forClient(new HaatError('internal', 'no answer'));
  assert.equal(ours.message, 'internal error');
  assert.match(String(ours.id), /^err_/);
  const plain = new HaatError('forbidden', 'may not join order:o1');
  assert.equal(forClient(plain), plain, 'catalogue errors pass as they are');
  assert.notEqual(forClient(new Error('a')).id, forClient(new Error('a')).id);
});

test('only an internal error carries a stack (the others are answers on hot paths); the stack limit is left as it was', () => {
  const limit = Error.stackTraceLimit;
  const answer = new HaatError('bid_too_low', 'bid at least 101.00');
  assert.equal(answer.stack?.split('\n').filter((l) => l.trim().startsWith('at ')).length, 0);
  const bug = new HaatError('internal', 'broken');
  assert.ok((bug.stack?.split('\n').filter((l) => l.trim().startsWith('at ')).length ?? 0) > 0);
  assert.equal(Error.stackTraceLimit, limit);
  assert.ok((new Error('plain').stack?.split('\n').length ?? 0) > 1);
});
