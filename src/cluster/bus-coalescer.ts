// Events from the bus are handed on in batches: at most `delayMs` after the
// first of a batch arrived, all of it, in arrival order. uWS writes every
// message published to a socket within one event-loop turn in one write, so
// a node that publishes several events in one turn makes fewer system calls
// per delivery. At moderate rates each event used to arrive, and be written
// to every subscriber, in a turn of its own. Centrifugo's write_delay does
// the same. Measured on three nodes (bench/README.md, "Fan-out on a faster
// machine"): with 3 ms, CPU per delivery at half the peak fell by about a
// quarter and the p99 from 122-158 ms to 40-57 ms.
import type { Logger } from 'pino';
import type { BusEvent } from '../engines/channel-bus.ts';

export class BusCoalescer {
  private queue: BusEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliver: (ev: BusEvent) => void,
    /** 0: every event is handed on at once. */
    private readonly delayMs: number,
    private readonly log: Logger,
  ) {}

  push(ev: BusEvent): void {
    if (this.delayMs <= 0) return this.handOn(ev);
    this.queue.push(ev);
    if (this.timer === undefined) {
      this.timer = setTimeout(this.flush, this.delayMs);
      this.timer.unref();
    }
  }

  /** Hands on what waits now (before a resync, which must not overtake it). */
  readonly flush = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    for (const ev of batch) this.handOn(ev);
  };

  private handOn(ev: BusEvent): void {
    try {
      this.deliver(ev);
    } catch (err) {
      // One event's failure must not take the rest of its batch with it.
      this.log.error({ channel: ev.channel, offset: ev.offset, err: err instanceof Error ? err.message : String(err) }, 'handing on a bus event failed');
    }
  }
}
