// Delivers due reminders (Orleans) on the main thread: it polls the reminder
// engine and sends `{type:'reminder', name, due_at}` to each actor this node
// owns. Delivery is at least once: a reminder stays set until its actor
// cancels or re-sets it, and one already delivered is delivered again only
// after `retryMs` (or as soon as it is due again, if it was re-set).
import type { Logger } from 'pino';
import type { ReminderMessage } from './behaviour.ts';
import type { Reminder, ReminderEngine } from '../engines/reminders.ts';
import type { Clock } from '../time/clock.ts';

export interface ReminderServiceOptions {
  engine: ReminderEngine;
  /** Hands the message to the actor (a send); throws when it cannot (the reminder is tried again next poll). */
  deliver: (address: string, msg: ReminderMessage) => void;
  /** Whether this node owns the address (in a cluster, the others deliver theirs). */
  isLocal: (address: string) => boolean;
  clock: Clock;
  pollMs: number;
  retryMs: number;
  /** Reminders read per poll. */
  limit: number;
  logger: Logger;
}

export class ReminderService {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<number> | undefined;
  /** Last delivery of each reminder, by address and name. */
  private readonly delivered = new Map<string, { dueAt: number; at: number }>();
  private readonly log: Logger;

  constructor(private readonly opts: ReminderServiceOptions) {
    this.log = opts.logger.child({ mod: 'reminders' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One poll (the timer calls it; tests may too). Resolves with how many reminders it delivered. */
  poll(): Promise<number> {
    // One poll at a time: a slow engine must not stack polls up.
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<number> {
    const { engine, isLocal, deliver, clock, retryMs, limit } = this.opts;
    let due: Reminder[];
    try {
      due = await engine.due(clock.now(), limit);
    } catch (err) {
      this.log.error({ error: describe(err) }, 'could not read due reminders');
      return 0;
    }
    const now = clock.now();
    const seen = new Set<string>();
    let n = 0;
    for (const r of due) {
      const k = key(r.address, r.name);
      seen.add(k);
      if (!isLocal(r.address)) continue;
      const last = this.delivered.get(k);
      if (last && last.dueAt === r.dueAt && now - last.at < retryMs) continue;
      try {
        deliver(r.address, { type: 'reminder', name: r.name, due_at: r.dueAt });
      } catch (err) {
        this.log.warn({ address: r.address, name: r.name, error: describe(err) }, 'could not deliver a due reminder; trying again next poll');
        continue;
      }
      this.delivered.set(k, { dueAt: r.dueAt, at: now });
      n++;
    }
    // A full page may not show every due reminder: forget only what a complete read no longer lists (cancelled or moved).
    if (due.length < limit) for (const k of this.delivered.keys()) if (!seen.has(k)) this.delivered.delete(k);
    return n;
  }
}

function key(address: string, name: string): string {
  return `${address}\n${name}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
