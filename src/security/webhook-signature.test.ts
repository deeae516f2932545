import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signBody, signatureProblem } from './webhook-signature.ts';

const SECRET = 'shared-secret';
const raw = Buffer.from('{"payment_id":"TRX1","amount":1350.50}');
const hex = createHmac('sha256', SECRET).update(raw).digest('hex');

test('signBody is sha256= and the HMAC-SHA256 of the raw bytes in hex', () => {
  assert.equal(signBody(SECRET, raw), `sha256=${hex}`);
  assert.equal(signBody(SECRET, raw.toString('utf8')), `sha256=${hex}`);
});

test('a matching signature passes, in either hex case and with surrounding blanks', () => {
  assert.equal(signatureProblem(SECRET, raw, `sha256=${hex}`), undefined);
  assert.equal(signatureProblem(SECRET, raw, `sha256=${hex.toUpperCase()}`), undefined);
  assert.equal(signatureProblem(SECRET, raw, ` sha256=${hex} `), undefined);
});

test('anything else is refused with a reason', () => {
  const flipped = `sha256=${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
  for (const [header, reason] of [
    ['', /no X-Haat-Signature/],
    [hex, /not sha256=/],
    [`sha1=${hex}`, /not sha256=/],
    [`sha256=${hex.slice(2)}`, /not sha256=/],
    [`sha256=${hex}00`, /not sha256=/],
    [flipped, /does not match/],
  ] as const) {
    assert.match(signatureProblem(SECRET, raw, header) ?? 'accepted', reason, header);
  }
  assert.match(signatureProblem('other-secret', raw, `sha256=${hex}`) ?? 'accepted', /does not match/);
  assert.match(signatureProblem(SECRET, Buffer.concat([raw, Buffer.from('\n')]), `sha256=${hex}`) ?? 'accepted', /does not match/, 'one byte more');
});
