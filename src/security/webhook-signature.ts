// The signature of a payment webhook call (PROTOCOL.md §10): HMAC-SHA256 of
// the raw body with the provider's shared secret, sent as
// `X-Haat-Signature: sha256=HEX`. Compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

export function signBody(secret: string, raw: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Why a call's signature is refused, or undefined when it is good. */
export function signatureProblem(secret: string, raw: Buffer, header: string): string | undefined {
  if (header === '') return 'no X-Haat-Signature header';
  const m = HEADER.exec(header.trim());
  if (m === null) return 'X-Haat-Signature is not sha256=<64 hex digits>';
  const given = Buffer.from(m[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return timingSafeEqual(given, expected) ? undefined : 'signature does not match the body';
}
