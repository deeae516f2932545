// Flash-sale race (DESIGN.md §4: 100,000 buyers racing for 1,000 units,
// exactly 1,000 reservations, also when a node is killed mid-sale). Buyers
// are connections from several 127.0.0.x addresses, each a user of its own
// (per_user_limit 1), each pressing "buy" a few times (a fresh client_req_id
// per press): buyers × presses reserve requests in all. On one node and on a
// 3-node cluster, optionally kill -9 of the node that owns the sale once the
// first reservations are acknowledged. Buyers retry a temporary refusal
// (`unavailable` while the owner is busy or moving) with the same
// client_req_id, as a client should: a reservation made before a timeout is
// then answered, not made twice. A buyer whose connection the server drops
// (the killed node's) does what the SDK does: connects to the next node and
// sends its unanswered press again, unchanged. So every press is answered, the
// kill or not, and exactly the stock is acknowledged.
//   npm run bench:flashsale -- --buyers=20000 --presses=5 --targets=haat,haat-3,haat-3-kill
import { intFlag, listFlag, benchFlags, UsageError, runBench, numberFlag } from './lib/args.ts';
import { sleep } from './lib/clock.ts';
import { summarize, type LatencySummary } from './lib/histogram.ts';
import { Fleet, newFleet } from './lib/loadgen/fleet.ts';
import { sourceAddresses } from './lib/loadgen/addresses.ts';
import type { SessionConfig } from './lib/loadgen/session-messages.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, machine } from './lib/sessions.ts';
import { waitUntil } from './lib/wait.ts';
import { deploy, isoIn, rest } from './lib/commerce.ts';
import { scrapeGauges } from './lib/metrics-scrape.ts';

/** What each node says of itself when a race stops answering: its event-loop lag, beat age and ring, or that /metrics did not answer. */
const STALL_GAUGES = ['haat_process_nodejs_eventloop_lag_seconds', 'haat_cluster_heartbeat_age_seconds', 'haat_cluster_ring_members', 'haat_connections'] as const;

async function reportNodes(tag: string, ports: readonly number[], ids: readonly string[]): Promise<void> {
  await Promise.all(
    ports.map(async (port, i) => {
      const id = ids[i] ?? `:${port}`;
      try {
        const g = await scrapeGauges('127.0.0.1', port, STALL_GAUGES, 5000);
        progress(tag, `${id}: event-loop lag ${g[STALL_GAUGES[0]]} s, heartbeat age ${g[STALL_GAUGES[1]]} s, ring members ${g[STALL_GAUGES[2]]}, connections ${g[STALL_GAUGES[3]]}`);
      } catch (err) {
        progress(tag, `${id}: GET /metrics failed: ${(err as Error).message}`);
      }
    }),
  );
}

const FLAGS = ['buyers', 'presses', 'press-rate', 'units', 'targets', 'kill-at', 'per-address', 'workers', 'max-pending', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:flashsale -- [flags]
  --buyers=20000             buyer connections, each its own user (per_user_limit 1)
  --presses=5                "buy" presses per buyer (reserve requests, each with a fresh client_req_id)
  --press-rate=1             presses per second per buyer once the sale opens
  --units=1000               stock of the one hot SKU
  --targets=haat,haat-3,haat-3-kill   one node; 3 nodes over Redis; 3 nodes with kill -9 of the sale's owner mid-sale
  --kill-at=100              haat-N-kill: kill once this many reservations were acknowledged
  --per-address=4000         connections per source address (127.0.0.1, .2, ...)
  --workers=4                client worker threads per client process
  --max-pending=800          connects in flight over all client processes and threads (the ramp's bound; a
                             signed-in connect opens the buyer's user actor, on six nodes of two cores a
                             few thousand at once starve the nodes' heartbeats)
  --deadline-s=900           backstop for the whole run`;

interface Run {
  target: string;
  nodes: number;
  killed: string | null;
  buyers_ready: number;
  presses_sent: number;
  answered: number;
  acknowledged: number;
  unanswered: number;
  /** Temporary refusals (unavailable, rate_limited) the buyers retried with the same client_req_id. */
  retried: number;
  /** Buyers the server dropped (the killed node's) that connected to another node, and the unanswered presses they sent there again. */
  redialed: number;
  resent: number;
  /** The same by kind (code and message, numbers blanked), most frequent first in the report. */
  retried_why: Record<string, number>;
  codes: Record<string, number>;
  race_s: number;
  answered_per_s: number;
  /** Server CPU (all nodes and Redis) per answered press, during the race. */
  server_us_per_answer: number;
  answer: LatencySummary;
  sale: { stock: number; available: number; reserved: number; sold: number };
  exact: boolean;
}

interface Options {
  buyers: number;
  presses: number;
  pressRate: number;
  units: number;
  killAt: number;
  perAddress: number;
  workers: number;
  maxPending: number;
}

const SALE = 'bench-s';

async function runTarget(target: string, o: Options): Promise<Run> {
  const tag = `flashsale ${target}`;
  const kill = target.endsWith('-kill');
  const d = await deploy(kill ? target.slice(0, -'-kill'.length) : target, tag);
  try {
    const created = await rest(d.ports()[0]!, 'POST', '/sales', { id: SALE, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), per_user_limit: 1, hold_s: 3600, skus: [{ sku: 'sku0', stock: o.units }] });
    if (created.status !== 201) throw new Error(`POST sales: ${created.status} ${JSON.stringify(created.body)}`);
    const ports = d.ports();
    const config: SessionConfig = {
      protocol: 'haat',
      host: '127.0.0.1',
      port: ports[0]!,
      ports,
      path: '/ws',
      addresses: sourceAddresses(o.buyers, o.perAddress),
      subscribe: 'none',
      coldChannels: 1,
      jwtSecret: BENCH_JWT_SECRET,
      roles: ['customer'],
      subPrefix: 'buyer-',
      heartbeatMs: 0,
      send: { kind: 'reserve', mode: 'rate', perSecond: o.pressRate, burst: 0, burstEveryMs: 100, targets: 1, targetPrefix: SALE, maxPerConn: o.presses, maxOutstanding: 1, retryTemporary: true, resendOnDrop: true },
      maxPending: Fleet.pendingPerThread(o.maxPending, o.buyers, o.workers),
      handshakeTimeoutMs: 30_000,
      progressMs: 100,
    };
    const fleet = newFleet({ config, connections: o.buyers, workersPerProcess: o.workers });
    let killed: string | null = null;
    try {
      fleet.start();
      progress(tag, `connecting ${int(o.buyers)} buyers from ${config.addresses.length} address(es)`);
      let lastRamp = Date.now();
      await waitUntil(() => {
        const t = fleet.totals();
        return t.ready >= o.buyers * 0.98 && t.ready + t.failed + t.serverClosed >= o.buyers;
      }, Math.max(180_000, o.buyers * 5), {
        what: `${o.buyers} buyer connections`,
        onTick: () => {
          d.alive();
          if (Date.now() - lastRamp < 5000) return;
          lastRamp = Date.now();
          const t = fleet.totals();
          progress(tag, `ready ${int(t.ready)}, failed ${int(t.failed)}, closed by the server ${int(t.serverClosed)}`);
        },
        detail: () => {
          const t = fleet.totals();
          return `ready ${t.ready}, failed ${t.failed}, closed by the server ${t.serverClosed} ${JSON.stringify(t.closeCodes)}`;
        },
      });
      const ready = fleet.totals().ready;
      progress(tag, `${int(ready)} buyers ready: the sale opens`);
      await fleet.reset();
      const c0 = d.cpuMicros();
      const t0 = performance.now();
      await fleet.startSending();
      const owner = d.cluster?.ownerOf(`sale:${SALE}`);
      // The race: until every press is answered (a dropped buyer's too, once it has redialed), bounded.
      const raceEnd = Date.now() + Math.max(120_000, o.buyers * o.presses * 2);
      let lastLog = 0;
      for (;;) {
        const t = fleet.totals();
        if (kill && killed === null && owner !== undefined && t.replies >= o.killAt) {
          d.cluster!.kill9(owner);
          killed = owner;
          progress(tag, `kill -9 ${owner} (owns sale:${SALE}) after ${t.replies} acknowledged reservations`);
        }
        const done = t.sent >= ready * o.presses && t.replies + t.errors >= t.sent;
        if (done || Date.now() > raceEnd) break;
        if (Date.now() - lastLog > 2000) {
          lastLog = Date.now();
          const moved = t.serverClosed > 0 ? `, dropped by the server ${int(t.serverClosed)} (redialed ${int(t.redialed)}, presses resent ${int(t.resent)})` : '';
          progress(tag, `sent ${int(t.sent)}, reserved ${int(t.replies)}, refused ${int(t.errors)} ${JSON.stringify(t.errorCodes)}, ready ${int(t.ready)}${moved}`);
        }
        await sleep(20);
      }
      const raceS = (performance.now() - t0) / 1000;
      // A killed node's CPU up to its death is not counted (its process is gone): the figure is for the survivors.
      const cpuS = (d.cpuMicros() - c0) / 1e6;
      const { answer, totals } = await fleet.collect();
      await fleet.stopSending();
      const liveAt = d.ports().map((_, i) => i).filter((i) => d.cluster === undefined || d.cluster.nodes[i]!.id !== killed);
      const live = liveAt.map((i) => d.ports()[i]!);
      const liveIds = liveAt.map((i) => d.cluster?.nodes[i]!.id ?? 'n1');
      if (totals.replies + totals.errors < totals.sent) {
        progress(tag, `${int(totals.sent - totals.replies - totals.errors)} presses unanswered when the race ended; the nodes:`);
        await reportNodes(tag, live, liveIds);
      }
      // The sale actor may still be working through its mailbox: ask until it answers.
      let view: { status: number; body: any } | undefined;
      for (const until = Date.now() + 60_000; view?.status !== 200; ) {
        if (Date.now() > until) {
          await reportNodes(tag, live, liveIds);
          throw new Error(`GET sales/${SALE} did not answer 200 within 60 s: ${JSON.stringify(view)}`);
        }
        view = await rest(live[0]!, 'GET', `/sales/${SALE}`).catch(() => undefined);
      }
      const sku = (view!.body as { skus: { stock: number; available: number; reserved: number; sold: number }[] }).skus[0]!;
      const answered = totals.replies + totals.errors;
      const run: Run = {
        target,
        nodes: d.nodes,
        killed,
        buyers_ready: ready,
        presses_sent: totals.sent,
        answered,
        acknowledged: totals.replies,
        unanswered: totals.sent - answered,
        retried: totals.retried,
        redialed: totals.redialed,
        resent: totals.resent,
        retried_why: totals.retriedWhy,
        codes: totals.errorCodes,
        race_s: raceS,
        answered_per_s: answered / raceS,
        server_us_per_answer: answered > 0 ? (cpuS * 1e6) / answered : 0,
        answer: summarize(answer),
        sale: { stock: sku.stock, available: sku.available, reserved: sku.reserved, sold: sku.sold },
        // Exactly `units` reservations held, none oversold, and every one of them acknowledged to its buyer (a killed node's buyers redial).
        exact: sku.reserved + sku.sold === o.units && sku.available === 0 && totals.replies === o.units,
      };
      progress(tag, `race over in ${fixed(raceS, 1)} s: ${int(answered)} answered (${int(run.answered_per_s)}/s), ${run.acknowledged} acknowledged, sale ${JSON.stringify(run.sale)}, ${run.exact ? 'EXACT' : 'NOT EXACT'}; codes ${JSON.stringify(run.codes)}`);
      return run;
    } finally {
      await fleet.close();
    }
  } finally {
    await d.stop();
  }
}

function markdown(meta: { command: string; when: string; machine: string }, runs: Run[], o: Options): string {
  const lines = [`## Flash sale: ${int(o.buyers)} buyers × ${o.presses} presses = ${int(o.buyers * o.presses)} reserve requests for ${int(o.units)} units (per_user_limit 1)`, '', `\`${meta.command}\` — ${meta.when}, ${meta.machine}`, ''];
  lines.push(
    table(
      ['target', 'nodes', 'killed', 'buyers ready', 'presses sent', 'answered', 'answered/s', 'server µs per answer', 'answer p50 / p99 / max ms', 'acknowledged reservations', 'sale: reserved / sold / available', 'refusals', 'temporary refusals retried', 'buyers redialed / presses resent', 'exactly the stock'],
      runs.map((r) => [
        r.target,
        String(r.nodes),
        r.killed ?? '–',
        int(r.buyers_ready),
        int(r.presses_sent),
        int(r.answered),
        int(r.answered_per_s),
        fixed(r.server_us_per_answer, 1),
        `${r.answer.p50_ms} / ${r.answer.p99_ms} / ${r.answer.max_ms}`,
        int(r.acknowledged),
        `${int(r.sale.reserved)} / ${int(r.sale.sold)} / ${int(r.sale.available)}`,
        JSON.stringify(r.codes),
        int(r.retried),
        `${int(r.redialed)} / ${int(r.resent)}`,
        r.exact ? 'yes' : 'NO',
      ]),
    ),
    '',
  );
  for (const r of runs) {
    const why = Object.entries(r.retried_why).sort((a, b) => b[1] - a[1]);
    if (why.length === 0) continue;
    lines.push(`Temporary refusals retried on ${r.target}, by kind:`, '', ...why.slice(0, 8).map(([k, n]) => `- ${int(n)}: \`${k}\``), '');
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const o: Options = {
    buyers: Math.max(1, intFlag(flags, 'buyers', 20_000)),
    presses: Math.max(1, intFlag(flags, 'presses', 5)),
    pressRate: numberFlag(flags, 'press-rate', 1),
    units: Math.max(1, intFlag(flags, 'units', 1000)),
    killAt: Math.max(1, intFlag(flags, 'kill-at', 100)),
    perAddress: Math.max(1, intFlag(flags, 'per-address', 4000)),
    workers: Math.max(1, intFlag(flags, 'workers', 4)),
    maxPending: Math.max(1, intFlag(flags, 'max-pending', 800)),
  };
  const targets = listFlag(flags, 'targets', ['haat', 'haat-3', 'haat-3-kill']);
  for (const t of targets) if (!/^haat(-\d+(-kill)?)?$/.test(t)) throw new UsageError(`unknown target ${t}; known: haat, haat-N, haat-N-kill`);
  deadline('flashsale', intFlag(flags, 'deadline-s', 900));
  const runs: Run[] = [];
  for (const t of targets) runs.push(await runTarget(t, o));
  const meta = { command: commandLine('bench:flashsale'), when: new Date().toISOString(), machine: machine() };
  const md = markdown(meta, runs, o);
  const paths = writeResults('flashsale', { ...meta, options: o, targets, runs }, md);
  process.stdout.write(md);
  progress('flashsale', `wrote ${paths.json}, ${paths.latestMd}`);
  if (runs.some((r) => !r.exact)) process.exitCode = 1;
}

runBench('flashsale', USAGE, main);
