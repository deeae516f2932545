// The hot path (DESIGN.md §1): a channel actor hands each sequenced event
// once to this node; it is published, already encoded, to the local uWS
// topic. uWS writes it to every subscriber in C++; no JavaScript runs per
// subscriber. Joins in flight capture the events that pass meanwhile, so a
// joining connection sees no gap and no duplicate (see joins.ts).
import type { TemplatedApp } from 'uWebSockets.js';
import type { SequencedEvent } from '../domain/channel/messages.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { Clock } from '../time/clock.ts';

export interface CapturedEvent {
  epoch: string;
  offset: number;
  frame: string;
}

export class Capture {
  readonly events: CapturedEvent[] = [];
  overflow = false;
  constructor(private readonly max: number) {}
  push(e: CapturedEvent): void {
    if (this.events.length >= this.max) this.overflow = true;
    else this.events.push(e);
  }
}

const CAPTURE_MAX = 10_000;

export class Fanout {
  private readonly captures = new Map<string, Set<Capture>>();
  /** Bytes published per channel (topic deliveries), for the link monitor's drain estimate. */
  private readonly bytes = new Map<string, number>();
  /** Lean connections' deliveries (they are on no topic); set by the gateway. */
  lean: { has(channel: string): boolean; onEvent(channel: string, offset: number, frame: string, at?: number): void } | undefined;
  /** Events sequenced and published here (GET stats; frames out are counted by the analytics). */
  events = 0;

  constructor(
    private readonly app: TemplatedApp,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  onEvent(ev: Omit<SequencedEvent, 'k'>): void {
    const caps = this.captures.get(ev.channel);
    if (caps) for (const c of caps) c.push({ epoch: ev.epoch, offset: ev.offset, frame: ev.frame });
    const subscribers = this.app.numSubscribers(ev.channel);
    if (subscribers > 0) {
      this.app.publish(ev.channel, ev.frame, false);
      this.bytes.set(ev.channel, (this.bytes.get(ev.channel) ?? 0) + ev.frame.length);
      // Delivery latency (analytics.ts): sequenced at `at`, written by uWS to every subscriber now.
      this.metrics.analytics.delivered('topic', ev.at);
      this.metrics.analytics.publishedToTopic(ev.frame.length, subscribers);
    }
    if (this.lean?.has(ev.channel)) this.lean.onEvent(ev.channel, ev.offset, ev.frame, ev.at);
    this.events++;
    this.metrics.eventsPublished.inc();
    this.metrics.fanoutLatency.observe(Math.max(0, this.clock.now() - ev.at) / 1000);
  }

  /** Bytes published so far on `channel`'s topic (0 when none or forgotten). */
  bytesOf(channel: string): number {
    return this.bytes.get(channel) ?? 0;
  }

  /** The node stopped watching `channel`: its byte count goes. */
  forget(channel: string): void {
    this.bytes.delete(channel);
  }

  capture(channel: string): Capture {
    const c = new Capture(CAPTURE_MAX);
    let set = this.captures.get(channel);
    if (!set) this.captures.set(channel, (set = new Set()));
    set.add(c);
    return c;
  }

  isCapturing(channel: string): boolean {
    return this.captures.has(channel);
  }

  release(channel: string, c: Capture): void {
    const set = this.captures.get(channel);
    if (!set) return;
    set.delete(c);
    if (set.size === 0) this.captures.delete(channel);
  }
}
