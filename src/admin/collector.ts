// What the admin page shows of one node, gathered once a second on the main
// thread from counters the node keeps anyway (PROTOCOL.md §10 `GET /admin`).
// Rates are per interval: each reading is compared with the previous one, so
// the page shows what happened in the last second, not since the start.
// Nothing here runs per frame; the only per-second walks are over this node's
// sockets (their network, device and RTT; the analytics snapshot's shoppers).
// Bandwidth out, frame drops, slow consumers, shopping and the per division,
// carrier and network figures come from the node's analytics
// (metrics/analytics.ts), their one source (GET stats and /metrics read the
// same cells).
import type { Metrics } from '../metrics/registry.ts';
import type { AnalyticsSnapshot, DimStats, DropReason, StageCounts } from '../metrics/analytics.ts';
import type { ConnState } from '../gateway/connection.ts';
import type { SecurityEvent } from '../security/security-log.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import { auctionAddress } from '../domain/auction/messages.ts';
import { saleAddress } from '../domain/sale/messages.ts';
import { bucketsOf, deltaOf, quantile, type Buckets } from './histogram.ts';

/** The cluster part (GET admin/cluster's answer). */
export interface ClusterPart {
  ring_epoch: number | null;
  nodes: { id: string; status: string; last_heartbeat: string; connections: number; actors: number }[];
  supervision: { ts: string; kind: string; address: string; node: string; detail: string }[];
}

export interface AuctionRow {
  id: string;
  status: string;
  current_price: number | null;
  bid_count: number;
  /** Accepted bids per second over the last interval. */
  bids_per_s: number;
  ends_at: string;
  subscribers: number;
}

export interface SaleRow {
  id: string;
  status: string;
  /** Summed over the SKUs. */
  stock: number;
  available: number;
  reserved: number;
  sold: number;
  /** Units reserved or sold per second over the last interval. */
  taken_per_s: number;
  subscribers: number;
}

/** One division, carrier or network type in the admin snapshot (numbers the page adds across nodes). */
export interface AdminDim {
  connections: number;
  /** Connections whose last presence report is at each stage now. */
  shoppers: StageCounts;
  /** Product views, carts and checkouts (reports and events) per second over the interval. */
  per_s: StageCounts;
  bytes_out_per_s: number;
  /** Frames dropped, and slow consumer closes (4009), in the interval. */
  frames_dropped: number;
  slow_consumer_closes: number;
}

/**
 * The node's analytics as the page needs them, every field additive across
 * nodes (the page sums them as `mergeSnapshots` does and computes the drop
 * rate and the p99 from the sums).
 */
export interface AdminAnalytics {
  shopping: { per_s: StageCounts; now: StageCounts; totals: StageCounts };
  by_division: Record<string, AdminDim>;
  by_carrier: Record<string, AdminDim>;
  by_net: Record<string, AdminDim>;
  /** Frames handed to connections and frames dropped, in the interval and since start. */
  drops: { delivered: number; dropped: number; by_reason: Record<DropReason, number>; delivered_total: number; dropped_total: number };
  /** Delivery latency over the analytics window (topic and lean writes): non-cumulative counts per bucket, upper bounds in `bounds_ms` (+Inf last). */
  delivery_latency: { budget_ms: number; window_ms: number; bounds_ms: number[]; buckets: number[] };
}

/** One node's snapshot: the `data` of an `admin_stats` event on `admin:stats`. */
export interface AdminSnapshot {
  v: 1;
  node: string;
  /** Dhaka time, and epoch ms (the page drops a node whose last snapshot is old). */
  ts: string;
  at: number;
  interval_ms: number;
  connections: {
    total: number;
    /** By carrier and division: `analytics.by_carrier`, `analytics.by_division`. */
    by_net: Record<string, number>;
    by_device: Record<string, number>;
    /** Connections in lean mode (PROTOCOL.md §6) by class. */
    lean: Record<string, number>;
    /** Median measured RTT per network type (only connections the link monitor probed). */
    rtt_ms_by_net: Record<string, number>;
  };
  messages: { in_per_s: number; out_per_s: number; events_per_s: number };
  /**
   * Characters of frames (UTF-16 units, so bytes for ASCII), before
   * permessage-deflate; out is the analytics' bytes_out (topic publishes once
   * per subscriber, plus the gateway's own writes).
   */
  bandwidth: { in_bytes_per_s: number; out_bytes_per_s: number };
  /** Sequencing to local publish, this interval; `buckets` are [le seconds (null = +Inf), count], cumulative. */
  fanout_latency: { p50_ms: number | null; p99_ms: number | null; count: number; buckets: [number | null, number][] };
  /** Connections closed per second (all; `dropped` without a close frame, 1006); `by_code` server closes in the interval. */
  closes: { per_s: number; dropped_per_s: number; by_code: Record<string, number> };
  slow_consumers: { interval: number; total: number };
  link_switches: { interval: number };
  commerce: { bid_frames_per_s: number; reserve_frames_per_s: number; auctions: AuctionRow[]; sales: SaleRow[] };
  actors: { host_threads: number; queued_messages: number };
  cluster: ClusterPart;
  security_events: SecurityEvent[];
  analytics: AdminAnalytics;
}

export interface CollectorSources {
  nodeId: string;
  gateway: {
    readonly sockets: ReadonlySet<{ getUserData(): { readonly state: ConnState } }>;
    readonly channelSubscribers: ReadonlyMap<string, number>;
    readonly framesIn: number;
    readonly bytesIn: number;
    readonly closedTotal: number;
    readonly droppedTotal: number;
    readonly securityLog: { list(limit: number, cursor: undefined): Promise<{ events: SecurityEvent[] }> };
  };
  fanout: { readonly events: number };
  metrics: Metrics;
  actors: { readonly hostCount: number; queuedMessages(): number; ask<R>(address: string, msg: { type: string }, opts: { timeoutMs?: number }): Promise<R> };
  askTimeoutMs: number;
  /** GET admin/cluster's view (nodes, ring, supervision log). */
  cluster: () => Promise<ClusterPart>;
  clock: Clock;
  /** How many auctions and sales (those with the most subscribers here) are read from their actors each second. */
  topCommerce?: number;
  securityEvents?: number;
}

interface Reading {
  at: number;
  framesIn: number;
  framesOut: number;
  events: number;
  bytesIn: number;
  closed: number;
  dropped: number;
  latency: Buckets;
  closesByCode: Map<string, number>;
  analytics: AnalyticsSnapshot;
  switches: number;
  frameTypes: Map<string, number>;
  bids: Map<string, number>;
  taken: Map<string, number>;
}

const sumValues = (values: readonly { value: number }[]): number => values.reduce((a, v) => a + v.value, 0);

/** The page's part of two analytics snapshots of this node: rates and counts of the interval between them. */
function adminAnalytics(a: AnalyticsSnapshot, p: AnalyticsSnapshot, rate: (now: number, before: number) => number): AdminAnalytics {
  const stages = (x: StageCounts, y: StageCounts): StageCounts => ({ product_view: rate(x.product_view, y.product_view), cart: rate(x.cart, y.cart), checkout: rate(x.checkout, y.checkout) });
  const dims = (x: Record<string, DimStats>, y: Record<string, DimStats>): Record<string, AdminDim> => {
    const out: Record<string, AdminDim> = {};
    for (const [k, v] of Object.entries(x)) {
      const w = y[k]!;
      out[k] = {
        connections: v.connections,
        shoppers: { ...v.shoppers },
        per_s: stages(v, w),
        bytes_out_per_s: rate(v.bytes_out, w.bytes_out),
        frames_dropped: v.frames_dropped - w.frames_dropped,
        slow_consumer_closes: v.slow_consumer_closes - w.slow_consumer_closes,
      };
    }
    return out;
  };
  const l = a.delivery_latency;
  return {
    shopping: { per_s: stages(a.shopping.totals, p.shopping.totals), now: a.shopping.now, totals: a.shopping.totals },
    by_division: dims(a.by_division, p.by_division),
    by_carrier: dims(a.by_carrier, p.by_carrier),
    by_net: dims(a.by_net, p.by_net),
    drops: {
      delivered: a.drops.frames_delivered - p.drops.frames_delivered,
      dropped: a.drops.frames_dropped - p.drops.frames_dropped,
      by_reason: { backpressure: a.drops.by_reason.backpressure - p.drops.by_reason.backpressure, lean_shed: a.drops.by_reason.lean_shed - p.drops.by_reason.lean_shed, lost: a.drops.by_reason.lost - p.drops.by_reason.lost },
      delivered_total: a.drops.frames_delivered,
      dropped_total: a.drops.frames_dropped,
    },
    delivery_latency: { budget_ms: l.budget_ms, window_ms: l.window_ms, bounds_ms: l.bounds_ms, buckets: l.buckets },
  };
}

function byLabel(values: readonly { labels: Record<string, string | number | undefined>; value: number }[], label: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) {
    const k = String(v.labels[label] ?? '');
    m.set(k, (m.get(k) ?? 0) + v.value);
  }
  return m;
}

function bump(o: Record<string, number>, k: string): void {
  o[k] = (o[k] ?? 0) + 1;
}

function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

/** The channels of `ns` with the most subscribers here, at most `n`. */
function topChannels(subs: ReadonlyMap<string, number>, ns: string, n: number): [string, number][] {
  const out: [string, number][] = [];
  for (const [ch, count] of subs) if (ch.startsWith(ns)) out.push([ch.slice(ns.length), count]);
  return out.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

export class AdminCollector {
  private last: Reading | undefined;

  constructor(private readonly d: CollectorSources) {}

  /** Forgets the previous reading: the next snapshot's rates start from then (after a pause in publishing). */
  reset(): void {
    this.last = undefined;
  }

  /** Takes a reading; answers a snapshot when there was a previous one to compare with. */
  async collect(): Promise<AdminSnapshot | undefined> {
    const d = this.d;
    const g = d.gateway;
    const now = d.clock.now();
    const [latency, closes, switches, frames, cluster, security] = await Promise.all([
      d.metrics.fanoutLatency.get(),
      d.metrics.closes.get(),
      d.metrics.linkSwitches.get(),
      d.metrics.framesIn.get(),
      d.cluster(),
      g.securityLog.list(d.securityEvents ?? 10, undefined),
    ]);
    const [auctions, sales] = await Promise.all([this.auctions(), this.sales()]);
    const reading: Reading = {
      at: now,
      framesIn: g.framesIn,
      framesOut: d.metrics.analytics.framesOut(),
      events: d.fanout.events,
      bytesIn: g.bytesIn,
      closed: g.closedTotal,
      dropped: g.droppedTotal,
      latency: bucketsOf(latency.values),
      closesByCode: byLabel(closes.values, 'code'),
      analytics: d.metrics.analytics.snapshot(),
      switches: sumValues(switches.values),
      frameTypes: byLabel(frames.values, 'type'),
      bids: new Map(auctions.map((a) => [a.id, a.bid_count])),
      taken: new Map(sales.map((s) => [s.id, s.reserved + s.sold])),
    };
    const prev = this.last;
    this.last = reading;
    if (!prev) return undefined;
    const secs = Math.max(0.001, (now - prev.at) / 1000);
    const rate = (a: number, b: number): number => Math.max(0, Math.round(((a - b) / secs) * 10) / 10);
    const interval = deltaOf(reading.latency, prev.latency);
    const p50 = quantile(0.5, interval);
    const p99 = quantile(0.99, interval);
    const closesByCode: Record<string, number> = {};
    for (const [code, n] of reading.closesByCode) {
      const dn = n - (prev.closesByCode.get(code) ?? 0);
      if (dn > 0) closesByCode[code] = dn;
    }
    const frameRate = (type: string): number => rate(reading.frameTypes.get(type) ?? 0, prev.frameTypes.get(type) ?? 0);
    for (const a of auctions) a.bids_per_s = prev.bids.has(a.id) ? rate(a.bid_count, prev.bids.get(a.id)!) : 0;
    for (const s of sales) s.taken_per_s = prev.taken.has(s.id) ? rate(s.reserved + s.sold, prev.taken.get(s.id)!) : 0;
    return {
      v: 1,
      node: d.nodeId,
      ts: toDhakaIso(now),
      at: now,
      interval_ms: now - prev.at,
      connections: this.connections(),
      messages: { in_per_s: rate(reading.framesIn, prev.framesIn), out_per_s: rate(reading.framesOut, prev.framesOut), events_per_s: rate(reading.events, prev.events) },
      bandwidth: { in_bytes_per_s: rate(reading.bytesIn, prev.bytesIn), out_bytes_per_s: rate(reading.analytics.bandwidth.bytes_out, prev.analytics.bandwidth.bytes_out) },
      fanout_latency: {
        p50_ms: p50 === null ? null : Math.round(p50 * 1e6) / 1e3,
        p99_ms: p99 === null ? null : Math.round(p99 * 1e6) / 1e3,
        count: interval.length === 0 ? 0 : interval[interval.length - 1]![1],
        buckets: interval.map(([le, n]) => [Number.isFinite(le) ? le : null, n]),
      },
      closes: { per_s: rate(reading.closed, prev.closed), dropped_per_s: rate(reading.dropped, prev.dropped), by_code: closesByCode },
      slow_consumers: { interval: reading.analytics.drops.slow_consumer_closes - prev.analytics.drops.slow_consumer_closes, total: reading.analytics.drops.slow_consumer_closes },
      link_switches: { interval: reading.switches - prev.switches },
      commerce: { bid_frames_per_s: frameRate('bid'), reserve_frames_per_s: frameRate('reserve'), auctions, sales },
      actors: { host_threads: d.actors.hostCount, queued_messages: d.actors.queuedMessages() },
      cluster,
      security_events: security.events,
      analytics: adminAnalytics(reading.analytics, prev.analytics, rate),
    };
  }

  private connections(): AdminSnapshot['connections'] {
    const c: AdminSnapshot['connections'] = { total: 0, by_net: {}, by_device: {}, lean: {}, rtt_ms_by_net: {} };
    const rtts = new Map<string, number[]>();
    for (const ws of this.d.gateway.sockets) {
      const s = ws.getUserData().state;
      if (s.closed) continue;
      c.total++;
      const net = s.net ?? 'unknown';
      bump(c.by_net, net);
      bump(c.by_device, s.device ?? 'unknown');
      if (s.lean) bump(c.lean, s.lean.cls);
      const rtt = s.link?.rttMs;
      if (rtt !== undefined) {
        let xs = rtts.get(net);
        if (!xs) rtts.set(net, (xs = []));
        xs.push(rtt);
      }
    }
    for (const [net, xs] of rtts) c.rtt_ms_by_net[net] = Math.round(median(xs));
    return c;
  }

  /** The auctions watched most here, as their actors answer `get` (one that does not answer is left out). */
  private async auctions(): Promise<AuctionRow[]> {
    const rows = await Promise.all(
      topChannels(this.d.gateway.channelSubscribers, 'auction:', this.d.topCommerce ?? 5).map(async ([id, subscribers]) => {
        try {
          const a = await this.d.actors.ask<{ status: string; current_price: number | null; bid_count: number; ends_at: string }>(auctionAddress(id), { type: 'get' }, { timeoutMs: this.d.askTimeoutMs });
          return { id, status: a.status, current_price: a.current_price, bid_count: a.bid_count, bids_per_s: 0, ends_at: a.ends_at, subscribers };
        } catch {
          return undefined; // not created (a channel may exist without its auction), or busy: shown again next second
        }
      }),
    );
    return rows.filter((r) => r !== undefined);
  }

  private async sales(): Promise<SaleRow[]> {
    const rows = await Promise.all(
      topChannels(this.d.gateway.channelSubscribers, 'sale:', this.d.topCommerce ?? 5).map(async ([id, subscribers]) => {
        try {
          const s = await this.d.actors.ask<{ status: string; skus: { stock: number; available: number; reserved: number; sold: number }[] }>(saleAddress(id), { type: 'get' }, { timeoutMs: this.d.askTimeoutMs });
          const sum = (f: (k: (typeof s.skus)[number]) => number): number => s.skus.reduce((acc, k) => acc + f(k), 0);
          return { id, status: s.status, stock: sum((k) => k.stock), available: sum((k) => k.available), reserved: sum((k) => k.reserved), sold: sum((k) => k.sold), taken_per_s: 0, subscribers };
        } catch {
          return undefined; // as for auctions
        }
      }),
    );
    return rows.filter((r) => r !== undefined);
  }
}
