// Scale bench (DESIGN.md §4): N concurrent idle connections on one node with
// heartbeats, held for --hold-s; connect rate, drops, RSS per connection above
// the empty node, ping p99 while holding; raw uWS RSS per idle connection in
// the same run as the baseline.
//   npm run bench:scale -- --connections=100000 --hold-s=300
import { intFlag, listFlag, benchFlags, UsageError, runBench } from './lib/args.ts';
import { summarize, type LatencySummary } from './lib/histogram.ts';
import { Fleet, FleetGroup, newFleet } from './lib/loadgen/fleet.ts';
import type { SessionConfig, SubscribePattern } from './lib/loadgen/session-messages.ts';
import { sourceAddresses } from './lib/loadgen/addresses.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { HEAP_TOTAL, HEAP_USED, scrapeGauges } from './lib/metrics-scrape.ts';
import { cpuMicros, rssBytes } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import type { ServerProcess } from './lib/server-process.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, fitToServerLimit, machine, mb, startBaseline, startHaat, watchServer, type FdFit } from './lib/sessions.ts';
import { sleep } from './lib/clock.ts';
import { waitUntil } from './lib/wait.ts';

const FLAGS = ['connections', 'rounds', 'hold-s', 'heartbeat-ms', 'subscribe', 'cold-channels', 'workers', 'per-process', 'max-pending', 'per-address', 'baselines', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:scale -- [flags]
  --connections=N        default: 100000, capped to what the server's open-file limit allows (the cap is reported)
  --rounds=1             haat (and haat-signed-in) this many times, each a fresh node: what presence adds is
                         judged on the medians over the rounds (one node's RSS moves by several MB from run to run)
  --hold-s=300           how long all connections are held after the ramp-up
  --heartbeat-ms=25000   each connection sends {"type":"ping"} this often (the server also sends WebSocket pings)
  --subscribe=mix        none | hot | cold | user | mix (i % 3: product:hot, product:cold-<k>, user:u<i>)
  --cold-channels=1000   distinct cold channels
  --workers=2            worker threads per client process
  --per-process=         connections per client process (default: what its ulimit -n allows)
  --max-pending=1000     connects + joins in flight (ramp-up bound)
  --per-address=1000     connections per source address 127.0.0.x
  --baselines=uws        raw uWS idle connections in the same run (RSS ratio); "none" to skip;
                         haat-signed-in: haat again with every connection signed in (a customer token),
                         so each user has its user actor and presence (their cost per user, PROTOCOL.md §10)
  --deadline-s=           backstop for the whole run (default rounds × (hold + 600))`;

interface TargetResult {
  target: string;
  /** 1-based; the raw uWS baseline runs once (round 1). */
  round: number;
  connections: number;
  connect_s: number;
  connect_rate: number;
  ready_after_ramp: number;
  failed: number;
  rss_empty_bytes: number;
  rss_loaded_bytes: number;
  rss_per_conn_bytes: number;
  heap_empty_bytes?: number | undefined;
  heap_loaded_bytes?: number | undefined;
  /** V8 heap committed (haat_process_nodejs_heap_size_total_bytes): part of RSS whether used or not. */
  heap_total_empty_bytes?: number | undefined;
  heap_total_loaded_bytes?: number | undefined;
  hold_s?: number;
  ready_after_hold?: number;
  server_closed?: number;
  close_codes?: Record<string, number>;
  drops?: number;
  ping?: LatencySummary;
  pings_sent?: number;
  pongs?: number;
  server_cpu_cores_hold?: number;
  rss_end_bytes?: number;
  /** Median of the hold samples' RSS, minus the empty node, per connection. */
  rss_per_conn_hold_median_bytes?: number;
  /** Median of the hold samples' RSS and main-thread heap used, as read (not minus the empty node). */
  rss_hold_median_bytes?: number;
  heap_hold_median_bytes?: number;
  rss_per_conn_hold_max_bytes?: number;
  samples?: Array<{ t_s: number; ready: number; rss_bytes: number; heap_bytes?: number | undefined }>;
  /** Settled readings (settledReading) at N/2 and at N connections. */
  settled_half?: Settled;
  settled_full?: Settled;
  /** What each connection of the ramp's second step added, settled: (full − half) ÷ (N − N/2). */
  rss_marginal_per_conn_bytes?: number;
  heap_marginal_per_conn_bytes?: number | undefined;
}

interface Settled {
  rss_bytes: number;
  /** Main thread's heap used. */
  heap_bytes: number | undefined;
  waited_s: number;
  /** False when RSS still moved by more than SETTLE_SPAN at the end of the wait. */
  settled: boolean;
}

const SETTLE_MIN_S = 25;
const SETTLE_MAX_S = 60;
const SETTLE_READINGS = 8;
const SETTLE_SPAN = 1024 * 1024;

/** The middle reading (the upper one of an even count): the median the hold and settled readings report. */
function upperMiddle(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/**
 * RSS and heap once the node has settled after a step of the ramp: idle user
 * actors passivate after 5 s (users.idleMs) and the threads then trim their
 * heaps, at most one trim per 10 s each (heap.trim.minIntervalMs), so a
 * reading taken at once holds what the next seconds give back. Read every
 * second, at least SETTLE_MIN_S (readings after 12 s still fell by up to
 * 19 MB later), until the last SETTLE_READINGS RSS readings lie within
 * SETTLE_SPAN; the medians of those.
 */
async function settledReading(tag: string, pid: number, heap: () => Promise<number | undefined>, alive: () => void): Promise<Settled> {
  const t0 = Date.now();
  const rss: number[] = [];
  const heaps: Array<number | undefined> = [];
  for (;;) {
    alive();
    rss.push(rssBytes(pid));
    heaps.push(await heap());
    const last = rss.slice(-SETTLE_READINGS);
    const waited = (Date.now() - t0) / 1000;
    const still = last.length === SETTLE_READINGS && Math.max(...last) - Math.min(...last) <= SETTLE_SPAN;
    if ((still && waited >= SETTLE_MIN_S) || waited >= SETTLE_MAX_S) {
      const h = heaps.slice(-SETTLE_READINGS).flatMap((x) => (x === undefined ? [] : [x]));
      if (!still) progress(tag, `RSS still moving after ${SETTLE_MAX_S} s: ${last.map((x) => mb(x)).join(', ')} MB`);
      return { rss_bytes: upperMiddle(last), heap_bytes: h.length > 0 ? upperMiddle(h) : undefined, waited_s: waited, settled: still };
    }
    await sleep(1000);
  }
}

/** --max-pending is for the whole fleet: split it over client processes × worker threads. */
function perWorkerPending(n: number, o: Options): number {
  return Fleet.pendingPerThread(o.maxPending, n, o.workers, o.perProcess);
}

async function connectFleet(tag: string, fleet: Fleet, n: number, alive: () => void): Promise<number> {
  const t0 = Date.now();
  fleet.start();
  let last = 0;
  await waitUntil(() => {
    const t = fleet.totals();
    return t.ready + t.failed >= n;
  }, 60_000 + n * 5, {
    what: `${n} connections`,
    everyMs: 50,
    onTick: () => {
      alive();
      if (Date.now() - last < 2000) return;
      last = Date.now();
      const t = fleet.totals();
      const s = (Date.now() - t0) / 1000;
      progress(tag, `connecting ${t.ready}/${n} (${int(t.ready / s)}/s)${t.failed ? `, ${t.failed} failed: ${t.lastError}` : ''}`);
    },
  });
  return (Date.now() - t0) / 1000;
}

/** haat as such, or with every connection signed in (each user then has a user actor holding its presence). */
type HaatVariant = { target: 'haat' | 'haat-signed-in'; round: number; roles?: string[] };

async function runHaat(n: number, fit: FdFit, server: ServerProcess, o: Options, variant: HaatVariant): Promise<TargetResult> {
  const tag = `scale ${variant.target}${o.rounds > 1 ? ` round ${variant.round}` : ''}`;
  const alive = watchServer(server);
  const gauges = async (): Promise<Record<string, number | undefined>> => scrapeGauges('127.0.0.1', server.port, [HEAP_USED, HEAP_TOTAL]).catch(() => ({}));
  const heap = async (): Promise<number | undefined> => (await gauges())[HEAP_USED];
  await sleep(1000);
  const rssEmpty = rssBytes(server.pid);
  const g0 = await gauges();
  const heapEmpty = g0[HEAP_USED];
  /** One step of the ramp: `count` connections from `addresses`, users `${subPrefix}<i>`. */
  const step = (count: number, addresses: string[], subPrefix: string): Fleet =>
    newFleet({
      config: {
        protocol: 'haat',
        host: '127.0.0.1',
        port: server.port,
        path: '/ws',
        addresses,
        subscribe: o.subscribe,
        coldChannels: o.coldChannels,
        jwtSecret: BENCH_JWT_SECRET,
        ...(variant.roles ? { roles: variant.roles } : {}),
        subPrefix,
        heartbeatMs: o.heartbeatMs,
        maxPending: perWorkerPending(count, o),
        handshakeTimeoutMs: 30_000,
        progressMs: 250,
      },
      connections: count,
      workersPerProcess: o.workers,
      perProcess: o.perProcess,
    });
  // The ramp goes in two steps, read each once the node has settled: what
  // the second half adds per connection is the node's marginal cost, free of
  // what the node holds at start (its empty reading varies by ~10 MB from one
  // process to the next, 0.5 KB per connection at N = 19,000).
  const half = Math.floor(n / 2);
  const firstAddresses = sourceAddresses(half, o.perAddress);
  const steps = [step(half, firstAddresses, 'u'), step(n - half, sourceAddresses(n - half, o.perAddress, firstAddresses.length + 1), 'v')];
  const fleet = new FleetGroup(steps);
  progress(tag, `N=${n}${fit.capped ? ' (capped by the fd limit)' : ''}: two steps of ${int(half)} and ${int(n - half)}, ${steps[0]!.processes} client process(es) × ${o.workers} threads each, subscribe=${o.subscribe}`);
  try {
    const firstS = await connectFleet(`${tag} step 1`, steps[0]!, half, alive);
    const atHalf = await settledReading(tag, server.pid, heap, alive);
    const secondS = await connectFleet(`${tag} step 2`, steps[1]!, n - half, alive);
    const connectS = firstS + secondS;
    const afterRamp = fleet.totals();
    progress(tag, `connected ${afterRamp.ready}/${n} in ${connectS.toFixed(1)} s (${int(afterRamp.ready / connectS)}/s), ${afterRamp.failed} failed`);
    await sleep(2000);
    const rssLoaded = rssBytes(server.pid);
    const g1 = await gauges();
    const heapLoaded = g1[HEAP_USED];
    const atFull = await settledReading(tag, server.pid, heap, alive);
    const r: TargetResult = {
      target: variant.target,
      round: variant.round,
      connections: n,
      connect_s: connectS,
      connect_rate: afterRamp.ready / connectS,
      ready_after_ramp: afterRamp.ready,
      failed: afterRamp.failed,
      rss_empty_bytes: rssEmpty,
      rss_loaded_bytes: rssLoaded,
      rss_per_conn_bytes: (rssLoaded - rssEmpty) / Math.max(1, afterRamp.ready),
      heap_empty_bytes: heapEmpty,
      heap_loaded_bytes: heapLoaded,
      heap_total_empty_bytes: g0[HEAP_TOTAL],
      heap_total_loaded_bytes: g1[HEAP_TOTAL],
      settled_half: atHalf,
      settled_full: atFull,
      rss_marginal_per_conn_bytes: (atFull.rss_bytes - atHalf.rss_bytes) / Math.max(1, n - half),
      heap_marginal_per_conn_bytes: atFull.heap_bytes === undefined || atHalf.heap_bytes === undefined ? undefined : (atFull.heap_bytes - atHalf.heap_bytes) / Math.max(1, n - half),
      samples: [],
    };
    progress(tag, `settled: RSS ${mb(atHalf.rss_bytes)} MB at ${int(half)}, ${mb(atFull.rss_bytes)} MB at ${int(n)}: ${fixed(r.rss_marginal_per_conn_bytes! / 1024, 2)} KB per added connection`);
    progress(tag, `RSS ${mb(rssEmpty)} → ${mb(rssLoaded)} MB: ${fixed(r.rss_per_conn_bytes / 1024, 2)} KB per connection; holding ${o.holdS} s`);

    await fleet.reset();
    const closedBefore = afterRamp.serverClosed;
    const cpu0 = cpuMicros(server.pid);
    const h0 = Date.now();
    const holdEnd = h0 + o.holdS * 1000;
    let nextSample = h0;
    while (Date.now() < holdEnd) {
      alive();
      if (Date.now() >= nextSample) {
        const t = fleet.totals();
        const s = { t_s: Math.round((Date.now() - h0) / 1000), ready: t.ready, rss_bytes: rssBytes(server.pid), heap_bytes: await heap() };
        r.samples!.push(s);
        progress(tag, `hold ${s.t_s}/${o.holdS} s: ready ${t.ready}/${n}, server-closed ${t.serverClosed - closedBefore}, pongs ${t.pongs}/${t.pingsSent}, RSS ${mb(s.rss_bytes)} MB, heap ${mb(s.heap_bytes)} MB`);
        nextSample += 10_000;
      }
      await sleep(Math.min(500, Math.max(0, holdEnd - Date.now())));
    }
    const holdS = (Date.now() - h0) / 1000;
    const cpu1 = cpuMicros(server.pid);
    const { ping, totals } = await fleet.collect();
    r.hold_s = holdS;
    r.ready_after_hold = totals.ready;
    r.server_closed = totals.serverClosed - closedBefore;
    r.close_codes = totals.closeCodes;
    r.drops = n - totals.ready;
    r.ping = summarize(ping);
    r.pings_sent = totals.pingsSent;
    r.pongs = totals.pongs;
    r.server_cpu_cores_hold = (cpu1 - cpu0) / 1e6 / holdS;
    r.rss_end_bytes = rssBytes(server.pid);
    const rs = r.samples!.map((x) => x.rss_bytes).sort((a, b) => a - b);
    if (rs.length > 0) {
      r.rss_hold_median_bytes = upperMiddle(rs);
      r.rss_per_conn_hold_median_bytes = (r.rss_hold_median_bytes - rssEmpty) / Math.max(1, afterRamp.ready);
      r.rss_per_conn_hold_max_bytes = (rs[rs.length - 1]! - rssEmpty) / Math.max(1, afterRamp.ready);
    }
    const hs = r.samples!.flatMap((x) => (x.heap_bytes === undefined ? [] : [x.heap_bytes]));
    if (hs.length > 0) r.heap_hold_median_bytes = upperMiddle(hs);
    progress(tag, `held ${holdS.toFixed(0)} s: ${totals.ready}/${n} still ready, ping p50/p99 ${r.ping.p50_ms}/${r.ping.p99_ms} ms over ${r.ping.count} pings`);
    return r;
  } finally {
    await fleet.close();
  }
}

async function runUws(n: number, o: Options): Promise<TargetResult> {
  const tag = 'scale uws';
  const server = await startBaseline('uws-topic-server');
  try {
    const alive = watchServer(server);
    await sleep(1000);
    const rssEmpty = rssBytes(server.pid);
    const config: SessionConfig = {
      protocol: 'uws',
      host: '127.0.0.1',
      port: server.port,
      path: '/',
      // Fresh addresses: haat's run left its client ports in TIME_WAIT.
      addresses: sourceAddresses(n, o.perAddress, sourceAddresses(n, o.perAddress).length + 1),
      subscribe: 'none',
      coldChannels: 1,
      subPrefix: 'u',
      heartbeatMs: 0,
      maxPending: perWorkerPending(n, o),
      handshakeTimeoutMs: 30_000,
      progressMs: 250,
    };
    const fleet = newFleet({ config, connections: n, workersPerProcess: o.workers, perProcess: o.perProcess });
    try {
      const connectS = await connectFleet(tag, fleet, n, alive);
      const t = fleet.totals();
      await sleep(2000);
      const rssLoaded = rssBytes(server.pid);
      progress(tag, `connected ${t.ready}/${n} in ${connectS.toFixed(1)} s; RSS ${mb(rssEmpty)} → ${mb(rssLoaded)} MB`);
      return {
        target: UWS_TARGET,
        round: 1,
        connections: n,
        connect_s: connectS,
        connect_rate: t.ready / connectS,
        ready_after_ramp: t.ready,
        failed: t.failed,
        rss_empty_bytes: rssEmpty,
        rss_loaded_bytes: rssLoaded,
        rss_per_conn_bytes: (rssLoaded - rssEmpty) / Math.max(1, t.ready),
      };
    } finally {
      await fleet.close();
    }
  } finally {
    await server.stop();
  }
}

const UWS_TARGET = 'raw uWS (idle, no pings)';

interface Options {
  rounds: number;
  holdS: number;
  heartbeatMs: number;
  subscribe: SubscribePattern;
  coldChannels: number;
  workers: number;
  perProcess: number;
  maxPending: number;
  perAddress: number;
}

/** The median over rounds (the mean of the two middle ones of an even count). */
function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What presence adds in one round (haat-signed-in − haat, both nodes settled), bytes per user. */
interface PresenceRound {
  round: number;
  /** RSS per added connection of the ramp's second step (N/2 → N): no start-up reading involved. */
  rssMarginal: number | undefined;
  /** RSS at N, the two nodes compared, ÷ N. */
  rssDirect: number | undefined;
  heapMarginal: number | undefined;
  heapDirect: number | undefined;
  settled: boolean;
}

function presenceRounds(results: readonly TargetResult[]): PresenceRound[] {
  const minus = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);
  const per = (x: number | undefined, n: number): number | undefined => (x === undefined ? undefined : x / Math.max(1, n));
  const out: PresenceRound[] = [];
  for (const signed of results.filter((r) => r.target === 'haat-signed-in')) {
    const haat = results.find((r) => r.target === 'haat' && r.round === signed.round);
    if (!haat) continue;
    out.push({
      round: signed.round,
      rssMarginal: minus(signed.rss_marginal_per_conn_bytes, haat.rss_marginal_per_conn_bytes),
      rssDirect: per(minus(signed.settled_full?.rss_bytes, haat.settled_full?.rss_bytes), signed.connections),
      heapMarginal: minus(signed.heap_marginal_per_conn_bytes, haat.heap_marginal_per_conn_bytes),
      heapDirect: per(minus(signed.settled_full?.heap_bytes, haat.settled_full?.heap_bytes), signed.connections),
      settled: [haat.settled_half, haat.settled_full, signed.settled_half, signed.settled_full].every((x) => x?.settled === true),
    });
  }
  return out;
}

function markdown(meta: { command: string; when: string; machine: string }, fit: FdFit, results: TargetResult[], o: Options): string {
  const haat = results.find((r) => r.target === 'haat');
  const uws = results.find((r) => r.target === UWS_TARGET);
  const lines = [
    `## Scale: ${int(fit.connections)} idle connections, one node`,
    '',
    `\`${meta.command}\` — ${meta.when}, ${meta.machine}`,
    '',
  ];
  if (fit.capped) lines.push(`**N was capped by the open-file limit:** ${fit.note}.`, '');
  lines.push(
    table(
      ['target', 'round', 'N', 'connect s', 'connects/s', 'failed', 'RSS empty MB', 'RSS 2 s after ramp-up MB', 'RSS / conn KB', 'RSS settled at N/2 → N MB', 'RSS per added connection KB', "main thread's heap used at N/2 → N MB", 'heap per added connection KB'],
      results.map((r) => [
        r.target,
        String(r.round),
        int(r.connections),
        fixed(r.connect_s, 1),
        int(r.connect_rate),
        int(r.failed),
        mb(r.rss_empty_bytes),
        mb(r.rss_loaded_bytes),
        fixed(r.rss_per_conn_bytes / 1024, 2),
        r.settled_half ? `${mb(r.settled_half.rss_bytes)} → ${mb(r.settled_full?.rss_bytes)}` : '–',
        fixed((r.rss_marginal_per_conn_bytes ?? NaN) / 1024, 2),
        r.settled_half ? `${mb(r.settled_half.heap_bytes)} → ${mb(r.settled_full?.heap_bytes)}` : '–',
        fixed((r.heap_marginal_per_conn_bytes ?? NaN) / 1024, 2),
      ]),
    ),
    '',
  );
  const rounds = presenceRounds(results);
  if (rounds.length > 0) {
    const kb = (b: number | undefined): string => (b === undefined || Number.isNaN(b) ? '–' : fixed(b / 1024, 2));
    const med = (pick: (r: PresenceRound) => number | undefined): number | undefined => median(rounds.flatMap((r) => (pick(r) === undefined ? [] : [pick(r)!])));
    const m = { rssMarginal: med((r) => r.rssMarginal), rssDirect: med((r) => r.rssDirect), heapMarginal: med((r) => r.heapMarginal), heapDirect: med((r) => r.heapDirect) };
    const within = (b: number | undefined): boolean => b !== undefined && b <= 1024;
    const settled = rounds.every((r) => r.settled);
    // What presence adds, read two ways once both nodes settled: per added
    // connection (the ramp's second step; no empty reading), and the two
    // loaded nodes compared at N. Both must be within the target, as medians
    // over the rounds.
    lines.push(
      table(
        ['presence per signed-in user (haat-signed-in − haat), nodes settled, KB', 'RSS per added connection (N/2 → N)', 'RSS at N, the two nodes compared (÷ N)', "main thread's heap per added connection", "main thread's heap at N (÷ N)", 'settled'],
        [
          ...rounds.map((r) => [`round ${r.round}`, kb(r.rssMarginal), kb(r.rssDirect), kb(r.heapMarginal), kb(r.heapDirect), r.settled ? 'yes' : 'NO']),
          ...(rounds.length > 1 ? [[`**median of ${rounds.length}**`, kb(m.rssMarginal), kb(m.rssDirect), kb(m.heapMarginal), kb(m.heapDirect), settled ? 'all' : 'NO']] : []),
        ],
      ),
      '',
      table(
        ['check', 'target', 'measured', 'met'],
        [['presence adds per connected user (RSS, both readings' + (rounds.length > 1 ? ', medians' : '') + ')', '≤ 1 KB', `${kb(m.rssMarginal)} KB per added connection, ${kb(m.rssDirect)} KB at N`, within(m.rssMarginal) && within(m.rssDirect) && settled ? 'yes' : 'NO']],
      ),
      '',
      `Right after the ramp, before idle user actors passivate (users.idleMs, 5 s) and the threads trim their heaps, a signed-in node held ${kb(median(results.filter((r) => r.target === 'haat-signed-in').map((r) => r.rss_per_conn_bytes)))} KB per connection above its empty reading, and a guests' node ${kb(median(results.filter((r) => r.target === 'haat').map((r) => r.rss_per_conn_bytes)))} KB (the peak of a connect burst, not what connected users hold).`,
      '',
    );
  }
  if (haat?.ping) {
    lines.push(
      table(
        ['hold s', 'ready at end', 'drops (N − ready)', 'closed by server', 'pings sent / pongs', 'ping p50 / p99 / p999 / max ms', 'server cores', 'RSS at end MB', 'RSS / conn over the hold, median / max KB'],
        [[fixed(haat.hold_s, 0), int(haat.ready_after_hold), int(haat.drops), `${int(haat.server_closed)}${Object.keys(haat.close_codes ?? {}).length ? ` ${JSON.stringify(haat.close_codes)}` : ''}`, `${int(haat.pings_sent)} / ${int(haat.pongs)}`, `${haat.ping.p50_ms} / ${haat.ping.p99_ms} / ${haat.ping.p999_ms} / ${haat.ping.max_ms}`, fixed(haat.server_cpu_cores_hold, 2), mb(haat.rss_end_bytes), `${fixed((haat.rss_per_conn_hold_median_bytes ?? NaN) / 1024, 2)} / ${fixed((haat.rss_per_conn_hold_max_bytes ?? NaN) / 1024, 2)}`]],
      ),
      '',
    );
    const ok = (b: boolean): string => (b ? 'yes' : 'NO');
    lines.push(
      table(
        ['check', 'target', 'measured', 'met'],
        [
          ['all stay connected', `${int(fit.requested)} for ${o.holdS} s`, `${int(haat.ready_after_hold)} of ${int(haat.connections)}`, ok(haat.drops === 0 && !fit.capped) + (fit.capped ? ' (at the capped N only)' : '')],
          ['RSS per connection above empty node (median over the hold)', '< 4 KB', `${fixed((haat.rss_per_conn_hold_median_bytes ?? NaN) / 1024, 2)} KB (2 s after ramp-up: ${fixed(haat.rss_per_conn_bytes / 1024, 2)})`, ok((haat.rss_per_conn_hold_median_bytes ?? Infinity) < 4096)],
          ['ping p99 while holding', '< 50 ms', `${haat.ping.p99_ms} ms`, ok(haat.ping.p99_ms < 50)],
          ...(uws
            ? [['RSS / conn, haat ÷ raw uWS', '–', `${fixed((haat.rss_per_conn_hold_median_bytes ?? NaN) / uws.rss_per_conn_bytes, 1)} (hold median ÷ uWS); ${fixed(haat.rss_per_conn_bytes / uws.rss_per_conn_bytes, 1)} (both 2 s after ramp-up)`, '–']]
            : []),
        ],
      ),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const subscribe = (flags.get('subscribe') ?? 'mix') as SubscribePattern;
  if (!['none', 'hot', 'cold', 'user', 'mix'].includes(subscribe)) throw new UsageError(`--subscribe must be none, hot, cold, user or mix`);
  const o: Options = {
    rounds: Math.max(1, intFlag(flags, 'rounds', 1)),
    holdS: intFlag(flags, 'hold-s', 300),
    heartbeatMs: intFlag(flags, 'heartbeat-ms', 25_000),
    subscribe,
    coldChannels: Math.max(1, intFlag(flags, 'cold-channels', 1000)),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    perProcess: Math.max(1, intFlag(flags, 'per-process', Number.MAX_SAFE_INTEGER)),
    maxPending: Math.max(1, intFlag(flags, 'max-pending', 1000)),
    perAddress: Math.max(1, intFlag(flags, 'per-address', 1000)),
  };
  const baselines = listFlag(flags, 'baselines', ['uws']).filter((b) => b !== 'none');
  deadline('scale', intFlag(flags, 'deadline-s', o.rounds * (o.holdS + 600)));
  const requested = intFlag(flags, 'connections', 100_000);

  const results: TargetResult[] = [];
  let fit: FdFit | undefined;
  for (let round = 1; round <= o.rounds; round++) {
    progress('scale', `starting haat${o.rounds > 1 ? ` (round ${round} of ${o.rounds})` : ''}`);
    const server = await startHaat();
    try {
      fit ??= fitToServerLimit(server.pid, requested);
      results.push(await runHaat(fit.connections, fit, server, o, { target: 'haat', round }));
    } finally {
      await server.stop();
    }
    if (baselines.includes('haat-signed-in')) {
      await sleep(1000);
      progress('scale', 'starting haat again: every connection signed in');
      const signed = await startHaat();
      try {
        results.push(await runHaat(fit.connections, fit, signed, o, { target: 'haat-signed-in', round, roles: ['customer'] }));
      } finally {
        await signed.stop();
      }
    }
    await sleep(1000);
  }
  if (fit === undefined) throw new Error('no round ran');
  if (baselines.includes('uws')) {
    results.push(await runUws(fit.connections, o));
  }
  const meta = { command: commandLine('bench:scale'), when: new Date().toISOString(), machine: machine() };
  const md = markdown(meta, fit, results, o);
  const paths = writeResults('scale', { ...meta, options: o, fd: fit, results }, md);
  process.stdout.write(md);
  progress('scale', `wrote ${paths.json}, ${paths.latestMd}`);
  if (results.some((r) => r.target === 'haat' && r.drops !== 0)) process.exitCode = 1;
}

runBench('scale', USAGE, main);
