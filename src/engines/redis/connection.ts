// Connections of the redis engine. One URL is a plain Redis, several are the
// seed nodes of a Redis Cluster. Commands fail fast while Redis is unreachable
// (no offline queue, in-flight commands rejected on a drop and never re-sent,
// since a re-sent append or save could apply twice); the client keeps
// reconnecting with a capped, jittered backoff. Lua scripts are defined with
// defineCommand: ioredis sends EVAL on a fresh socket and EVALSHA after, and
// falls back to EVAL on NOSCRIPT, so a Redis restarted empty just works.
import { Redis, Cluster, type RedisOptions, type ClusterOptions } from 'ioredis';
import { HaatError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import { installLagTolerantTimeouts } from './lag-tolerant-timeouts.ts';

export type RedisClient = Redis | Cluster;

export interface ConnectionOptions {
  /** Reconnect backoff cap (ms). */
  maxBackoffMs: number;
  /** A command with no answer within this fails as unavailable (non-blocking connections only). */
  commandTimeoutMs: number;
  /** How long the first connection may take before creating the engine fails. */
  connectTimeoutMs: number;
  /**
   * false: do not wait for the first connection; commands fail as unavailable
   * until Redis answers, and the client keeps trying with backoff (a node
   * whose Redis is down at start comes up not ready instead of exiting).
   */
  waitForConnection?: boolean;
  /**
   * With waitForConnection false: the commands connection is still waited
   * for, up to this long (ms), before it is handed over still connecting (a
   * host thread's first messages arrive while its connection opens).
   */
  readyWithinMs?: number;
  logger: Logger;
}

export interface ServerAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export function parseRedisUrl(url: string): ServerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new HaatError('bad_request', `REDIS_URL: not a URL: ${url}`, { cause: err });
  }
  if (u.protocol !== 'redis:') throw new HaatError('bad_request', `REDIS_URL: only redis:// is supported, got ${url}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const addr: ServerAddress = { host: u.hostname, port };
  if (u.username !== '') addr.username = decodeURIComponent(u.username);
  if (u.password !== '') addr.password = decodeURIComponent(u.password);
  return addr;
}

function backoff(maxMs: number): (times: number) => number {
  // Exponential from 50 ms, capped, with jitter so that many nodes do not reconnect in step.
  return (times) => {
    const base = Math.min(maxMs, 50 * 2 ** Math.min(times, 10));
    return Math.round(base / 2 + Math.random() * (base / 2));
  };
}

function redisOptions(o: ConnectionOptions, blocking: boolean): RedisOptions {
  const opts: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: o.connectTimeoutMs,
    retryStrategy: backoff(o.maxBackoffMs),
    lazyConnect: true,
  };
  // A blocking read legitimately waits: no command timeout on its connection.
  if (!blocking) opts.commandTimeout = o.commandTimeoutMs;
  return opts;
}

/**
 * commands: every verb, auto-pipelined; membership: heartbeats only (see
 * redis-engine.ts); blocking: mailbox reads; subscriber: the bus and answers.
 */
export type ClientRole = 'commands' | 'membership' | 'blocking' | 'subscriber';

/** Creates and connects a client; rejects as unavailable when it is not ready within connectTimeoutMs. */
export async function connectClient(addrs: readonly ServerAddress[], role: ClientRole, o: ConnectionOptions): Promise<RedisClient> {
  installLagTolerantTimeouts();
  const log = o.logger.child({ redis: role });
  let client: RedisClient;
  if (addrs.length === 1) {
    const a = addrs[0]!;
    const opts: RedisOptions = { ...redisOptions(o, role === 'blocking'), host: a.host, port: a.port };
    if (a.username !== undefined) opts.username = a.username;
    if (a.password !== undefined) opts.password = a.password;
    // The bus (and the mailboxes' answer topics) resubscribe themselves after a reconnect; the bus then reports the reset.
    if (role === 'subscriber') opts.autoResubscribe = false;
    // Commands of one tick go out in one write (group commit of actor saves).
    if (role === 'commands') opts.enableAutoPipelining = true;
    client = new Redis(opts);
  } else {
    const base = redisOptions(o, role === 'blocking');
    const auth = addrs[0]!;
    if (auth.username !== undefined) base.username = auth.username;
    if (auth.password !== undefined) base.password = auth.password;
    const copts: ClusterOptions = {
      enableOfflineQueue: false,
      clusterRetryStrategy: backoff(o.maxBackoffMs),
      // Group commit of actor saves: commands of one tick go out as one pipeline per node.
      enableAutoPipelining: role === 'commands',
      shardedSubscribers: role === 'subscriber',
      lazyConnect: true,
      redisOptions: base,
    };
    client = new Cluster(
      addrs.map((a) => ({ host: a.host, port: a.port })),
      copts,
    );
  }
  // ioredis emits 'error' for every failed reconnect; an unhandled one would crash the process.
  let lastError = '';
  client.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    log.warn({ err: err.message }, 'redis connection error');
  });
  client.on('ready', () => {
    if (lastError !== '') log.info('redis connection ready again');
    lastError = '';
  });
  if (o.waitForConnection === false) {
    // The retry strategy takes over after a failed first attempt.
    client.connect().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'redis not reachable yet; retrying with backoff'));
    if ((role === 'commands' || role === 'membership') && o.readyWithinMs !== undefined && o.readyWithinMs > 0) await readyOrAfter(client, o.readyWithinMs);
    return client;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
      }),
    ]);
  } catch (err) {
    client.disconnect();
    throw new HaatError('unavailable', `redis unreachable (${addrs.map((a) => `${a.host}:${a.port}`).join(',')}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Resolves when the client is ready, or after `ms`, whichever comes first. */
function readyOrAfter(client: RedisClient, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
  });
}

/** Errors Redis itself answered that still mean "try again later", not a bug of ours. */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|LOADING|TRYAGAIN|MASTERDOWN|BUSY )/;

/**
 * Maps a failed command: connection trouble and transient cluster states become
 * HaatError('unavailable'); an error Redis answered (a script bug, a wrong
 * type) is rethrown as it is.
 */
export function mapRedisError(err: unknown): Error {
  if (err instanceof HaatError) return err;
  if (err instanceof Error) {
    if (err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) return err;
    return new HaatError('unavailable', `redis unavailable: ${err.message}`, { cause: err });
  }
  return new HaatError('unavailable', `redis unavailable: ${String(err)}`);
}

/** Runs one engine operation, mapping its failure (see mapRedisError). */
export async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw mapRedisError(err);
  }
}

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

export interface ScriptDef {
  name: string;
  keys: number;
  lua: string;
}

/** Defines the scripts on a client; the returned function runs one by name. */
export function defineScripts(client: RedisClient, defs: readonly ScriptDef[]): (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown> {
  for (const d of defs) client.defineCommand(d.name, { numberOfKeys: d.keys, lua: d.lua });
  const fns = client as unknown as Record<string, ScriptFn>;
  return (name, keys, args) => {
    const fn = fns[name];
    if (typeof fn !== 'function') throw new Error(`script ${name} is not defined`);
    return fn.call(client, ...keys, ...args);
  };
}
