// Per channel, this node hands events on in offset order, once, with no gap
// (PROTOCOL.md §4 across nodes). Live events reach a node over the bus, which
// can drop some (a lost Redis connection) or, around a join, lag behind an
// actor's answer. The feed keeps a cursor per watched channel: a repeat is
// dropped, the next offset passes, and a jump is filled from history before
// anything after it is delivered. Joins wait until the feed has passed their
// answer's offset (whenAt), so a new subscriber sees neither an old event
// nor a hole.
import type { Logger } from 'pino';
import type { SinceResult, StreamPosition } from '../engines/channel-history.ts';
import type { BusEvent } from '../engines/channel-bus.ts';

interface Cursor {
  epoch: string;
  offset: number;
  /** While a fill is running: events that arrived meanwhile, in arrival order. */
  held: BusEvent[] | undefined;
  /** Callbacks waiting for the cursor to reach an offset of this epoch. */
  waiters: { epoch: string; offset: number; cb: () => void }[];
}

export interface OrderedFeedDeps {
  deliver: (ev: BusEvent) => void;
  /** History read for a gap: entries after `since`, if still held. */
  read: (channel: string, since: StreamPosition) => Promise<SinceResult>;
  logger: Logger;
  /** Counts events that history no longer held when a gap was found. */
  onLoss?: (channel: string, missing: number) => void;
}

export class OrderedFeed {
  private readonly cursors = new Map<string, Cursor>();
  private readonly log: Logger;
  gapsFilled = 0;

  constructor(private readonly d: OrderedFeedDeps) {
    this.log = d.logger.child({ mod: 'feed' });
  }

  onEvent(ev: BusEvent): void {
    const c = this.cursors.get(ev.channel);
    if (!c) {
      // The first event this node sees of the channel starts its cursor.
      this.cursors.set(ev.channel, { epoch: ev.epoch, offset: ev.offset, held: undefined, waiters: [] });
      this.d.deliver(ev);
      return;
    }
    if (c.held) {
      c.held.push(ev);
      return;
    }
    if (ev.epoch !== c.epoch) {
      // The channel's history was lost and numbering started over: follow the new epoch from its start.
      c.epoch = ev.epoch;
      c.offset = 0;
    }
    if (ev.offset <= c.offset) return; // seen already
    if (ev.offset === c.offset + 1) {
      c.offset = ev.offset;
      this.d.deliver(ev);
      this.wake(c);
      return;
    }
    c.held = [ev];
    void this.fill(ev.channel, c);
  }

  /**
   * Runs `cb` (synchronously, between two deliveries) once this node has
   * handed on every event of `channel` up to `offset` of `epoch`. A channel
   * the feed has no cursor for starts at that position.
   */
  whenAt(channel: string, pos: StreamPosition, cb: () => void): void {
    const c = this.cursors.get(channel);
    if (!c) {
      this.cursors.set(channel, { epoch: pos.epoch, offset: pos.offset, held: undefined, waiters: [] });
      cb();
      return;
    }
    if (c.epoch === pos.epoch && c.offset >= pos.offset) {
      cb();
      return;
    }
    if (c.epoch !== pos.epoch && !c.held) {
      // The join read a newer epoch than this node has seen: the old one's events are history.
      c.epoch = pos.epoch;
      c.offset = pos.offset;
      cb();
      return;
    }
    c.waiters.push({ epoch: pos.epoch, offset: pos.offset, cb });
    if (!c.held) {
      // Behind the answer: fetch the missing events now rather than wait for the bus.
      c.held = [];
      void this.fill(channel, c);
    }
  }

  /** After the bus reconnected: anything may have been missed; fill every watched channel from history. */
  resyncAll(): void {
    for (const [channel, c] of this.cursors) {
      if (c.held) continue;
      c.held = [];
      void this.fill(channel, c);
    }
  }

  /** The node no longer watches the channel. */
  forget(channel: string): void {
    const c = this.cursors.get(channel);
    if (!c) return;
    this.cursors.delete(channel);
    for (const w of c.waiters) w.cb(); // nobody to order against any more
  }

  position(channel: string): StreamPosition | undefined {
    const c = this.cursors.get(channel);
    return c && { epoch: c.epoch, offset: c.offset };
  }

  private async fill(channel: string, c: Cursor): Promise<void> {
    let read = await this.readRetrying(channel, c, { epoch: c.epoch, offset: c.offset });
    if (read === undefined) return; // forgotten meanwhile
    if (read.entries === undefined && read.top.epoch !== c.epoch) {
      // The history was lost and numbering started over (Redis restarted
      // empty): the old epoch's tail is gone, but the new epoch is followed
      // from its start, as onEvent does, not from its top.
      this.log.warn({ channel, from: c.offset, epoch: c.epoch, top: read.top }, 'the channel started a new epoch while this node was not listening');
      this.d.onLoss?.(channel, -1);
      c.epoch = read.top.epoch;
      c.offset = 0;
      read = await this.readRetrying(channel, c, { epoch: c.epoch, offset: 0 });
      if (read === undefined) return;
    }
    if (read.entries) {
      for (const e of read.entries) {
        if (e.offset <= c.offset) continue;
        c.offset = e.offset;
        this.d.deliver({ channel, epoch: c.epoch, offset: e.offset, at: e.at, frame: e.frame });
        this.wake(c);
      }
      this.gapsFilled++;
    } else {
      // History no longer holds the gap (or the epoch changed again): go on from where the channel is.
      const missing = read.top.epoch === c.epoch ? read.top.offset - c.offset : -1;
      this.log.warn({ channel, from: c.offset, epoch: c.epoch, top: read.top }, 'events missed by this node are no longer in history');
      this.d.onLoss?.(channel, missing);
      c.epoch = read.top.epoch;
      c.offset = read.top.offset;
      this.wake(c);
    }
    const held = c.held ?? [];
    c.held = undefined;
    this.wake(c);
    for (const ev of held) this.onEvent(ev);
  }

  /** History after `since`, retried with backoff while the engine is unreachable; undefined once the cursor is forgotten. */
  private async readRetrying(channel: string, c: Cursor, since: StreamPosition): Promise<SinceResult | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const read = await this.d.read(channel, since);
        return this.cursors.get(channel) === c ? read : undefined;
      } catch (err) {
        if (this.cursors.get(channel) !== c) return undefined;
        if (attempt === 0) this.log.warn({ channel, err: (err as Error).message }, 'gap fill failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)).unref());
      }
    }
  }

  private wake(c: Cursor): void {
    if (c.waiters.length === 0) return;
    const ready = c.waiters.filter((w) => w.epoch !== c.epoch || w.offset <= c.offset);
    if (ready.length === 0) return;
    c.waiters = c.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.cb();
  }
}
