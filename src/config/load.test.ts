import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, parseRedisUrls, DEV_JWT_SECRET } from './load.ts';

test('defaults load with the dev secret flagged and workers = cores - 1', () => {
  const c = loadConfig({ env: {}, cores: 4 });
  assert.equal(c.server.port, 8080);
  assert.equal(c.auth.jwtSecret, DEV_JWT_SECRET);
  assert.equal(c.auth.jwtSecretIsDefault, true);
  assert.equal(c.actors.workers, 3);
  assert.equal(loadConfig({ env: {}, cores: 1 }).actors.workers, 1);
});

test('the environment variables of DESIGN.md §5 override the files', () => {
  const c = loadConfig({
    env: { PORT: '0', HAAT_NODE_ID: 'n7', HAAT_JWT_SECRET: 's3cret', HAAT_WORKERS: '2', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:1', MONGO_URL: 'mongodb://x', HAAT_ALLOW_UWS_FALLBACK: '1' },
  });
  assert.equal(c.server.port, 0);
  assert.equal(c.node.id, 'n7');
  assert.equal(c.auth.jwtSecret, 's3cret');
  assert.equal(c.auth.jwtSecretIsDefault, false);
  assert.equal(c.actors.workers, 2);
  assert.equal(c.log.level, 'warn');
  assert.equal(c.engine.redisUrl, 'redis://127.0.0.1:1');
  assert.equal(c.store.mongoUrl, 'mongodb://x');
  assert.equal(c.uws.allowFallback, true);
});

test('bad values are refused with a message naming the setting', () => {
  assert.throws(() => loadConfig({ env: { PORT: 'eighty' } }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ env: { LOG_LEVEL: 'loud' } }), (e: unknown) => e instanceof ConfigError && /level/.test(e.message));
  assert.throws(() => loadConfig({ env: {}, overrides: { gateway: { maxChannels: -1 } } }), ConfigError);
  assert.throws(() => loadConfig({ env: {}, overrides: { gateway: { typo: 1 } } }), ConfigError);
});

test('a malformed REDIS_URL stops the node with a message naming it; several URLs are a Redis Cluster', () => {
  for (const bad of ['localhost:6379', 'http://h:1', 'redis://', 'redis://h:1,nonsense', 'redis://h:99999']) {
    assert.throws(() => loadConfig({ env: { REDIS_URL: bad } }), (e: unknown) => e instanceof ConfigError && /REDIS_URL/.test(e.message), bad);
  }
  assert.deepEqual(parseRedisUrls('redis://a:1, redis://b:2,redis://c:3'), ['redis://a:1', 'redis://b:2', 'redis://c:3']);
  assert.equal(loadConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' } }).engine.redisUrl, 'redis://127.0.0.1:6379');
});

test('production refuses to start without a JWT secret', () => {
  assert.throws(() => loadConfig({ env: { NODE_ENV: 'production' } }), /HAAT_JWT_SECRET/);
  assert.equal(loadConfig({ env: { NODE_ENV: 'production', HAAT_JWT_SECRET: 'x' } }).env, 'production');
});

test('the loaded config is frozen', () => {
  const c = loadConfig({ env: {} });
  assert.ok(Object.isFrozen(c));
});
