// The redis engine as one host thread sees it: one set of connections per
// thread, shared by every verb the thread's actors use, opened in the
// background (a host thread starts even while Redis is down; its actors'
// calls fail as unavailable until Redis answers). The verbs are built
// synchronously because behaviour modules are loaded with require().
import pino from 'pino';
import type { Engine } from '../engine.ts';
import type { AppendOutcome, AppendRequest, ChannelHistory, HistoryBounds, NextAppendOutcome, NextAppendRequest, SinceResult, StreamPosition } from '../channel-history.ts';
import type { ActorStateEngine, SaveOutcome, SaveRequest, StoredState } from '../actor-state.ts';
import type { Reminder, ReminderEngine } from '../reminders.ts';
import { createRedisEngine } from './redis-engine.ts';

const engines = new Map<string, Promise<Engine>>();

// A thread's first messages arrive while its connections are still opening:
// they wait for the first PING to be answered (at most this long) rather than
// fail at once. Later outages fail fast, as the engine's commands do.
const FIRST_CONNECT_WAIT_MS = 3000;

/** The thread's engine for these URLs (created on first use; resolves once connected, or after FIRST_CONNECT_WAIT_MS). */
export function threadRedisEngine(urls: readonly string[]): Promise<Engine> {
  const key = urls.join(',');
  let e = engines.get(key);
  if (!e) {
    // Host threads log only what needs attention; the node's own log has the rest.
    const logger = pino({ level: 'warn', base: { thread: 'host' } }, pino.destination(2));
    e = createRedisEngine(urls, { logger, waitForConnection: false, readyWithinMs: FIRST_CONNECT_WAIT_MS }).then((engine) => {
      engine.ping().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'redis not reachable from this host thread yet; its actors answer unavailable until it is'));
      return engine;
    });
    engines.set(key, e);
  }
  return e;
}

export class ThreadRedisHistory implements ChannelHistory {
  readonly publishesOnAppend = true;
  constructor(private readonly engine: Promise<Engine>) {}
  async top(channel: string): Promise<StreamPosition> {
    return (await this.engine).history.top(channel);
  }
  async append(channel: string, req: AppendRequest, bounds: HistoryBounds): Promise<AppendOutcome> {
    return (await this.engine).history.append(channel, req, bounds);
  }
  async appendNext(channel: string, req: NextAppendRequest, bounds: HistoryBounds): Promise<NextAppendOutcome> {
    return (await this.engine).history.appendNext(channel, req, bounds);
  }
  async dedupeAnswer(channel: string, key: string): Promise<string | undefined> {
    return (await this.engine).history.dedupeAnswer(channel, key);
  }
  async readSince(channel: string, since: StreamPosition, now: number): Promise<SinceResult> {
    return (await this.engine).history.readSince(channel, since, now);
  }
  async drop(channel: string): Promise<void> {
    await (await this.engine).history.drop(channel);
  }
}

export class ThreadRedisActorState implements ActorStateEngine {
  constructor(private readonly engine: Promise<Engine>) {}
  async load(address: string): Promise<StoredState | undefined> {
    return (await this.engine).state.load(address);
  }
  async saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    return (await this.engine).state.saveMany(reqs);
  }
  async drop(address: string): Promise<void> {
    await (await this.engine).state.drop(address);
  }
}

export class ThreadRedisReminders implements ReminderEngine {
  constructor(private readonly engine: Promise<Engine>) {}
  async set(r: Reminder): Promise<void> {
    await (await this.engine).reminders.set(r);
  }
  async cancel(address: string, name: string): Promise<void> {
    await (await this.engine).reminders.cancel(address, name);
  }
  async due(now: number, limit: number): Promise<Reminder[]> {
    return (await this.engine).reminders.due(now, limit);
  }
}
