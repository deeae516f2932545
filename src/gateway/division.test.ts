// Where a user's division (for prayer times) comes from: the token's
// `division` claim, overridden by the upgrade's `?division=`; Dhaka when neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenVerifier } from './auth.ts';
import { TEST_SECRET, token } from '../testkit/node.ts';

const verifier = new TokenVerifier({ jwtSecret: TEST_SECRET, jwtSecretIsDefault: false, publicKey: null, publicKeyAlg: 'RS256', allowGuests: true });

test('the token\'s division claim is read into the principal, in any spelling tokens use; an unknown one is ignored', async () => {
  const claim = async (division: unknown): Promise<string | undefined> => (await verifier.principal(await token({ sub: `u-${String(division)}`, division } as Parameters<typeof token>[0]))).division;
  assert.equal(await claim('Sylhet'), 'sylhet');
  assert.equal(await claim('Chittagong'), 'chattogram');
  assert.equal(await claim('Gotham'), undefined);
  assert.equal(await claim(undefined), undefined);
});
