// Live analytics of one node (README "Analytics and alerts"): shopping
// behaviour (product views, carts, checkouts from presence reports and from
// events), per division, carrier and network type; bandwidth, drops and the
// delivery latency of events. Everything on the per-frame path is a plain
// number added to a cell that the connection holds a reference to (no label
// hashing, no allocation); prom-client reads the cells when scraped, and
// `snapshot()` hands the same figures to GET stats and the admin page. A
// cluster's figures are the sum of its nodes' snapshots (`mergeSnapshots`).
//
// Labels are fixed enums only: the 8 divisions, the carriers of §1, the
// network hints of §1, each with `unknown`; never a user or product id.
import { Counter, Gauge, type Registry } from 'prom-client';
import { CARRIERS, type Carrier } from '../network/profiles.ts';
import { DIVISIONS, parseDivision, type Division } from '../time/divisions.ts';
import { addBuckets, LatencyHistogram, LATENCY_BOUNDS_MS, quantileOf } from './latency-histogram.ts';
import { CART, CHECKOUT, furthest, STAGES, stagesOfActivity, stagesOfEvent, stagesOfPage, VIEW } from './shopping.ts';

export const DIVISION_LABELS = [...DIVISIONS, 'unknown'] as const;
export const CARRIER_LABELS = [...CARRIERS, 'unknown'] as const;
export const NET_LABELS = ['2g', '3g', '4g', 'wifi', 'unknown'] as const;
export type DivisionLabel = (typeof DIVISION_LABELS)[number];
export type CarrierLabel = (typeof CARRIER_LABELS)[number];
export type NetLabel = (typeof NET_LABELS)[number];
/**
 * topic: the uWS publish to the channel's topic; lean: a lean connection's
 * write made at once (high priority, unkeyed, or a window flushed ahead of
 * one); lean_window: a conflated event written at its window's end, whose
 * latency includes the window (up to 2 s by design, PROTOCOL.md §6), so it is
 * reported apart and left out of the budget's p99.
 */
export type DeliveryPath = 'topic' | 'lean' | 'lean_window';
const PATHS: readonly DeliveryPath[] = ['topic', 'lean', 'lean_window'];
export type DropReason = 'backpressure' | 'lean_shed' | 'lost';

/** The running figures of one division, carrier or network type. */
export interface Cell {
  product_view: number;
  cart: number;
  checkout: number;
  bytes_out: number;
  frames_dropped: number;
  slow_consumer_closes: number;
}

/** What a connection points at (shared by every connection of the same division, carrier and net). */
export interface AcctRow {
  readonly division: Cell;
  readonly carrier: Cell;
  readonly net: Cell;
}

/** The per-connection fields analytics reads and writes (part of ConnState). */
export interface ConnAnalytics {
  acct: AcctRow;
  /** Stage bits of the connection's last presence report that named any (shopping.ts). */
  shop: number;
  /** Its topics' bytes at the last attribution, and how many channels it had then. */
  topicAt: number;
  chAt: number;
  lean?: unknown;
  channels: ReadonlySet<string>;
}

export interface StageCounts {
  product_view: number;
  cart: number;
  checkout: number;
}

/** One division, carrier or network type in a snapshot. */
export interface DimStats extends Cell {
  connections: number;
  /** Connections whose last presence report is at this stage now. */
  shoppers: StageCounts;
}

export interface LatencyStats {
  budget_ms: number;
  window_ms: number;
  /** Deliveries observed in the window (one per event per node and path, not per subscriber). */
  count: number;
  p50_ms: number | null;
  p99_ms: number | null;
  /** p99 under the budget; null with nothing observed. */
  within_budget: boolean | null;
  /** The window's bucket counts of topic and lean deliveries (non-cumulative; upper bounds in `bounds_ms`, +Inf last): nodes merge these. */
  buckets: number[];
  bounds_ms: number[];
  by_path: Record<DeliveryPath, { count: number; p99_ms: number | null; buckets: number[] }>;
}

export interface AnalyticsSnapshot {
  shopping: {
    /** Since start: reports (presence) and events naming each stage. */
    totals: StageCounts;
    presence: StageCounts;
    events: StageCounts;
    /** Over the last second sampled. */
    per_s: StageCounts;
    /** Connections whose last presence report is at each stage (the furthest one counts). */
    now: StageCounts;
  };
  by_division: Record<DivisionLabel, DimStats>;
  by_carrier: Record<CarrierLabel, DimStats>;
  by_net: Record<NetLabel, DimStats>;
  bandwidth: { bytes_out: number; bytes_out_per_s: number; topic_bytes: number; direct_bytes: number };
  drops: { frames_delivered: number; frames_dropped: number; drop_rate: number; by_reason: Record<DropReason, number>; slow_consumer_closes: number };
  delivery_latency: LatencyStats;
}

export interface AnalyticsOptions {
  latencyBudgetMs?: number;
  latencyWindowMs?: number;
  now?: () => number;
}

const zeroCell = (): Cell => ({ product_view: 0, cart: 0, checkout: 0, bytes_out: 0, frames_dropped: 0, slow_consumer_closes: 0 });
const zeroStages = (): StageCounts => ({ product_view: 0, cart: 0, checkout: 0 });
const cellsOf = <L extends string>(labels: readonly L[]): Record<L, Cell> => Object.fromEntries(labels.map((l) => [l, zeroCell()])) as Record<L, Cell>;

function addStages(into: StageCounts | Cell, bits: number): void {
  if (bits & VIEW) into.product_view++;
  if (bits & CART) into.cart++;
  if (bits & CHECKOUT) into.checkout++;
}

export class Analytics {
  readonly budgetMs: number;
  readonly windowMs: number;
  private readonly now: () => number;
  readonly divisions = cellsOf(DIVISION_LABELS);
  readonly carriers = cellsOf(CARRIER_LABELS);
  readonly nets = cellsOf(NET_LABELS);
  private readonly rows = new Map<string, AcctRow>();
  /** Each cell's label within its dimension. */
  private readonly labels = new Map<Cell, string>();
  /** A row for what is not a connection (REST calls, server-side publishes). */
  readonly unknownRow: AcctRow;
  readonly presenceCounts = zeroStages();
  readonly eventCounts = zeroStages();
  /** Bytes published to topics (frame length times local subscribers) and written by the gateway itself. */
  topicBytes = 0;
  directBytes = 0;
  framesDelivered = 0;
  readonly dropped: Record<DropReason, number> = { backpressure: 0, lean_shed: 0, lost: 0 };
  slowCloses = 0;
  readonly latency: Record<DeliveryPath, LatencyHistogram>;
  private rates = { ...zeroStages(), bytes_out: 0 };
  private lastSample: { at: number; values: StageCounts & { bytes_out: number } };
  private sources: { sockets: () => Iterable<{ getUserData(): { readonly state: ConnAnalytics } }>; bytesOf: (channel: string) => number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: AnalyticsOptions = {}) {
    this.budgetMs = opts.latencyBudgetMs ?? 100;
    this.windowMs = opts.latencyWindowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.latency = { topic: new LatencyHistogram(this.windowMs), lean: new LatencyHistogram(this.windowMs), lean_window: new LatencyHistogram(this.windowMs) };
    for (const cells of [this.divisions, this.carriers, this.nets] as Record<string, Cell>[]) for (const [l, c] of Object.entries(cells)) this.labels.set(c, l);
    this.unknownRow = this.rowOf(undefined, undefined, undefined);
    this.lastSample = { at: this.now(), values: this.sampleValues() };
  }

  /** The shared row of a connection's division, carrier and network hint (looked up at open, never per frame). */
  rowOf(division: Division | undefined, carrier: Carrier | undefined, net: string | undefined): AcctRow {
    const d: DivisionLabel = division ?? 'unknown';
    const c: CarrierLabel = carrier ?? 'unknown';
    const n: NetLabel = (NET_LABELS as readonly string[]).includes(net ?? '') ? (net as NetLabel) : 'unknown';
    const key = `${d}|${c}|${n}`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { division: this.divisions[d], carrier: this.carriers[c], net: this.nets[n] }));
    return row;
  }

  /** A presence report (frame or PUT presence). `conn` is the reporting connection, when there is one. */
  presence(conn: ConnAnalytics | undefined, currentPage: string | null | undefined, activity: unknown): void {
    if (currentPage === undefined && activity === undefined) return;
    const bits = stagesOfPage(currentPage) | stagesOfActivity(activity);
    if (conn) conn.shop = bits;
    if (bits === 0) return;
    addStages(this.presenceCounts, bits);
    this.addToRow(conn?.acct ?? this.unknownRow, bits);
  }

  /** An event accepted for publishing on this node (counted once, where it was published, not where it is delivered). */
  published(conn: ConnAnalytics | undefined, eventType: string, data: unknown): void {
    const bits = stagesOfEvent(eventType, data);
    if (bits === 0) return;
    addStages(this.eventCounts, bits);
    const row = conn?.acct ?? this.unknownRow;
    // An event may say where the shopper is (`data.division`); else the publisher's connection does.
    const named = typeof data === 'object' && data !== null ? parseDivision((data as { division?: unknown }).division) : undefined;
    addStages(named ? this.divisions[named] : row.division, bits);
    addStages(row.carrier, bits);
    addStages(row.net, bits);
  }

  private addToRow(row: AcctRow, bits: number): void {
    addStages(row.division, bits);
    addStages(row.carrier, bits);
    addStages(row.net, bits);
  }

  /** The gateway wrote `bytes` to one socket (per frame: three additions). */
  wrote(row: AcctRow, bytes: number): void {
    this.directBytes += bytes;
    this.framesDelivered++;
    row.division.bytes_out += bytes;
    row.carrier.bytes_out += bytes;
    row.net.bytes_out += bytes;
  }

  /**
   * Frames handed to uWS for a connection: delivered ones and those uWS
   * refused (backpressure). The one count of frames out (GET stats, the
   * admin page, haat_frames_out_total).
   */
  framesOut(): number {
    return this.framesDelivered + this.dropped.backpressure;
  }

  /** One event published to a local topic with `subscribers` sockets. */
  publishedToTopic(bytes: number, subscribers: number): void {
    this.topicBytes += bytes * subscribers;
    this.framesDelivered += subscribers;
  }

  /** A frame meant for a connection that it will never get. */
  drop(row: AcctRow | undefined, reason: DropReason, frames = 1): void {
    this.dropped[reason] += frames;
    if (!row) return;
    row.division.frames_dropped += frames;
    row.carrier.frames_dropped += frames;
    row.net.frames_dropped += frames;
  }

  slowConsumerClosed(row: AcctRow): void {
    this.slowCloses++;
    row.division.slow_consumer_closes++;
    row.carrier.slow_consumer_closes++;
    row.net.slow_consumer_closes++;
  }

  /** An event sequenced at `at` reached its sockets on this node now (once per event and path, not per subscriber). */
  delivered(path: DeliveryPath, at: number): void {
    const now = this.now();
    this.latency[path].observe(now - at, now);
  }

  /**
   * Where the per-dimension topic bytes come from: each normal connection's
   * topics' byte counts. Attributed every `periodMs` (and at each snapshot);
   * a connection whose channel count changed since gets a new baseline (its
   * bytes of that period go to the totals only).
   */
  start(sources: NonNullable<Analytics['sources']>, periodMs = 1000): void {
    this.sources = sources;
    this.timer = setInterval(() => this.sample(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One sample: per-second rates and the topic bytes of each connection's division, carrier and net. */
  sample(): void {
    const at = this.now();
    this.attributeTopicBytes();
    const values = this.sampleValues();
    const secs = Math.max(0.001, (at - this.lastSample.at) / 1000);
    const prev = this.lastSample.values;
    this.rates = {
      product_view: Math.round((values.product_view - prev.product_view) / secs),
      cart: Math.round((values.cart - prev.cart) / secs),
      checkout: Math.round((values.checkout - prev.checkout) / secs),
      bytes_out: Math.round((values.bytes_out - prev.bytes_out) / secs),
    };
    this.lastSample = { at, values };
  }

  private sampleValues(): StageCounts & { bytes_out: number } {
    return {
      product_view: this.presenceCounts.product_view + this.eventCounts.product_view,
      cart: this.presenceCounts.cart + this.eventCounts.cart,
      checkout: this.presenceCounts.checkout + this.eventCounts.checkout,
      bytes_out: this.topicBytes + this.directBytes,
    };
  }

  private attributeTopicBytes(): void {
    const src = this.sources;
    if (!src) return;
    for (const ws of src.sockets()) this.attribute(ws.getUserData().state, src.bytesOf);
  }

  /** A connection is closing (its channels still known): its topic bytes since the last sample are attributed. */
  closing(conn: ConnAnalytics): void {
    if (this.sources) this.attribute(conn, this.sources.bytesOf);
  }

  private attribute(s: ConnAnalytics, bytesOf: (channel: string) => number): void {
    if (s.lean) {
      // Lean connections are on no topic: their writes are direct ones, counted as written.
      s.chAt = -1;
      return;
    }
    let n = 0;
    for (const ch of s.channels) n += bytesOf(ch);
    if (s.chAt === s.channels.size && n > s.topicAt) {
      const delta = n - s.topicAt;
      s.acct.division.bytes_out += delta;
      s.acct.carrier.bytes_out += delta;
      s.acct.net.bytes_out += delta;
    }
    s.topicAt = n;
    s.chAt = s.channels.size;
  }

  /** This node's figures (GET stats, the admin page). */
  snapshot(): AnalyticsSnapshot {
    this.attributeTopicBytes();
    const now = this.now();
    const dims = {
      by_division: dimsOf(DIVISION_LABELS, this.divisions),
      by_carrier: dimsOf(CARRIER_LABELS, this.carriers),
      by_net: dimsOf(NET_LABELS, this.nets),
    };
    const shoppersNow = zeroStages();
    for (const ws of this.sources?.sockets() ?? []) {
      const s = ws.getUserData().state;
      const row = s.acct;
      const d = dims.by_division[this.labels.get(row.division) as DivisionLabel];
      const c = dims.by_carrier[this.labels.get(row.carrier) as CarrierLabel];
      const n = dims.by_net[this.labels.get(row.net) as NetLabel];
      d.connections++;
      c.connections++;
      n.connections++;
      const stage = furthest(s.shop);
      if (stage) {
        shoppersNow[stage]++;
        d.shoppers[stage]++;
        c.shoppers[stage]++;
        n.shoppers[stage]++;
      }
    }
    const totals = zeroStages();
    for (const st of STAGES) totals[st] = this.presenceCounts[st] + this.eventCounts[st];
    const byPath = {
      topic: this.latency.topic.window(now),
      lean: this.latency.lean.window(now),
      lean_window: this.latency.lean_window.window(now),
    };
    const dropped = this.dropped.backpressure + this.dropped.lean_shed + this.dropped.lost;
    return finish({
      shopping: { totals, presence: { ...this.presenceCounts }, events: { ...this.eventCounts }, per_s: { product_view: this.rates.product_view, cart: this.rates.cart, checkout: this.rates.checkout }, now: shoppersNow },
      ...dims,
      bandwidth: { bytes_out: this.topicBytes + this.directBytes, bytes_out_per_s: this.rates.bytes_out, topic_bytes: this.topicBytes, direct_bytes: this.directBytes },
      drops: { frames_delivered: this.framesDelivered, frames_dropped: dropped, drop_rate: 0, by_reason: { ...this.dropped }, slow_consumer_closes: this.slowCloses },
      delivery_latency: {
        budget_ms: this.budgetMs,
        window_ms: this.windowMs,
        count: 0,
        p50_ms: null,
        p99_ms: null,
        within_budget: null,
        buckets: addBuckets([...byPath.topic], byPath.lean),
        bounds_ms: [...LATENCY_BOUNDS_MS],
        by_path: {
          topic: { count: 0, p99_ms: null, buckets: byPath.topic },
          lean: { count: 0, p99_ms: null, buckets: byPath.lean },
          lean_window: { count: 0, p99_ms: null, buckets: byPath.lean_window },
        },
      },
    });
  }

  /** The Prometheus side: counters and gauges filled from the cells when scraped. */
  register(registry: Registry): void {
    const self = this;
    new Counter({
      name: 'haat_shopping_total',
      help: 'Product views, carts and checkouts reported (presence) or published (events), by stage and source',
      labelNames: ['stage', 'source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const st of STAGES) {
          this.labels(st, 'presence').inc(self.presenceCounts[st]);
          this.labels(st, 'event').inc(self.eventCounts[st]);
        }
      },
    });
    const perDim = <L extends string>(dim: string, labels: readonly L[], cells: Record<L, Cell>): void => {
      new Counter({
        name: `haat_shopping_by_${dim}_total`,
        help: `Product views, carts and checkouts by ${dim}`,
        labelNames: ['stage', dim],
        registers: [registry],
        collect() {
          this.reset();
          for (const l of labels) for (const st of STAGES) this.labels(st, l).inc(cells[l][st]);
        },
      });
      new Counter({
        name: `haat_bytes_out_by_${dim}_total`,
        help: `Bytes written to connections by ${dim} (topic bytes attributed once a second)`,
        labelNames: [dim],
        registers: [registry],
        collect() {
          self.attributeTopicBytes();
          this.reset();
          for (const l of labels) this.labels(l).inc(cells[l].bytes_out);
        },
      });
      new Counter({
        name: `haat_frames_dropped_by_${dim}_total`,
        help: `Frames dropped (never delivered to a connection) by ${dim}`,
        labelNames: [dim],
        registers: [registry],
        collect() {
          this.reset();
          for (const l of labels) this.labels(l).inc(cells[l].frames_dropped);
        },
      });
      new Gauge({
        name: `haat_connections_by_${dim}`,
        help: `Open connections by ${dim}`,
        labelNames: [dim],
        registers: [registry],
        collect() {
          this.reset();
          const counts = new Map<Cell, number>();
          for (const l of labels) counts.set(cells[l], 0);
          const pick = (row: AcctRow): Cell => (dim === 'division' ? row.division : dim === 'carrier' ? row.carrier : row.net);
          for (const ws of self.sources?.sockets() ?? []) {
            const c = pick(ws.getUserData().state.acct);
            counts.set(c, (counts.get(c) ?? 0) + 1);
          }
          for (const l of labels) this.labels(l).set(counts.get(cells[l]) ?? 0);
        },
      });
    };
    perDim('division', DIVISION_LABELS, this.divisions);
    perDim('carrier', CARRIER_LABELS, this.carriers);
    perDim('net', NET_LABELS, this.nets);
    new Gauge({
      name: 'haat_shoppers',
      help: 'Connections whose last presence report is at each stage (the furthest one)',
      labelNames: ['stage'],
      registers: [registry],
      collect() {
        const now = zeroStages();
        for (const ws of self.sources?.sockets() ?? []) {
          const st = furthest(ws.getUserData().state.shop);
          if (st) now[st]++;
        }
        for (const st of STAGES) this.labels(st).set(now[st]);
      },
    });
    new Counter({
      name: 'haat_bytes_out_total',
      help: 'Bytes written to connections (topic publishes count once per subscriber)',
      labelNames: ['path'],
      registers: [registry],
      collect() {
        this.reset();
        this.labels('topic').inc(self.topicBytes);
        this.labels('direct').inc(self.directBytes);
      },
    });
    new Counter({
      name: 'haat_frames_delivered_total',
      help: 'Frames handed to connections (topic publishes count once per subscriber); the denominator of the drop rate',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(self.framesDelivered);
      },
    });
    new Counter({
      name: 'haat_frames_dropped_total',
      help: 'Frames a connection should have had and never got: backpressure (uWS dropped the send), lean_shed (held low events superseded), lost (history no longer held them)',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of ['backpressure', 'lean_shed', 'lost'] as const) this.labels(r).inc(self.dropped[r]);
      },
    });
    registry.registerMetric(latencyCollector(this) as never);
    new Gauge({
      name: 'haat_delivery_latency_p99_seconds',
      help: 'p99 of the delivery latency over the stats window (GET stats delivery_latency.p99_ms); NaN with no deliveries',
      registers: [registry],
      collect() {
        const p = quantileOf(addBuckets(self.latency.topic.window(self.now()), self.latency.lean.window(self.now())), 0.99);
        this.set(p === null ? Number.NaN : p / 1000);
      },
    });
  }
}

/** haat_delivery_latency_seconds: a histogram exposed from the plain-number buckets. */
function latencyCollector(a: Analytics): object {
  const name = 'haat_delivery_latency_seconds';
  return {
    name,
    help: 'From the sequencing of an event (SequencedEvent.at) to its socket write on this node: the uWS topic publish, or the lean delivery write; one observation per event, node and path',
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: object[] = [];
      for (const path of PATHS) {
        const h = a.latency[path];
        let cum = 0;
        LATENCY_BOUNDS_MS.forEach((b, i) => {
          cum += h.counts[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { path, le: b / 1000 }, value: cum });
        });
        cum += h.counts[LATENCY_BOUNDS_MS.length]!;
        values.push({ metricName: `${name}_bucket`, labels: { path, le: '+Inf' }, value: cum });
        values.push({ metricName: `${name}_sum`, labels: { path }, value: h.sumMs / 1000 });
        values.push({ metricName: `${name}_count`, labels: { path }, value: h.count });
      }
      return { name, help: 'delivery latency', type: 'histogram', aggregator: 'sum', values };
    },
    reset: () => undefined,
  };
}

function dimsOf<L extends string>(labels: readonly L[], cells: Record<L, Cell>): Record<L, DimStats> {
  return Object.fromEntries(labels.map((l) => [l, { ...cells[l], connections: 0, shoppers: zeroStages() }])) as Record<L, DimStats>;
}

/** Fills the derived fields (drop rate, percentiles) from the additive ones. */
function finish(s: AnalyticsSnapshot): AnalyticsSnapshot {
  const dr = s.drops;
  dr.drop_rate = dr.frames_dropped + dr.frames_delivered === 0 ? 0 : dr.frames_dropped / (dr.frames_dropped + dr.frames_delivered);
  const l = s.delivery_latency;
  const sum = (b: readonly number[]): number => b.reduce((a, c) => a + c, 0);
  l.count = sum(l.buckets);
  l.p50_ms = round(quantileOf(l.buckets, 0.5));
  l.p99_ms = round(quantileOf(l.buckets, 0.99));
  l.within_budget = l.p99_ms === null ? null : l.p99_ms < l.budget_ms;
  for (const p of PATHS) {
    const bp = l.by_path[p];
    bp.count = sum(bp.buckets);
    bp.p99_ms = round(quantileOf(bp.buckets, 0.99));
  }
  return s;
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}

/** A cluster's figures: every additive field summed over the nodes' snapshots, the derived ones computed again. */
export function mergeSnapshots(snaps: readonly AnalyticsSnapshot[]): AnalyticsSnapshot | null {
  const first = snaps[0];
  if (!first) return null;
  const out = structuredClone(first);
  for (const s of snaps.slice(1)) addInto(out as unknown as Record<string, unknown>, s);
  return finish(out);
}

/** Settings, not counts: the same on every node. */
const NOT_ADDED = new Set(['budget_ms', 'window_ms', 'bounds_ms']);

/** Adds every number of `b` into `a`, recursively (arrays element by element); other values stay as in `a`. */
function addInto(a: Record<string, unknown> | unknown[], b: unknown): void {
  if (typeof b !== 'object' || b === null) return;
  for (const k of Object.keys(a)) {
    if (NOT_ADDED.has(k)) continue;
    const av = (a as Record<string, unknown>)[k];
    const bv = (b as Record<string, unknown>)[k];
    if (typeof av === 'number' && typeof bv === 'number') (a as Record<string, unknown>)[k] = av + bv;
    else if (typeof av === 'object' && av !== null) addInto(av as Record<string, unknown>, bv);
  }
}
