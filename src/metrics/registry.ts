// One prom-client registry per node (not the global one), so that several
// nodes in one test process do not share counters.
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import { Analytics, type AnalyticsOptions } from './analytics.ts';

/** A count kept as a plain number on the per-frame path and handed to prom-client when scraped. */
export interface Tally {
  n: number;
}

export function createMetrics(opts: { defaultMetrics: boolean; analytics?: AnalyticsOptions }) {
  const registry = new Registry();
  // Behaviour, bandwidth, drops and delivery latency (analytics.ts), in plain numbers read when scraped.
  const analytics = new Analytics(opts.analytics);
  analytics.register(registry);
  // The event-loop delay histogram samples with a timer: prom-client's 10 ms
  // default woke an idle node's main thread 100 times a second, half of its
  // idle CPU. Every 100 ms still catches any stall longer than that.
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'haat_process_', eventLoopMonitoringPrecision: 100 });
  // prom-client's inc() validates and hashes its labels on every call: per
  // frame that showed in profiles, so frames in are tallied instead, and
  // frames out and slow consumers read from the analytics' plain numbers.
  const framesInByType = new Map<string, Tally>();
  return {
    registry,
    analytics,
    /** The tally of frames in of `type` (bump `n`; it reaches haat_frames_in_total at the next scrape). */
    framesInTally(type: string): Tally {
      let t = framesInByType.get(type);
      if (!t) framesInByType.set(type, (t = { n: 0 }));
      return t;
    },
    connections: new Gauge({ name: 'haat_connections', help: 'Open WebSocket connections', registers: [registry] }),
    connectionsOpened: new Counter({ name: 'haat_connections_opened_total', help: 'WebSocket connections accepted', registers: [registry] }),
    upgradesRefused: new Counter({ name: 'haat_upgrades_refused_total', help: 'WebSocket upgrades refused', labelNames: ['reason'], registers: [registry] }),
    framesIn: new Counter({
      name: 'haat_frames_in_total',
      help: 'Client frames received',
      labelNames: ['type'],
      registers: [registry],
      collect() {
        for (const [type, t] of framesInByType) {
          if (t.n === 0) continue;
          this.labels(type).inc(t.n);
          t.n = 0;
        }
      },
    }),
    framesOut: new Counter({
      name: 'haat_frames_out_total',
      help: 'Frames sent to clients (a published event counts once per subscriber)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(analytics.framesOut());
      },
    }),
    errors: new Counter({ name: 'haat_errors_total', help: 'Error answers by code', labelNames: ['code'], registers: [registry] }),
    closes: new Counter({ name: 'haat_closes_total', help: 'Connections closed by the server, by close code', labelNames: ['code'], registers: [registry] }),
    spamRefused: new Counter({ name: 'haat_spam_refused_total', help: 'Chat messages refused as spam, by rule', labelNames: ['rule'], registers: [registry] }),
    abuseRefused: new Counter({ name: 'haat_abuse_refused_total', help: 'HTTP requests refused for abuse (body_too_large, slow_body); refused upgrades are in haat_upgrades_refused_total', labelNames: ['kind'], registers: [registry] }),
    slowConsumers: new Counter({
      name: 'haat_slow_consumers_total',
      help: 'Connections closed with 4009 for an over-limit send buffer',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(analytics.slowCloses);
      },
    }),
    // Mobile networks (PROTOCOL.md §6).
    leanConnections: new Gauge({ name: 'haat_lean_connections', help: 'Connections in lean mode, by class and by why (hint or measured)', labelNames: ['class', 'source'], registers: [registry] }),
    leanConflated: new Counter({ name: 'haat_lean_conflated_total', help: 'Events replaced by a newer one of the same key within a lean window (once per window group, not per connection)', registers: [registry] }),
    leanLowHeld: new Counter({ name: 'haat_lean_low_held_total', help: 'Low priority events held back from a busy lean connection', registers: [registry] }),
    leanLowShed: new Counter({ name: 'haat_lean_low_shed_total', help: 'Held low priority events never sent (superseded while the link stayed busy)', registers: [registry] }),
    linkSwitches: new Counter({ name: 'haat_link_switches_total', help: 'Connections moved into or out of lean mode by what their link measured', labelNames: ['to'], registers: [registry] }),
    linkRtt: new Histogram({
      name: 'haat_link_rtt_seconds',
      help: 'Round trip of the link probes (pings) of backlogged or lean connections, by carrier hint',
      labelNames: ['carrier'],
      buckets: [0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2],
      registers: [registry],
    }),
    eventsPublished: new Counter({ name: 'haat_events_published_total', help: 'Sequenced events published to local topics', registers: [registry] }),
    fanoutLatency: new Histogram({
      name: 'haat_fanout_latency_seconds',
      help: 'From sequencing in the channel actor to the publish on the local uWS topic',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    actorLifecycle: new Counter({ name: 'haat_actor_lifecycle_total', help: 'Actor crashes, restarts, stops and passivations', labelNames: ['kind'], registers: [registry] }),
    asksExpired: new Counter({ name: 'haat_actor_asks_expired_total', help: 'Asks dropped unhandled by their actor because the asker had stopped waiting (the actor was behind its mailbox)', registers: [registry] }),
    hostDeaths: new Counter({ name: 'haat_actor_host_deaths_total', help: 'Host threads that died and were replaced', registers: [registry] }),
    heapTrims: new Counter({ name: 'haat_heap_trims_total', help: 'Heap trims: full collections taken while a thread was idle after its old generation grew or it passivated many actors (src/heap)', labelNames: ['thread'] as const, registers: [registry] }),
    threadHeap: new Gauge({ name: 'haat_thread_heap_bytes', help: 'JS heap of each thread (main, host-N) at its last check: used, or committed by V8', labelNames: ['thread', 'kind'] as const, registers: [registry] }),
    heapTrimPause: new Histogram({
      name: 'haat_heap_trim_pause_seconds',
      help: 'How long a heap trim (a full collection, compacting when pages exceed use) paused its thread',
      labelNames: ['thread'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    heapTrimFreed: new Counter({ name: 'haat_heap_trim_freed_bytes_total', help: 'Heap bytes those collections freed', labelNames: ['thread'] as const, registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
