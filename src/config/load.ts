// Loads config/default.json, then config/{NODE_ENV}.json, then the environment
// variables of DESIGN.md §5, and validates the result once.
import { readFileSync, existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

export const DEV_JWT_SECRET = 'haat-dev-secret-change-me';
const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

type Json = { [k: string]: unknown };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : v;
  }
  return out;
}

function readJson(path: string): Json {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isObject(parsed)) throw new Error(`${path}: expected a JSON object`);
  return parsed;
}

function intFromEnv(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export class ConfigError extends Error {}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  dir?: string;
  /** Deep-merged after files and environment; tests use it to shrink limits. */
  overrides?: Json;
  cores?: number;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? CONFIG_DIR;
  const nodeEnv = env.NODE_ENV ?? 'development';
  let raw = readJson(join(dir, 'default.json'));
  const envFile = join(dir, `${nodeEnv}.json`);
  if (existsSync(envFile)) raw = merge(raw, readJson(envFile));

  const fromEnv: Json = {};
  const set = (path: string[], value: unknown): void => {
    let cur = fromEnv;
    for (const key of path.slice(0, -1)) cur = (cur[key] ??= {}) as Json;
    cur[path[path.length - 1]!] = value;
  };
  try {
    if (env.PORT !== undefined) set(['server', 'port'], intFromEnv('PORT', env.PORT));
    if (env.HAAT_NODE_ID) set(['node', 'id'], env.HAAT_NODE_ID);
    if (env.HAAT_JWT_SECRET) set(['auth', 'jwtSecret'], env.HAAT_JWT_SECRET);
    if (env.REDIS_URL) set(['engine', 'redisUrl'], env.REDIS_URL);
    if (env.MONGO_URL) set(['store', 'mongoUrl'], env.MONGO_URL);
    if (env.HAAT_TRUSTED_PROXIES !== undefined) set(['gateway', 'trustedProxies'], env.HAAT_TRUSTED_PROXIES.split(',').map((ip) => ip.trim()).filter((ip) => ip !== ''));
    if (env.HAAT_WORKERS) set(['actors', 'workers'], intFromEnv('HAAT_WORKERS', env.HAAT_WORKERS));
    if (env.LOG_LEVEL) set(['log', 'level'], env.LOG_LEVEL);
    for (const provider of ['bkash', 'nagad', 'rocket'] as const) {
      const secret = env[`HAAT_WEBHOOK_SECRET_${provider.toUpperCase()}`];
      if (secret) set(['webhooks', 'secrets', provider], secret);
    }
    if (env.HAAT_EXPECTED_NODES !== undefined) set(['analytics', 'expectedNodes'], intFromEnv('HAAT_EXPECTED_NODES', env.HAAT_EXPECTED_NODES));
    if (env.HAAT_TRANSLATE_URL) set(['translate', 'url'], env.HAAT_TRANSLATE_URL);
    if (env.HAAT_DEMO !== undefined) set(['demo', 'enabled'], env.HAAT_DEMO === '1' || env.HAAT_DEMO === 'true');
    if (env.HAAT_HEAP_TRIM !== undefined) set(['heap', 'trim', 'enabled'], env.HAAT_HEAP_TRIM === '1' || env.HAAT_HEAP_TRIM === 'true');
    if (env.HAAT_ALLOW_UWS_FALLBACK !== undefined) set(['uws', 'allowFallback'], env.HAAT_ALLOW_UWS_FALLBACK === '1' || env.HAAT_ALLOW_UWS_FALLBACK === 'true');
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  raw = merge(raw, fromEnv);
  if (opts.overrides) raw = merge(raw, opts.overrides);

  const node = isObject(raw.node) ? raw.node : {};
  const auth = isObject(raw.auth) ? raw.auth : {};
  const actors = isObject(raw.actors) ? raw.actors : {};
  if (nodeEnv === 'production' && (auth.jwtSecret === null || auth.jwtSecret === undefined)) {
    throw new ConfigError('HAAT_JWT_SECRET is required when NODE_ENV=production');
  }
  // The demo mints tokens for anyone who asks (src/demo/demo.ts): never in production.
  if (nodeEnv === 'production' && isObject(raw.demo) && raw.demo.enabled === true) {
    throw new ConfigError('demo.enabled (HAAT_DEMO) must not be on when NODE_ENV=production: the demo mints tokens for anyone');
  }
  const cores = opts.cores ?? availableParallelism();
  const resolved: Json = {
    ...raw,
    env: nodeEnv,
    node: { ...node, id: node.id ?? `${hostname()}-${process.pid}` },
    auth: { ...auth, jwtSecret: auth.jwtSecret ?? DEV_JWT_SECRET, jwtSecretIsDefault: auth.jwtSecret === null || auth.jwtSecret === undefined },
    actors: { ...actors, workers: actors.workers ?? Math.max(1, cores - 1) },
  };
  const result = configSchema.safeParse(resolved);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${z.prettifyError(result.error)}`);
  }
  if (result.data.engine.redisUrl !== null) parseRedisUrls(result.data.engine.redisUrl);
  return Object.freeze(result.data);
}

/**
 * REDIS_URL (DESIGN.md §5): one URL selects a single Redis, several
 * comma-separated URLs are the seed nodes of a Redis Cluster. A malformed
 * value stops the node at start, naming the setting.
 */
export function parseRedisUrls(value: string): string[] {
  const urls = value.split(',').map((u) => u.trim());
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new ConfigError(`REDIS_URL is malformed: ${JSON.stringify(u)} is not a URL (expected redis://HOST:PORT, or several separated by commas for a Redis Cluster)`);
    }
    if (parsed.protocol !== 'redis:' || parsed.hostname === '') {
      throw new ConfigError(`REDIS_URL is malformed: ${JSON.stringify(u)} (expected redis://HOST:PORT; TLS terminates in front of Redis)`);
    }
    if (parsed.port !== '' && !(Number(parsed.port) > 0 && Number(parsed.port) < 65536)) throw new ConfigError(`REDIS_URL is malformed: bad port in ${JSON.stringify(u)}`);
  }
  return urls;
}
