// Lean mode delivery (PROTOCOL.md §6). Normal connections get events from uWS
// topics, in C++. A lean connection is on no topic: its events come through
// here, where, per channel and per conflation window, one shared buffer keeps
// the newest event per key (the latest price of a product) until the window
// ends, so the work of conflating is done once per group, not per connection.
//
// Order (§4 and §6 "Exactly"): a lean connection sees strictly increasing
// offsets; what it skips was conflated (or shed, see below), not lost.
// - `high` events and events with no key are written at once, after the
//   channel's pending window has been flushed ahead of them (never delayed,
//   never conflated, and nothing older may follow them).
// - `low` events wait while the socket is busy (send buffer over `busyBytes`)
//   and go out when it drains. A later event of the same channel must not
//   overtake them: if the link is still busy then, they are shed.
import type { Logger } from 'pino';
import type { NetworkConfig } from '../config/schema.ts';
import type { Metrics } from '../metrics/registry.ts';
import { ConflationBuffer } from '../network/conflation.ts';
import { leanEventOf, type LeanEvent } from '../network/event-meta.ts';
import type { LeanClass } from '../network/profiles.ts';
import { stateOf, type ConnState, type LeanConn, type Socket } from './connection.ts';
import type { Writer } from './writer.ts';

interface WindowGroup {
  readonly windowMs: number;
  readonly subs: Set<Socket>;
  readonly buffer: ConflationBuffer;
  timer: NodeJS.Timeout | undefined;
}

export interface LeanDeliveryDeps {
  config: NetworkConfig;
  writer: Writer;
  metrics: Metrics;
  logger: Logger;
}

export class LeanDelivery {
  /** Per channel, per window (ms): the lean subscribers and their shared buffer. */
  private readonly groups = new Map<string, Map<number, WindowGroup>>();

  constructor(private readonly d: LeanDeliveryDeps) {}

  /** Whether any lean connection here is subscribed to `channel` (the fan-out calls onEvent only then). */
  has(channel: string): boolean {
    return this.groups.has(channel);
  }

  /** Puts `ws` in lean mode (no channels yet, or moved from topics by `enter`). */
  static state(cls: LeanClass, windowMs: number, source: LeanConn['source']): LeanConn {
    return { cls, windowMs, source, last: new Map(), held: [] };
  }

  /** A lean connection subscribes; it has seen `offset` of the channel (the join's answer and replay). */
  subscribe(ws: Socket, channel: string, offset: number): void {
    const lean = leanOf(ws);
    this.group(channel, lean.windowMs).subs.add(ws);
    lean.last.set(channel, offset);
  }

  unsubscribe(ws: Socket, channel: string): void {
    const lean = leanOf(ws);
    const byWindow = this.groups.get(channel);
    const g = byWindow?.get(lean.windowMs);
    lean.last.delete(channel);
    if (lean.held.length > 0) lean.held = lean.held.filter((e) => e.channel !== channel);
    if (!g || !byWindow) return;
    g.subs.delete(ws);
    if (g.subs.size > 0) return;
    if (g.timer) clearTimeout(g.timer);
    byWindow.delete(lean.windowMs);
    if (byWindow.size === 0) this.groups.delete(channel);
  }

  /** A closed lean connection leaves every group. */
  removeSocket(ws: Socket, channels: Iterable<string>): void {
    for (const ch of channels) this.unsubscribe(ws, ch);
  }

  /**
   * Moves a normal connection into lean mode: off its topics, into the groups.
   * Synchronous between two deliveries, so it has had every event published
   * so far; a group's buffer only holds events already published.
   */
  enter(ws: Socket, cls: LeanClass, windowMs: number, source: LeanConn['source']): void {
    const s = stateOf(ws);
    if (s.lean) return;
    s.lean = LeanDelivery.state(cls, windowMs, source);
    for (const ch of s.channels) {
      ws.unsubscribe(ch);
      const g = this.groups.get(ch)?.get(windowMs);
      this.subscribe(ws, ch, g ? g.buffer.maxOffset : 0);
    }
    this.d.metrics.leanConnections.labels(cls, source).inc();
  }

  /** Back to normal: what its windows still hold is written now, then the topics take over. */
  exit(ws: Socket): void {
    const s = stateOf(ws);
    const lean = s.lean;
    if (!lean) return;
    const pending: LeanEvent[] = [];
    for (const ch of s.channels) {
      const g = this.groups.get(ch)?.get(lean.windowMs);
      if (g) pending.push(...g.buffer.peek());
    }
    pending.sort((a, b) => a.offset - b.offset);
    this.deliver(ws, pending, true);
    for (const ch of s.channels) {
      this.unsubscribe(ws, ch);
      ws.subscribe(ch);
    }
    s.lean = undefined;
    this.d.metrics.leanConnections.labels(lean.cls, lean.source).dec();
  }

  /** A connection opened lean (by hint) is counted. */
  opened(lean: LeanConn): void {
    this.d.metrics.leanConnections.labels(lean.cls, lean.source).inc();
  }

  /** A closed connection is no longer counted. */
  closed(lean: LeanConn): void {
    this.d.metrics.leanConnections.labels(lean.cls, lean.source).dec();
  }

  /** An event of a channel that lean connections here are subscribed to. */
  onEvent(channel: string, offset: number, frame: string, at?: number): void {
    const byWindow = this.groups.get(channel);
    if (!byWindow) return;
    let ev: LeanEvent;
    try {
      ev = leanEventOf(channel, offset, frame);
    } catch (err) {
      this.d.logger.error({ err, channel, offset }, 'an event frame did not parse; lean connections get it whole and unconflated');
      ev = { channel, offset, priority: 'normal', key: undefined, frame };
    }
    if (at !== undefined) ev.at = at;
    let wroteNow = false;
    for (const g of byWindow.values()) {
      if (ev.key === undefined || ev.priority === 'high') {
        // Nothing older may follow it: the window goes out first, then the event, at once.
        const batch = g.buffer.size > 0 ? g.buffer.take() : [];
        batch.push(ev);
        if (g.timer) {
          clearTimeout(g.timer);
          g.timer = undefined;
        }
        for (const ws of g.subs) this.deliver(ws, batch, false);
        if (g.subs.size > 0) {
          wroteNow = true;
          // The window's events went out ahead of it: they had waited in the window.
          for (const w of batch) if (w !== ev && w.at !== undefined) this.d.metrics.analytics.delivered('lean_window', w.at);
        }
        continue;
      }
      const before = g.buffer.conflated;
      g.buffer.add(ev as LeanEvent & { key: string });
      if (g.buffer.conflated > before) this.d.metrics.leanConflated.inc();
      // The window starts with its first event: the newest value goes out at most one window after it was published.
      g.timer ??= setTimeout(() => this.flush(g), g.windowMs);
    }
    // Delivery latency: once per event and node, after its writes to every lean subscriber.
    if (wroteNow && at !== undefined) this.d.metrics.analytics.delivered('lean', at);
  }

  /** The socket drained (uWS `drain`): held low events may go now. */
  drained(ws: Socket): void {
    const lean = stateOf(ws).lean;
    if (lean && lean.held.length > 0) this.deliver(ws, [], false);
  }

  private flush(g: WindowGroup): void {
    g.timer = undefined;
    const batch = g.buffer.take();
    if (batch.length === 0) return;
    for (const ws of g.subs) this.deliver(ws, batch, false);
    // Conflated events went out at the window's end: their latency includes the window (by design, §6), so they are apart.
    if (g.subs.size > 0) for (const ev of batch) if (ev.at !== undefined) this.d.metrics.analytics.delivered('lean_window', ev.at);
  }

  /** Writes `events` (offset order) to one lean connection; `force` ignores busy (leaving lean mode). */
  private deliver(ws: Socket, events: readonly LeanEvent[], force: boolean): void {
    const s = stateOf(ws);
    const lean = s.lean;
    if (!lean || s.closed) return;
    const { writer } = this.d;
    const busyBytes = this.d.config.busyBytes;
    ws.cork(() => {
      writer.corkedScope(() => {
        if (lean.held.length > 0) this.releaseHeld(ws, lean, undefined, Number.POSITIVE_INFINITY, force);
        for (const ev of events) {
          const last = lean.last.get(ev.channel);
          // Not subscribed (left meanwhile), or already had it.
          if (last === undefined || ev.offset <= last) continue;
          if (ev.priority === 'low' && !force && writer.busy(ws, busyBytes)) {
            this.hold(s, lean, ev);
            continue;
          }
          if (lean.held.length > 0) this.releaseHeld(ws, lean, ev.channel, ev.offset, force);
          lean.last.set(ev.channel, ev.offset);
          writer.sendRaw(ws, ev.frame);
        }
      });
    });
  }

  private hold(s: ConnState, lean: LeanConn, ev: LeanEvent): void {
    this.d.metrics.leanLowHeld.inc();
    // A newer event of the same key replaces the held one.
    if (ev.key !== undefined) {
      const i = lean.held.findIndex((h) => h.channel === ev.channel && h.key === ev.key);
      if (i >= 0) {
        lean.held.splice(i, 1);
        this.shed(s);
      }
    }
    lean.held.push(ev);
    if (lean.held.length > this.d.config.heldLowMax) {
      lean.held.shift();
      this.shed(s);
    }
  }

  private shed(s: ConnState): void {
    this.d.metrics.leanLowShed.inc();
    this.d.metrics.analytics.drop(s.acct, 'lean_shed');
  }

  /**
   * Held events of `channel` (any channel when undefined) older than `before`:
   * written if the link has room now, shed otherwise (a newer event of their
   * channel is about to go out, and offsets never go back).
   */
  private releaseHeld(ws: Socket, lean: LeanConn, channel: string | undefined, before: number, force: boolean): void {
    const keep: LeanEvent[] = [];
    const mustGo = channel !== undefined;
    for (const h of lean.held) {
      if ((channel !== undefined && h.channel !== channel) || h.offset >= before) {
        keep.push(h);
        continue;
      }
      const last = lean.last.get(h.channel);
      if (last === undefined || h.offset <= last) continue;
      if (force || !this.d.writer.busy(ws, this.d.config.busyBytes)) {
        lean.last.set(h.channel, h.offset);
        this.d.writer.sendRaw(ws, h.frame);
      } else if (mustGo) {
        this.shed(stateOf(ws));
      } else {
        keep.push(h);
      }
    }
    lean.held = keep;
  }

  private group(channel: string, windowMs: number): WindowGroup {
    let byWindow = this.groups.get(channel);
    if (!byWindow) this.groups.set(channel, (byWindow = new Map()));
    let g = byWindow.get(windowMs);
    if (!g) byWindow.set(windowMs, (g = { windowMs, subs: new Set(), buffer: new ConflationBuffer(), timer: undefined }));
    return g;
  }
}

function leanOf(ws: Socket): LeanConn {
  const lean = stateOf(ws).lean;
  if (!lean) throw new Error('not a lean connection');
  return lean;
}
