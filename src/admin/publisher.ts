// The admin publisher (main thread): once a second, while an admin watches,
// this node publishes its own snapshot (collector.ts) as an `admin_stats`
// event on `admin:stats` through the channel actor, like any event
// (PROTOCOL.md §3: admins join `admin:` channels, the server publishes).
//
// In a cluster every node publishes its own snapshot on the same channel and
// the page keeps the newest of each node and adds them up; the channel's
// actor sequences them and each node with an admin subscribed receives all.
// "An admin watches" is cluster-wide: a node with a local subscriber of
// `admin:stats` renews a lease (an engine counter that expires LEASE_MS after
// its last renewal); every node reads it. Nobody watching: no snapshot is
// taken and nothing is published (one counter read a second per node).
import type { Logger } from 'pino';
import type { CounterEngine } from '../engines/counters.ts';
import type { AdminCollector, AdminSnapshot } from './collector.ts';

export const ADMIN_STATS_CHANNEL = 'admin:stats';
export const ADMIN_STATS_EVENT = 'admin_stats';
/** The engine counter of the cluster-wide lease "an admin watches". */
export const WATCH_KEY = 'admin-page-watch';
const LEASE_MS = 3_000;

export interface AdminPublisherDeps {
  collector: Pick<AdminCollector, 'collect' | 'reset'>;
  /** Local subscribers of `admin:stats` on this node. */
  localWatchers: () => number;
  /** Clustered: the lease is kept in the engine's counters; alone, only local watchers count. */
  counters?: CounterEngine;
  publish: (snapshot: AdminSnapshot) => Promise<unknown>;
  logger: Logger;
  periodMs?: number;
}

export class AdminPublisher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private watching = false;
  /** Snapshots published (for tests and the log). */
  published = 0;

  constructor(private readonly d: AdminPublisherDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.d.periodMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One period: renew the lease when watched here, and publish when watched anywhere. Never overlaps itself. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const watched = await this.watched();
      if (!watched) {
        if (this.watching) this.d.logger.info('admin page: nobody watches; snapshots stop');
        this.watching = false;
        this.d.collector.reset();
        return;
      }
      if (!this.watching) this.d.logger.info('admin page: an admin watches; publishing a snapshot every second');
      this.watching = true;
      const snapshot = await this.d.collector.collect();
      if (snapshot === undefined) return; // the first reading after a pause: rates start from it
      await this.d.publish(snapshot);
      this.published++;
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message }, 'admin snapshot not published; trying again next period');
    } finally {
      this.running = false;
    }
  }

  private async watched(): Promise<boolean> {
    const local = this.d.localWatchers() > 0;
    const counters = this.d.counters;
    if (!counters) return local;
    if (local) {
      await counters.add(WATCH_KEY, 1, LEASE_MS);
      return true;
    }
    return (await counters.get(WATCH_KEY)) > 0;
  }
}
