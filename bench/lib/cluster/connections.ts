// Many connections over a cluster: K nodes (one process cannot hold more
// than its open-file limit), connection i to node i % K from source address
// 127.0.0.(1 + i % A), over several client processes; every client joins
// product:hot. Measured: connects/s, failures and drops, the time one publish
// takes to reach every client, and RSS per connection per node right after
// the ramp-up and after a hold.
import WebSocket from 'ws';
import { nowMs, sleep } from '../clock.ts';
import { summarize, type LatencySummary } from '../histogram.ts';
import { sourceAddresses } from '../loadgen/addresses.ts';
import { Fleet, newFleet } from '../loadgen/fleet.ts';
import type { SessionConfig } from '../loadgen/session-messages.ts';
import { int } from '../markdown.ts';
import { CONNECTIONS, HEAP_USED, scrapeGauges } from '../metrics-scrape.ts';
import { openFileLimits, rssBytes } from '../proc-stats.ts';
import { progress } from '../progress.ts';
import { SERVER_FD_MARGIN } from '../sessions.ts';
import { waitUntil } from '../wait.ts';
import { signToken, startCluster, type HaatCluster } from './haat-cluster.ts';

const HOST = '127.0.0.1';
const CHANNEL = 'product:hot';

export interface ConnectionsOptions {
  connections: number;
  nodes: number;
  holdS: number;
  clientProcesses: number;
  workers: number;
  maxPending: number;
  perAddress: number;
  heartbeatMs: number;
}

export interface NodeMemory {
  node: string;
  connections_ramp: number | undefined;
  connections_hold: number | undefined;
  rss_empty_bytes: number;
  rss_ramp_bytes: number;
  rss_hold_bytes: number;
  per_conn_ramp_bytes: number;
  per_conn_hold_bytes: number;
  /** V8 heap used (GET /metrics): the part of RSS that garbage collection decides. */
  heap_empty_bytes: number | undefined;
  heap_ramp_bytes: number | undefined;
  heap_hold_bytes: number | undefined;
}

export interface ConnectionsResult {
  ok: boolean;
  error?: string;
  requested: number;
  nodes: number;
  client_processes: number;
  source_addresses: number;
  /** From starting the client processes until every connection is ready or failed. */
  connect_s: number;
  /** From the first connection ready until every connection is ready or failed (client process start-up excluded). */
  ramp_s: number;
  /** ready / ramp_s */
  connects_per_s: number;
  ready_after_ramp: number;
  failed: number;
  last_error?: string | undefined;
  /** One publish to product:hot: publish → receipt at each client. */
  one_publish?: OnePublish;
  hold_s: number;
  ready_after_hold: number;
  server_closed: number;
  close_codes: Record<string, number>;
  drops: number;
  pings_sent: number;
  pongs: number;
  ping?: LatencySummary;
  memory: NodeMemory[];
  /** The node that owns the channel actor of product:hot (every join goes through it). */
  channel_owner?: string;
  redis_rss_ramp_bytes?: number;
  samples: Array<{ t_s: number; ready: number; rss_bytes: number[] }>;
}

async function nodeGauges(port: number): Promise<{ connections: number | undefined; heap: number | undefined }> {
  try {
    const g = await scrapeGauges(HOST, port, [CONNECTIONS, HEAP_USED]);
    return { connections: g[CONNECTIONS], heap: g[HEAP_USED] };
  } catch (err) {
    progress('cluster conns', `GET /metrics on :${port}: ${(err as Error).message}`);
    return { connections: undefined, heap: undefined };
  }
}

/** Publishes one event carrying its send time and waits (bounded) until every ready client has it. */
/** `reached`: events counted; the rest tell why more than one per client (one publish as two events, an offset seen twice, a new epoch). */
type OnePublish = LatencySummary & { reached: number; repeats: number; duplicates: number; gaps: number; epoch_changes: number };

async function onePublish(c: HaatCluster, fleet: Fleet, ready: number, tag: string): Promise<OnePublish> {
  await fleet.reset();
  const start = fleet.totals();
  const before = start.events;
  const token = await signToken(['publisher'], 'bench-conns');
  const ws = new WebSocket(`ws://${HOST}:${c.nodes[0]!.server.port}/ws?token=${encodeURIComponent(token)}`, { perMessageDeflate: false, localAddress: HOST });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('publisher: no answer within 10 s')), 10_000);
      ws.on('message', (d: Buffer) => {
        const s = d.toString('utf8');
        if (s.includes('"type":"authenticated"')) ws.send(JSON.stringify({ type: 'broadcast_event', ref: 1, channel: CHANNEL, event_type: 'bench', data: { t: nowMs() } }));
        else if (s.includes('"type":"reply"') || s.includes('"type":"error"')) {
          clearTimeout(timer);
          if (s.includes('"ok":true')) resolve();
          else reject(new Error(`publish refused: ${s.slice(0, 200)}`));
        }
      });
      ws.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    try {
      await waitUntil(() => fleet.totals().events - before >= ready, 60_000, { what: `one publish to reach ${ready} clients`, everyMs: 50 });
    } catch (err) {
      progress(tag, (err as Error).message);
    }
    await sleep(500); // the last worker reports within progressMs
    const { delivery } = await fleet.collect();
    const end = fleet.totals();
    return { ...summarize(delivery), reached: end.events - before, repeats: end.repeats - start.repeats, duplicates: end.duplicates - start.duplicates, gaps: end.gaps - start.gaps, epoch_changes: end.epochChanges - start.epochChanges };
  } finally {
    ws.terminate();
  }
}

export async function runConnections(o: ConnectionsOptions, tag = 'cluster conns'): Promise<ConnectionsResult> {
  const N = o.connections;
  const perNode = Math.ceil(N / o.nodes);
  const limit = openFileLimits();
  if (perNode + SERVER_FD_MARGIN > limit.soft) {
    throw new Error(`${N} connections over ${o.nodes} nodes is ${perNode} per node, more than ulimit -n ${limit.soft} allows (${SERVER_FD_MARGIN} kept for the rest): use --nodes=${Math.ceil(N / (limit.soft - SERVER_FD_MARGIN))} or more`);
  }
  const perProcess = Math.min(Math.ceil(N / Math.max(1, o.clientProcesses)), Fleet.perProcessCapacity());
  const addresses = sourceAddresses(N, o.perAddress);
  const result: ConnectionsResult = {
    ok: false,
    requested: N,
    nodes: o.nodes,
    client_processes: Math.ceil(N / perProcess),
    source_addresses: addresses.length,
    connect_s: NaN,
    ramp_s: NaN,
    connects_per_s: NaN,
    ready_after_ramp: 0,
    failed: 0,
    hold_s: 0,
    ready_after_hold: 0,
    server_closed: 0,
    close_codes: {},
    drops: NaN,
    pings_sent: 0,
    pongs: 0,
    memory: [],
    samples: [],
  };
  let cluster: HaatCluster | undefined;
  let fleet: Fleet | undefined;
  try {
    cluster = await startCluster({ nodes: o.nodes, tag, readyTimeoutMs: 60_000 });
    const c = cluster;
    await sleep(1000);
    const empty = c.nodes.map((n) => rssBytes(n.server.pid));
    const emptyGauges = await Promise.all(c.ports().map(nodeGauges));
    result.channel_owner = c.ownerOf(`channel:${CHANNEL}`);
    const config: SessionConfig = {
      protocol: 'haat',
      host: HOST,
      port: c.ports()[0]!,
      ports: c.ports(),
      path: '/ws',
      addresses,
      subscribe: 'hot',
      coldChannels: 1,
      subPrefix: 'u',
      heartbeatMs: o.heartbeatMs,
      maxPending: Math.max(1, Math.floor(o.maxPending / (o.workers * result.client_processes))),
      handshakeTimeoutMs: 30_000,
      progressMs: 250,
    };
    fleet = newFleet({ config, connections: N, workersPerProcess: o.workers, perProcess });
    const f = fleet;
    progress(tag, `N=${int(N)} over ${o.nodes} nodes (${int(perNode)} each), ${f.processes} client process(es) × ${o.workers} threads, ${addresses.length} source addresses, all on ${CHANNEL}`);
    const t0 = Date.now();
    f.start();
    let last = 0;
    let firstAt: number | undefined;
    await waitUntil(() => {
      const t = f.totals();
      if (firstAt === undefined && t.ready + t.failed > 0) firstAt = Date.now();
      return t.ready + t.failed >= N;
    }, 60_000 + N * 5, {
      what: `${N} connections`,
      everyMs: 100,
      onTick: () => {
        c.alive();
        if (Date.now() - last < 2000) return;
        last = Date.now();
        const t = f.totals();
        progress(tag, `connecting ${int(t.ready)}/${int(N)} (${int(t.ready / ((Date.now() - t0) / 1000))}/s)${t.failed ? `, ${t.failed} failed: ${t.lastError}` : ''}`);
      },
      detail: () => JSON.stringify(f.totals()).slice(0, 400),
    });
    result.connect_s = (Date.now() - t0) / 1000;
    const ramp = f.totals();
    result.ready_after_ramp = ramp.ready;
    result.failed = ramp.failed;
    result.last_error = ramp.lastError;
    result.ramp_s = (Date.now() - (firstAt ?? t0)) / 1000;
    result.connects_per_s = ramp.ready / result.ramp_s;
    progress(tag, `connected ${int(ramp.ready)}/${int(N)} in ${result.connect_s.toFixed(1)} s, ${result.ramp_s.toFixed(1)} s from the first one (${int(result.connects_per_s)}/s), ${ramp.failed} failed`);

    await sleep(2000);
    const rampRss = c.nodes.map((n) => rssBytes(n.server.pid));
    result.redis_rss_ramp_bytes = rssBytes(c.redis.pid);
    const rampGauges = await Promise.all(c.ports().map(nodeGauges));
    const rampConns = rampGauges.map((g) => g.connections);
    progress(tag, `RSS per node after the ramp: ${c.nodes.map((n, i) => `${n.id} ${((rampRss[i]! - empty[i]!) / 1024 / Math.max(1, rampConns[i] ?? perNode)).toFixed(2)} KB/conn (${rampConns[i]} conns)`).join(', ')}`);

    result.one_publish = await onePublish(c, f, ramp.ready, tag);
    const p = result.one_publish;
    progress(tag, `one publish reached ${int(p.reached)} clients: p50 ${p.p50_ms} ms, p99 ${p.p99_ms} ms, last ${p.max_ms} ms; repeats ${p.repeats}, duplicates ${p.duplicates}, gaps ${p.gaps}, epoch changes ${p.epoch_changes}`);

    await f.reset();
    const closedBefore = f.totals().serverClosed;
    const h0 = Date.now();
    const end = h0 + o.holdS * 1000;
    let nextSample = h0;
    while (Date.now() < end) {
      c.alive();
      if (Date.now() >= nextSample) {
        const t = f.totals();
        const s = { t_s: Math.round((Date.now() - h0) / 1000), ready: t.ready, rss_bytes: c.nodes.map((n) => rssBytes(n.server.pid)) };
        result.samples.push(s);
        progress(tag, `hold ${s.t_s}/${o.holdS} s: ready ${int(t.ready)}/${int(N)}, server-closed ${t.serverClosed - closedBefore}, pongs ${t.pongs}/${t.pingsSent}, node RSS ${s.rss_bytes.map((b) => (b / 2 ** 20).toFixed(0)).join('/')} MB`);
        nextSample += 10_000;
      }
      await sleep(Math.min(500, Math.max(0, end - Date.now())));
    }
    result.hold_s = (Date.now() - h0) / 1000;
    const holdRss = c.nodes.map((n) => rssBytes(n.server.pid));
    const holdGauges = await Promise.all(c.ports().map(nodeGauges));
    const holdConns = holdGauges.map((g) => g.connections);
    const { ping, totals } = await f.collect();
    result.ready_after_hold = totals.ready;
    result.server_closed = totals.serverClosed - closedBefore;
    result.close_codes = totals.closeCodes;
    result.drops = N - totals.ready;
    result.pings_sent = totals.pingsSent;
    result.pongs = totals.pongs;
    result.ping = summarize(ping);
    result.memory = c.nodes.map((n, i) => {
      const connsRamp = rampConns[i];
      const connsHold = holdConns[i];
      return {
        node: n.id,
        connections_ramp: connsRamp,
        connections_hold: connsHold,
        rss_empty_bytes: empty[i]!,
        rss_ramp_bytes: rampRss[i]!,
        rss_hold_bytes: holdRss[i]!,
        per_conn_ramp_bytes: (rampRss[i]! - empty[i]!) / Math.max(1, connsRamp ?? perNode),
        per_conn_hold_bytes: (holdRss[i]! - empty[i]!) / Math.max(1, connsHold ?? perNode),
        heap_empty_bytes: emptyGauges[i]!.heap,
        heap_ramp_bytes: rampGauges[i]!.heap,
        heap_hold_bytes: holdGauges[i]!.heap,
      };
    });
    progress(tag, `after ${result.hold_s.toFixed(0)} s: ${int(totals.ready)}/${int(N)} ready; RSS per conn ${result.memory.map((m) => `${m.node} ${(m.per_conn_hold_bytes / 1024).toFixed(2)} KB`).join(', ')}`);
    result.ok = true;
  } catch (err) {
    result.error = (err as Error).message;
    progress(tag, `FAILED: ${result.error}`);
  } finally {
    await fleet?.close();
    await cluster?.stop();
  }
  return result;
}
