// Soak with churn (issue: memory stays flat): M connections that keep
// cycling — connect, join, live a few seconds, leave, disconnect, come back —
// plus a trickle of broadcasts to their channels, for --minutes; the server's
// RSS (/proc) and JS heap (GET /metrics, prom-client's
// haat_process_nodejs_heap_size_used_bytes) are sampled every --sample-s and
// written as a markdown table and an SVG chart (bench/results/soak-latest.svg).
//   npm run bench:soak -- --minutes=10
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intFlag, benchFlags, UsageError, runBench } from './lib/args.ts';
import { sleep } from './lib/clock.ts';
import { sourceAddresses } from './lib/loadgen/addresses.ts';
import { newFleet, type Fleet } from './lib/loadgen/fleet.ts';
import type { SessionConfig, SubscribePattern } from './lib/loadgen/session-messages.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { CONNECTIONS, HEAP_USED, scrapeGauges } from './lib/metrics-scrape.ts';
import { cpuMicros, rssBytes } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { RESULTS_DIR, writeResults } from './lib/results.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, machine, mb, startHaat, watchServer } from './lib/sessions.ts';
import { lineChartSvg } from './lib/svg-chart.ts';
import { waitUntil } from './lib/wait.ts';

const FLAGS = ['minutes', 'connections', 'subscribe', 'cold-channels', 'min-life-ms', 'max-life-ms', 'gap-ms', 'publish-rate', 'sample-s', 'warmup-s', 'workers', 'per-address', 'help'];
const USAGE = `usage: npm run bench:soak -- [flags]
  --minutes=10           churn duration (sampling runs through it)
  --connections=5000     connections kept cycling
  --subscribe=mix        none | hot | cold | user | mix
  --cold-channels=1000   distinct cold channels
  --min-life-ms=5000     a connection lives uniform [min, max) after joining, then leaves, closes ...
  --max-life-ms=25000
  --gap-ms=1000          ... and reconnects after uniform [0, gap)
  --publish-rate=50      broadcast_event/s to the cold channels during the soak
  --sample-s=10          sampling interval
  --warmup-s=60          samples before this are shown but not used for the growth figures
  --workers=2            client worker threads
  --per-address=500      connections per source address 127.0.0.x`;

interface Sample {
  t_s: number;
  rss_bytes: number;
  heap_used_bytes: number | undefined;
  connections: number | undefined;
  ready: number;
  cycles: number;
  server_cores: number;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = mean(points.map((p) => p[0]));
  const my = mean(points.map((p) => p[1]));
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const o = {
    minutes: Math.max(1, intFlag(flags, 'minutes', 10)),
    connections: Math.max(1, intFlag(flags, 'connections', 5000)),
    subscribe: (flags.get('subscribe') ?? 'mix') as SubscribePattern,
    coldChannels: Math.max(1, intFlag(flags, 'cold-channels', 1000)),
    minLifeMs: intFlag(flags, 'min-life-ms', 5000),
    maxLifeMs: intFlag(flags, 'max-life-ms', 25_000),
    gapMs: intFlag(flags, 'gap-ms', 1000),
    publishRate: intFlag(flags, 'publish-rate', 50),
    sampleS: Math.max(1, intFlag(flags, 'sample-s', 10)),
    warmupS: intFlag(flags, 'warmup-s', 60),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    perAddress: Math.max(1, intFlag(flags, 'per-address', 500)),
  };
  if (!['none', 'hot', 'cold', 'user', 'mix'].includes(o.subscribe)) throw new UsageError('--subscribe must be none, hot, cold, user or mix');
  deadline('soak', o.minutes * 60 + 300);
  const tag = 'soak';
  const server = await startHaat();
  const alive = watchServer(server);
  let clients: Fleet | undefined;
  let publisher: Fleet | undefined;
  try {
    const base = { host: '127.0.0.1', port: server.port, path: '/ws', handshakeTimeoutMs: 30_000, progressMs: 500 } as const;
    const clientConfig: SessionConfig = {
      ...base,
      protocol: 'haat',
      addresses: sourceAddresses(o.connections, o.perAddress, 2),
      subscribe: o.subscribe,
      coldChannels: o.coldChannels,
      jwtSecret: BENCH_JWT_SECRET,
      subPrefix: 'u',
      heartbeatMs: 25_000,
      maxPending: 250,
    };
    const publisherConfig: SessionConfig = {
      ...base,
      protocol: 'haat',
      addresses: ['127.0.0.1'],
      subscribe: 'none',
      coldChannels: 1,
      jwtSecret: BENCH_JWT_SECRET,
      roles: ['publisher'],
      subPrefix: 'soak-pub-',
      heartbeatMs: 0,
      send: { kind: 'broadcast', mode: 'rate', perSecond: o.publishRate, burst: 0, burstEveryMs: 100, targets: o.coldChannels, broadcastPrefix: 'product:cold-', maxOutstanding: 5000 },
      maxPending: 1,
    };
    await sleep(1000);
    const gauges = async (): Promise<Record<string, number | undefined>> => scrapeGauges('127.0.0.1', server.port, [HEAP_USED, CONNECTIONS]).catch(() => ({}));
    const samples: Sample[] = [];
    const g0 = await gauges();
    const empty = { rss_bytes: rssBytes(server.pid), heap_used_bytes: g0[HEAP_USED] };
    clients = newFleet({ config: clientConfig, connections: o.connections, workersPerProcess: o.workers });
    publisher = newFleet({ config: publisherConfig, connections: 1, workersPerProcess: 1 });
    const c = clients;
    c.start();
    publisher.start();
    await waitUntil(() => c.totals().ready + c.totals().failed >= o.connections, 120_000, { what: `${o.connections} connections`, everyMs: 100, onTick: alive });
    await publisher.startSending();
    await c.churn(true, o.minLifeMs, o.maxLifeMs, o.gapMs);
    progress(tag, `${c.totals().ready} connections churning (life ${o.minLifeMs}–${o.maxLifeMs} ms, gap < ${o.gapMs} ms), publishing ${o.publishRate}/s; ${o.minutes} min, sampling every ${o.sampleS} s`);
    const t0 = Date.now();
    const end = t0 + o.minutes * 60_000;
    let cpuPrev = cpuMicros(server.pid);
    let tPrev = Date.now();
    for (let next = t0; ; ) {
      alive();
      const now = Date.now();
      if (now >= next) {
        const g = await gauges();
        const t = c.totals();
        const cpu = cpuMicros(server.pid);
        const s: Sample = {
          t_s: Math.round((now - t0) / 1000),
          rss_bytes: rssBytes(server.pid),
          heap_used_bytes: g[HEAP_USED],
          connections: g[CONNECTIONS],
          ready: t.ready,
          cycles: t.readyTotal,
          server_cores: now - tPrev < 1000 ? NaN : (cpu - cpuPrev) / 1e6 / ((now - tPrev) / 1000),
        };
        cpuPrev = cpu;
        tPrev = now;
        samples.push(s);
        progress(tag, `${s.t_s}/${o.minutes * 60} s: RSS ${mb(s.rss_bytes)} MB, heap ${mb(s.heap_used_bytes)} MB, server connections ${s.connections}, ready ${t.ready}, connects so far ${int(t.readyTotal)}, joins ${int(t.joins)}, leaves ${int(t.leaves)}, failed ${t.failed}, server-closed ${t.serverClosed}, gaps ${t.gaps}, dups ${t.duplicates}`);
        next += o.sampleS * 1000;
        if (now >= end) break;
      }
      await sleep(Math.max(0, Math.min(500, next - Date.now())));
    }
    const totals = c.totals();
    await c.churn(false);
    await publisher.stopSending();

    const steady = samples.filter((s) => s.t_s >= o.warmupS);
    const use = steady.length >= 4 ? steady : samples;
    const q = Math.max(1, Math.floor(use.length / 4));
    const growth = (pick: (s: Sample) => number | undefined): { first: number; last: number; pct: number; slope_mb_per_min: number } => {
      const vals = use.map((s) => [s.t_s / 60, (pick(s) ?? NaN) / 2 ** 20] as const).filter((p) => Number.isFinite(p[1]));
      const first = mean(vals.slice(0, q).map((p) => p[1]));
      const last = mean(vals.slice(-q).map((p) => p[1]));
      return { first, last, pct: ((last - first) / first) * 100, slope_mb_per_min: slope(vals) };
    };
    const rssG = growth((s) => s.rss_bytes);
    const heapG = growth((s) => s.heap_used_bytes);
    const cycles = totals.readyTotal;
    const minutes = (Date.now() - t0) / 60_000;
    const svg = lineChartSvg({
      title: `haat soak: ${int(o.connections)} churning connections, ${int(cycles)} connects in ${fixed(minutes, 1)} min`,
      xLabel: 'minutes',
      yLabel: 'MB',
      series: [
        { name: 'RSS (/proc)', color: '#d62728', points: samples.map((s) => [s.t_s / 60, s.rss_bytes / 2 ** 20] as const) },
        { name: 'JS heap used (/metrics)', color: '#1f77b4', points: samples.filter((s) => s.heap_used_bytes !== undefined).map((s) => [s.t_s / 60, s.heap_used_bytes! / 2 ** 20] as const) },
      ],
    });
    writeFileSync(join(RESULTS_DIR, 'soak-latest.svg'), svg);

    const meta = { command: commandLine('bench:soak'), when: new Date().toISOString(), machine: machine() };
    const flat = (g: { pct: number }, limit: number): string => (Math.abs(g.pct) <= limit ? 'yes' : 'NO');
    // The table shows every 3rd sample (30 s at the default interval) and the last one.
    const shown = samples.filter((_, i) => i % 3 === 0 || i === samples.length - 1);
    const md = [
      `## Soak with churn: ${int(o.connections)} connections for ${fixed(minutes, 1)} min`,
      '',
      `\`${meta.command}\` — ${meta.when}, ${meta.machine}`,
      '',
      `Each connection (subscribe=${o.subscribe}: product:hot, product:cold-<k> of ${o.coldChannels}, user:u<i> with its own token) joins, lives uniform [${o.minLifeMs}, ${o.maxLifeMs}) ms, sends leave_channel, closes, and reconnects after < ${o.gapMs} ms; app ping every 25 s; a publisher sends ${o.publishRate} broadcast_event/s to the cold channels. Empty node before the clients: RSS ${mb(empty.rss_bytes)} MB, heap ${mb(empty.heap_used_bytes)} MB.`,
      '',
      table(
        ['connects (cycles)', 'joins', 'leaves', 'failed connects', 'closed by server', 'events', 'offset gaps / dups', 'publishes ok / errors'],
        [[int(cycles), int(totals.joins), int(totals.leaves), int(totals.failed), `${int(totals.serverClosed)}${totals.serverClosed ? ` ${JSON.stringify(totals.closeCodes)}` : ''}`, int(totals.events), `${int(totals.gaps)} / ${int(totals.duplicates)}`, `${int(publisher.totals().replies)} / ${int(publisher.totals().errors)}`]],
      ),
      '',
      `Growth after the ${o.warmupS} s warm-up: mean of the last quarter of samples against the first quarter, and the least-squares slope.`,
      '',
      table(
        ['curve', 'first quarter MB', 'last quarter MB', 'change %', 'slope MB/min', 'flat (change within ±5% RSS, ±15% heap)'],
        [
          ['RSS', fixed(rssG.first, 1), fixed(rssG.last, 1), fixed(rssG.pct, 1), fixed(rssG.slope_mb_per_min, 2), flat(rssG, 5)],
          ['JS heap used', fixed(heapG.first, 1), fixed(heapG.last, 1), fixed(heapG.pct, 1), fixed(heapG.slope_mb_per_min, 2), flat(heapG, 15)],
        ],
      ),
      '',
      '![RSS and heap over the soak](soak-latest.svg)',
      '',
      table(
        ['t s', 'RSS MB', 'heap used MB', 'server connections', 'server cores', 'connects so far'],
        shown.map((s) => [String(s.t_s), mb(s.rss_bytes), mb(s.heap_used_bytes), int(s.connections), fixed(s.server_cores, 2), int(s.cycles)]),
      ),
      '',
    ].join('\n');
    const paths = writeResults('soak', { ...meta, options: o, empty, samples, growth: { rss: rssG, heap: heapG }, totals }, `${md}\n`);
    process.stdout.write(`${md}\n`);
    progress(tag, `wrote ${paths.json}, ${paths.latestMd}, ${join(RESULTS_DIR, 'soak-latest.svg')}`);
  } finally {
    await publisher?.close();
    await clients?.close();
    await server.stop();
  }
}

runBench('soak', USAGE, main);
