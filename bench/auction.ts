// Auction bench (issue: 20,000 bids/s per node with p99 answer under 20 ms):
// bid frames from many bidders on many open auctions, at a ladder of fixed
// total rates, on one node and on a 3-node cluster; raw uWS answering each
// frame is the CPU baseline, same harness, same run. About half the bids are
// accepted (each one a fenced save and a bid_placed event), the rest answered
// bid_too_low: both are answered bids.
//   npm run bench:auction -- --rates=10000,20000,30000 --targets=haat,haat-3,uws-echo
import { ARRIVALS_USAGE, arrivalsFlag, intFlag, intListFlag, listFlag, benchFlags, UsageError, runBench } from './lib/args.ts';
import { sleep } from './lib/clock.ts';
import { summarize, type LatencySummary } from './lib/histogram.ts';
import { newFleet } from './lib/loadgen/fleet.ts';
import type { SessionConfig } from './lib/loadgen/session-messages.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { machineCpu } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, machine } from './lib/sessions.ts';
import { waitUntil } from './lib/wait.ts';
import { deploy, openAuctions } from './lib/commerce.ts';

const FLAGS = ['arrivals', 'rates', 'seconds', 'warmup', 'connections', 'auctions', 'accept-every', 'targets', 'workers', 'max-outstanding', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:auction -- [flags]
  --rates=10000,20000,30000,40000   total offered bids/s, one step each
  --seconds=5                measured seconds per step
  --warmup=1                 unmeasured seconds before each step
  --connections=200          bidder connections (each its own user; signed with the publisher role only to lift the 20/s phone limit)
  --auctions=1000            open auctions the bids spread over
  --accept-every=4           one bid in N is high enough to lead (a fenced save, a bid_placed event, an outbid
                             notification); the others are answered bid_too_low. 1 = every bid leads (worst case)
  --targets=haat,haat-3,uws-echo   one node (memory engine), a 3-node cluster over Redis, raw uWS echo;
                             attach:PID:PORT measures a node already running (e.g. under --cpu-prof)
  --workers=2                client worker threads
  --max-outstanding=2000     bids without an answer per connection before the sender waits
${ARRIVALS_USAGE}
  --deadline-s=900           backstop for the whole run`;

interface Step {
  target: string;
  nodes: number;
  offered_per_s: number;
  sent_per_s: number;
  answered_per_s: number;
  accepted_per_s: number;
  answered_per_node_per_s: number;
  other_errors: Record<string, number>;
  answer: LatencySummary;
  server_cores: number;
  server_us_per_answer: number;
  machine_cores: number;
}

interface Options {
  rates: number[];
  seconds: number;
  warmup: number;
  connections: number;
  auctions: number;
  acceptEvery: number;
  workers: number;
  maxOutstanding: number;
  arrivals: 'aligned' | 'spread';
}

/** Answers that are bids judged by the rules (not transport or capacity errors). */
const JUDGED = new Set(['bid_too_low', 'auction_closed', 'auction_not_open']);

async function runTarget(target: string, o: Options): Promise<Step[]> {
  const tag = `auction ${target}`;
  const d = await deploy(target, tag);
  const haat = target !== 'uws-echo';
  const steps: Step[] = [];
  try {
    if (haat) {
      progress(tag, `creating ${o.auctions} auctions`);
      await openAuctions(d.ports(), o.auctions, 'bench-a');
    }
    const ports = d.ports();
    const config: SessionConfig = {
      protocol: haat ? 'haat' : 'uws',
      host: '127.0.0.1',
      port: ports[0]!,
      ports,
      path: haat ? '/ws' : '/',
      addresses: ['127.0.0.1'],
      subscribe: 'none',
      coldChannels: 1,
      jwtSecret: haat ? BENCH_JWT_SECRET : undefined,
      roles: haat ? ['publisher'] : undefined,
      subPrefix: 'bidder-',
      heartbeatMs: 0,
      send: { kind: haat ? 'bid' : 'echo', mode: 'rate', perSecond: 0, burst: 0, burstEveryMs: 100, targets: o.auctions, targetPrefix: 'bench-a', acceptEvery: o.acceptEvery, maxOutstanding: o.maxOutstanding, arrivals: o.arrivals },
      maxPending: 100,
      handshakeTimeoutMs: 10_000,
      progressMs: 100,
    };
    const fleet = newFleet({ config, connections: o.connections, workersPerProcess: o.workers });
    try {
      fleet.start();
      // A connection that drops while connecting is not replaced: go on with 95% of them.
      await waitUntil(() => fleet.totals().ready >= o.connections * 0.95 && fleet.totals().ready + fleet.totals().failed + fleet.totals().serverClosed >= o.connections, 30_000, {
        what: `${o.connections} bidder connections`,
        onTick: d.alive,
        detail: () => {
          const t = fleet.totals();
          return `ready ${t.ready}, failed ${t.failed}, closed by the server ${t.serverClosed} ${JSON.stringify(t.closeCodes)} ${t.lastError ?? ''}`;
        },
      });
      for (const rate of o.rates) {
        await fleet.setRate(rate / o.connections);
        await fleet.startSending();
        await sleep(o.warmup * 1000);
        await fleet.reset();
        const t0 = fleet.totals();
        const c0 = d.cpuMicros();
        const m0 = machineCpu();
        const w0 = performance.now();
        await sleep(o.seconds * 1000);
        d.alive();
        const t1 = fleet.totals();
        const c1 = d.cpuMicros();
        const m1 = machineCpu();
        const s = (performance.now() - w0) / 1000;
        const { answer } = await fleet.collect();
        await fleet.stopSending();
        await waitUntil(() => {
          const t = fleet.totals();
          return t.replies + t.errors >= t.sent;
        }, 15_000, { what: 'answers to every bid' }).catch(() => progress(tag, 'some bids were not answered within 15 s'));
        let judged = 0;
        const other: Record<string, number> = {};
        for (const [k, v] of Object.entries(t1.errorCodes)) {
          const n = v - (t0.errorCodes[k] ?? 0);
          if (n <= 0) continue;
          if (JUDGED.has(k)) judged += n;
          else other[k] = n;
        }
        const accepted = (t1.replies - t0.replies) / s;
        const answered = accepted + judged / s;
        const cores = (c1 - c0) / 1e6 / s;
        const step: Step = {
          target,
          nodes: d.nodes,
          offered_per_s: rate,
          sent_per_s: (t1.sent - t0.sent) / s,
          answered_per_s: answered,
          accepted_per_s: haat ? accepted : 0,
          answered_per_node_per_s: answered / d.nodes,
          other_errors: other,
          answer: summarize(answer),
          server_cores: cores,
          server_us_per_answer: answered > 0 ? (cores * 1e6) / answered : 0,
          machine_cores: (m1.busyMicros - m0.busyMicros) / 1e6 / s,
        };
        steps.push(step);
        progress(tag, `${int(rate)}/s: answered ${int(answered)}/s (accepted ${int(step.accepted_per_s)}/s), other errors ${JSON.stringify(other)}, p50/p99 ${step.answer.p50_ms}/${step.answer.p99_ms} ms, server ${fixed(cores, 2)} cores = ${fixed(step.server_us_per_answer, 1)} µs/bid`);
        if (answered < 0.8 * rate) {
          progress(tag, 'answered < 80% of offered: saturated, no higher rates');
          break;
        }
      }
    } finally {
      await fleet.close();
    }
  } finally {
    await d.stop();
  }
  return steps;
}

function markdown(meta: { command: string; when: string; machine: string }, steps: Step[], o: Options): string {
  const lines = [`## Auctions: ${o.connections} bidder connections on ${int(o.auctions)} open auctions, one bid in ${o.acceptEvery} high enough to lead, arrivals ${o.arrivals}`, '', `\`${meta.command}\` — ${meta.when}, ${meta.machine}`, ''];
  lines.push(
    table(
      ['target', 'nodes', 'offered bids/s', 'answered/s', 'accepted/s', 'answered per node/s', 'answer p50 / p99 / max ms', 'server cores', 'server µs per bid', 'other errors'],
      steps.map((s) => [s.target, String(s.nodes), int(s.offered_per_s), int(s.answered_per_s), int(s.accepted_per_s), int(s.answered_per_node_per_s), `${s.answer.p50_ms} / ${s.answer.p99_ms} / ${s.answer.max_ms}`, fixed(s.server_cores, 2), fixed(s.server_us_per_answer, 1), Object.keys(s.other_errors).length ? JSON.stringify(s.other_errors) : '–']),
    ),
    '',
  );
  const rows: string[][] = [];
  for (const target of [...new Set(steps.map((s) => s.target))].filter((t) => t !== 'uws-echo')) {
    const mine = steps.filter((s) => s.target === target);
    const ok = mine.filter((s) => s.answered_per_s >= 0.97 * s.offered_per_s && s.answer.p99_ms < 20 && Object.keys(s.other_errors).length === 0);
    const best = ok.length ? ok.reduce((a, b) => (b.offered_per_s > a.offered_per_s ? b : a)) : undefined;
    const echo = steps.filter((s) => s.target === 'uws-echo');
    const cpuRatio = (s: Step): string => {
      const e = echo.find((x) => x.offered_per_s === s.offered_per_s);
      return e && e.server_us_per_answer > 0 ? fixed(s.server_us_per_answer / e.server_us_per_answer, 1) : '–';
    };
    rows.push([target, best ? int(best.answered_per_node_per_s) : 'none', best ? String(best.answer.p99_ms) : '–', best ? cpuRatio(best) : '–', best && best.answered_per_node_per_s >= 20_000 ? 'met' : 'NOT met']);
  }
  lines.push(table(['target', 'highest bids/s per node fully answered with p99 < 20 ms', 'its p99 ms', 'server CPU per bid ÷ raw uWS per frame (same rate)', '20,000 bids/s per node, p99 < 20 ms'], rows), '');
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const o: Options = {
    rates: intListFlag(flags, 'rates', [10_000, 20_000, 30_000, 40_000]),
    seconds: Math.max(1, intFlag(flags, 'seconds', 5)),
    warmup: intFlag(flags, 'warmup', 1),
    connections: Math.max(1, intFlag(flags, 'connections', 200)),
    auctions: Math.max(1, intFlag(flags, 'auctions', 1000)),
    acceptEvery: Math.max(1, intFlag(flags, 'accept-every', 4)),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    maxOutstanding: Math.max(1, intFlag(flags, 'max-outstanding', 2000)),
    arrivals: arrivalsFlag(flags, 'spread'),
  };
  const targets = listFlag(flags, 'targets', ['haat', 'haat-3', 'uws-echo']);
  for (const t of targets) if (!/^(haat(-\d+)?|uws-echo|attach:\d+:\d+)$/.test(t)) throw new UsageError(`unknown target ${t}; known: haat, haat-N, uws-echo`);
  deadline('auction', intFlag(flags, 'deadline-s', 900));
  const steps: Step[] = [];
  for (const t of targets) steps.push(...(await runTarget(t, o)));
  const meta = { command: commandLine('bench:auction'), when: new Date().toISOString(), machine: machine() };
  const md = markdown(meta, steps, o);
  const paths = writeResults('auction', { ...meta, options: o, targets, steps }, md);
  process.stdout.write(md);
  progress('auction', `wrote ${paths.json}, ${paths.latestMd}`);
}

runBench('auction', USAGE, main);
