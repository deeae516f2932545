// The redis engine: every verb of Engine over one Redis (one URL) or a Redis
// Cluster (several URLs, the seed nodes). Four kinds of connection: one for
// commands and scripts, one subscriber for the bus and the answers to this
// node's asks, blocking ones for mailbox reads, opened on demand, and one for
// membership, opened on the first call (redis-membership.ts says why). KEYS.md
// documents the key space.
import { QUIET_POSITION_KEPT_MS } from '../channel-history.ts';
import type { Engine } from '../engine.ts';
import type { Logger } from '../../log/logger.ts';
import { KeySpace } from './keys.ts';
import { connectClient, defineScripts, guarded, parseRedisUrl, type ConnectionOptions, type RedisClient } from './connection.ts';
import { HISTORY_SCRIPTS, RedisChannelHistory } from './redis-history.ts';
import { RedisChannelBus } from './redis-bus.ts';
import { ACTOR_STATE_SCRIPTS, RedisActorState } from './redis-actor-state.ts';
import { redisMembershipOnOwnConnection } from './redis-membership.ts';
import { MAILBOX_SCRIPTS, RedisMailboxes } from './redis-mailboxes.ts';
import { COUNTER_SCRIPTS, RedisCounters } from './redis-counters.ts';
import { RedisReminders } from './redis-reminders.ts';
import { RedisRosters } from './redis-rosters.ts';
import { RedisLogs } from './redis-logs.ts';
import { HaatError } from '../../errors.ts';

export interface RedisEngineOptions {
  logger: Logger;
  /** First part of every key and topic; several clusters (or test runs) can share one Redis. Default 'haat'. */
  prefix?: string;
  /** Reconnect backoff cap. Default 2000 ms. */
  maxBackoffMs?: number;
  /** A command unanswered this long fails as unavailable. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Creating the engine fails when Redis is not reachable within this. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** false: resolve at once and keep connecting in the background (see ConnectionOptions). Default true. */
  waitForConnection?: boolean;
  /** With waitForConnection false: wait this long at most for the commands connection (see ConnectionOptions). */
  readyWithinMs?: number;
  /** Channel keys expire this long after the last append (at least the history's ttlMs). Default 1 h. */
  channelIdleMs?: number;
  /** Members silent this long leave the member list. Default 10 min. */
  membersForgetMs?: number;
}

export async function createRedisEngine(urls: readonly string[], opts: RedisEngineOptions): Promise<Engine> {
  if (urls.length === 0) throw new HaatError('bad_request', 'the redis engine needs at least one URL');
  const addrs = urls.map(parseRedisUrl);
  const conn: ConnectionOptions = {
    logger: opts.logger,
    maxBackoffMs: opts.maxBackoffMs ?? 2_000,
    commandTimeoutMs: opts.commandTimeoutMs ?? 2_000,
    connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
    waitForConnection: opts.waitForConnection ?? true,
    ...(opts.readyWithinMs === undefined ? {} : { readyWithinMs: opts.readyWithinMs }),
  };
  const keys = new KeySpace(opts.prefix ?? 'haat');
  const client = await connectClient(addrs, 'commands', conn);
  let sub: RedisClient;
  try {
    sub = await connectClient(addrs, 'subscriber', conn);
  } catch (err) {
    client.disconnect();
    throw err;
  }
  const run = defineScripts(client, [...HISTORY_SCRIPTS, ...ACTOR_STATE_SCRIPTS, ...MAILBOX_SCRIPTS, ...COUNTER_SCRIPTS]);
  const get = (key: string): Promise<string | null> => client.get(key);
  const del = (...ks: string[]): Promise<number> => client.del(...ks);
  const membership = redisMembershipOnOwnConnection(addrs, conn, keys, opts.membersForgetMs ?? 600_000);
  const mailboxes = new RedisMailboxes(run, keys, client, () => connectClient(addrs, 'blocking', { ...conn, waitForConnection: true }), sub, opts.logger.child({ engine: 'redis-mailboxes' }));
  const bus = new RedisChannelBus(sub, keys, opts.logger.child({ engine: 'redis-bus' }));
  return {
    name: addrs.length === 1 ? 'redis' : 'redis-cluster',
    history: new RedisChannelHistory(run, keys, get, del, { channelIdleMs: opts.channelIdleMs ?? QUIET_POSITION_KEPT_MS }),
    state: new RedisActorState(run, keys, (key) => client.hgetall(key), del),
    membership: membership.membership,
    mailboxes,
    counters: new RedisCounters(run, keys, get),
    reminders: new RedisReminders(client, keys),
    logs: new RedisLogs(client, keys),
    rosters: new RedisRosters(client, keys),
    bus,
    ping: () =>
      guarded(async () => {
        await client.ping();
      }),
    async close() {
      mailboxes.close();
      await bus.close();
      client.disconnect();
      await membership.close();
    },
  };
}
