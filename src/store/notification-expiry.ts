// Marks notifications `expired` in the store once their expires_at has
// passed. A user actor expires the entries of its own queue (and GET
// notifications reads the actor), but the store's records of notifications
// nobody acked would otherwise stay `queued` or `delivered` until they are
// deleted a week later: wrong for anyone reading realtime_notifications
// (support, analytics, an ops engineer querying MongoDB). One updateMany per
// interval on the main thread; every node may run it (the update is idempotent).
import type { Logger } from 'pino';
import type { Clock } from '../time/clock.ts';
import type { RealtimeNotifications } from './realtime-notifications.ts';

export class NotificationExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly notifications: RealtimeNotifications,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  /** Stops the interval and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep (a sweep still running is not started twice); answers how many records it expired, 0 when the store failed. */
  runOnce(): Promise<number> {
    this.running ??= this.notifications
      .expireDue(this.clock.now())
      .then(
        (n) => {
          if (n > 0) this.logger.debug({ expired: n }, 'notifications expired in the store');
          return n;
        },
        (err: unknown) => {
          this.logger.warn({ err: (err as Error).message }, 'expiring notifications in the store failed; trying again at the next interval');
          return 0;
        },
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
