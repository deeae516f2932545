import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { startTestNode, token } from '../testkit/node.ts';
import { TestClient } from '../testkit/ws-client.ts';

test('ES256 tokens verify against the configured public key; HS256 keeps working', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const node = await startTestNode({ auth: { publicKey: await exportSPKI(publicKey), publicKeyAlg: 'ES256' } });
  try {
    const es = await new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('u-es').setExpirationTime('1h').sign(privateKey);
    const c = await node.connect({ token: es });
    assert.equal(c.frames[0]!.user_id, 'u-es');
    const hs = await node.connect({ token: await token({ sub: 'u-hs' }) });
    assert.equal(hs.frames[0]!.user_id, 'u-hs');
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('u-x').setExpirationTime('1h').sign(other.privateKey);
    await assert.rejects(node.connect({ token: forged }), (e: { status?: number }) => e.status === 401);
    await Promise.all([c.close(), hs.close()]);
  } finally {
    await node.stop();
  }
});

test('with guests disallowed a connection without a token is refused with 401', async () => {
  const node = await startTestNode({ auth: { allowGuests: false } });
  try {
    await assert.rejects(node.connect(), (e: { status?: number; body?: string }) => e.status === 401 && JSON.parse(e.body!).code === 'unauthorized');
    const ok = await TestClient.connect(node.url(), { headers: { authorization: `Bearer ${await token({ sub: 'u1' })}` } });
    assert.equal(ok.frames[0]!.user_id, 'u1');
    await ok.close();
  } finally {
    await node.stop();
  }
});

test('the per-user bucket limits a user across its connections', async () => {
  const node = await startTestNode({ gateway: { messagesPerSecond: 5 } });
  try {
    const t = await token({ sub: 'many' });
    const conns = await Promise.all([0, 1, 2].map(() => node.connect({ token: t })));
    // Each connection alone may burst 10; the user as a whole 20.
    const answers = (await Promise.all(conns.map((c) => Promise.all(Array.from({ length: 10 }, () => c.request({ type: 'ping' })))))).flat();
    const limited = answers.filter((f) => f.code === 'rate_limited').length;
    assert.ok(limited >= 9 && limited <= 11, `about 30 - 20 refused, got ${limited}`);
    await Promise.all(conns.map((c) => c.close()));
  } finally {
    await node.stop();
  }
});

test('a saturated actor host answers unavailable (temporary) instead of queueing without bound', async () => {
  const node = await startTestNode({ actors: { hostQueueLimit: 2 } });
  try {
    const pub = await node.connect({ token: await token({ sub: 'p', roles: ['publisher'] }) });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => pub.request({ type: 'broadcast_event', channel: `product:sat${i}`, event_type: 'x', data: {} })));
    const unavailable = answers.filter((f) => f.code === 'unavailable');
    assert.ok(unavailable.length > 0, 'some were refused');
    assert.ok(unavailable.every((f) => f.temporary === true));
    assert.ok(answers.some((f) => f.type === 'reply'), 'some got through');
    await pub.close();
  } finally {
    await node.stop();
  }
});

test('a cached token is refused again once it expires', async () => {
  const { TokenVerifier } = await import('./auth.ts');
  const { loadConfig } = await import('../config/load.ts');
  const v = new TokenVerifier(loadConfig({ env: { HAAT_JWT_SECRET: 'test-secret-of-haat' } }).auth);
  const exp = Math.floor(Date.now() / 1000) + 60;
  const t = await token({ sub: 'u1' }, { expiresIn: exp });
  assert.equal((await v.principal(t)).userId, 'u1');
  assert.equal((await v.principal(t, Date.now() + 1000)).userId, 'u1');
  await assert.rejects(v.principal(t, exp * 1000 + 1), (e: { code?: string }) => e.code === 'unauthorized');
});

test('the token cache answers only the very token it verified: a tampered copy is checked and refused', async () => {
  const { TokenVerifier } = await import('./auth.ts');
  const { loadConfig } = await import('../config/load.ts');
  const v = new TokenVerifier(loadConfig({ env: { HAAT_JWT_SECRET: 'test-secret-of-haat' } }).auth);
  const a = await token({ sub: 'u1' });
  const b = await token({ sub: 'u2', roles: ['support'] });
  assert.equal((await v.principal(a)).userId, 'u1');
  assert.equal((await v.principal(b)).userId, 'u2');
  assert.deepEqual([...(await v.principal(b)).roles], ['support']);
  // u2's claims under u1's signature: not served from the cache, and the signature does not match.
  const [, payloadB] = b.split('.');
  const [headerA, , sigA] = a.split('.');
  await assert.rejects(v.principal(`${headerA}.${payloadB}.${sigA}`), (e: { code?: string }) => e.code === 'unauthorized');
  // A slice of a longer string (as the upgrade's query hands it) hits the same entry.
  const query = `token=${a}&lang=bn`;
  assert.equal((await v.principal(query.slice(6, 6 + a.length))).userId, 'u1');
});

test('HS256 checks use the configured secret on every verify, the first and the later ones: another secret is refused', async () => {
  const { TokenVerifier } = await import('./auth.ts');
  const { loadConfig } = await import('../config/load.ts');
  const v = new TokenVerifier(loadConfig({ env: { HAAT_JWT_SECRET: 'test-secret-of-haat' } }).auth);
  const signedWith = (secret: string, sub: string): Promise<string> =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  // Before any good token (the key is imported on first use) and after one.
  await assert.rejects(v.verify(await signedWith('another-secret-of-someone', 'u0')), (e: { code?: string }) => e.code === 'unauthorized');
  assert.equal((await v.verify(await signedWith('test-secret-of-haat', 'u1'))).sub, 'u1');
  await assert.rejects(v.verify(await signedWith('another-secret-of-someone', 'u2')), (e: { code?: string }) => e.code === 'unauthorized');
  assert.equal((await v.verify(await signedWith('test-secret-of-haat', 'u3'))).sub, 'u3');
});

test('an empty `?token=` is no token: the Authorization header decides, and without one the connection is a guest', async () => {
  const node = await startTestNode();
  try {
    const t = await token({ sub: 'u-hdr', roles: ['customer'] });
    const c = await TestClient.connect(`${node.url()}?token=`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal(c.frames[0]!.user_id, 'u-hdr');
    const guest = await TestClient.connect(`${node.url()}?token=`);
    assert.equal(guest.frames[0]!.user_id, null);
    await Promise.all([c.close(), guest.close()]);
  } finally {
    await node.stop();
  }
});
