// Inbound bench (DESIGN.md §4): client frames routed to their actors —
// send_message to many user:<id> channels and broadcast_event to many product
// channels, from publisher connections — at a ladder of fixed total rates;
// answer latency (request sent → its reply) per step; the peak. Raw uWS
// answering each frame with a small JSON reply is the baseline, same harness,
// same run; so is Socket.IO emit-with-ack (the request/answer an application
// would write with it). Server CPU per answered frame is the figure of merit.
//   npm run bench:inbound -- --rates=10000,20000,40000 --seconds=5
import { ARRIVALS_USAGE, arrivalsFlag, intFlag, intListFlag, listFlag, benchFlags, UsageError, runBench } from './lib/args.ts';
import { sleep } from './lib/clock.ts';
import { summarize, type LatencySummary } from './lib/histogram.ts';
import { newFleet } from './lib/loadgen/fleet.ts';
import type { SendKind, SessionConfig } from './lib/loadgen/session-messages.ts';
import { fixed, int, ratio, table } from './lib/markdown.ts';
import { cpuMicros, machineCpu } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, machine, startBaseline, startHaat, watchServer } from './lib/sessions.ts';
import type { ServerProcess } from './lib/server-process.ts';
import { waitUntil } from './lib/wait.ts';

const FLAGS = ['arrivals', 'rates', 'seconds', 'warmup', 'connections', 'kind', 'targets', 'channels', 'workers', 'max-outstanding', 'burst', 'attach', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:inbound -- [flags]
  --rates=10000,20000,30000,40000,50000,60000,80000   total offered frames/s, one step each
  --seconds=5                measured seconds per step
  --warmup=1                 unmeasured seconds before each step
  --connections=200          sending connections (haat: publisher role, own sub each; 5,000 frames/s allowed per connection)
  --kind=mixed               mixed | user-message | broadcast (what haat is sent)
  --targets=haat,uws-echo,socketio   servers, in this order (socketio: emit-with-ack; uws-hop: raw uWS
                             with the smallest thread hop there can be, batched both ways, not run unless named)
  --channels=1000            distinct user:/product: channels the frames go to
  --workers=2                client worker threads
  --max-outstanding=2000     requests without an answer per connection before the sender waits
  --burst=0                  >0: one extra step: bursts of this many frames per connection every 100 ms
  --attach=PID:PORT          measure an already running server of the target (e.g. haat started with --cpu-prof) instead of starting one
${ARRIVALS_USAGE}
  --deadline-s=600           backstop for the whole run`;

interface Step {
  target: string;
  mode: string;
  offered_per_s: number;
  sent_per_s: number;
  answered_per_s: number;
  errors: number;
  error_codes: Record<string, number>;
  stalls: number;
  answer: LatencySummary;
  server_cores: number;
  /** Server CPU per answered frame, µs (all its threads). */
  cpu_us_per_answer: number;
  machine_cores: number;
}

interface Options {
  rates: number[];
  seconds: number;
  warmup: number;
  connections: number;
  kind: SendKind;
  channels: number;
  workers: number;
  maxOutstanding: number;
  arrivals: 'aligned' | 'spread';
  burst: number;
  attach: { pid: number; port: number } | undefined;
}

/** The baselines by target name (haat is started apart). */
const BASELINE_SERVERS: Record<string, string> = { 'uws-echo': 'uws-echo-server', 'uws-hop': 'uws-hop-server', socketio: 'socketio-ack-server' };

async function runTarget(target: string, o: Options): Promise<Step[]> {
  const tag = `inbound ${target}`;
  const server: ServerProcess =
    o.attach
      ? { pid: o.attach.pid, port: o.attach.port, outputTail: () => '', keptLines: () => [], stop: async () => undefined, exited: new Promise<string>(() => undefined) }
      : target === 'haat'
        ? await startHaat()
        : await startBaseline(BASELINE_SERVERS[target]!);
  const alive = watchServer(server);
  const haat = target === 'haat';
  const sio = target === 'socketio';
  const config: SessionConfig = {
    protocol: haat ? 'haat' : sio ? 'socketio' : 'uws',
    host: '127.0.0.1',
    port: server.port,
    path: haat ? '/ws' : sio ? '/socket.io/?EIO=4&transport=websocket' : '/',
    addresses: ['127.0.0.1'],
    subscribe: 'none',
    coldChannels: 1,
    jwtSecret: haat ? BENCH_JWT_SECRET : undefined,
    roles: haat ? ['publisher'] : undefined,
    subPrefix: 'bench-pub-',
    heartbeatMs: 0,
    send: { kind: haat ? o.kind : sio ? 'socketio-ack' : 'echo', mode: 'rate', perSecond: 0, burst: o.burst, burstEveryMs: 100, targets: o.channels, maxOutstanding: o.maxOutstanding, arrivals: o.arrivals },
    maxPending: 100,
    handshakeTimeoutMs: 10_000,
    progressMs: 100,
  };
  const fleet = newFleet({ config, connections: o.connections, workersPerProcess: o.workers });
  const steps: Step[] = [];
  try {
    fleet.start();
    await waitUntil(() => fleet.totals().ready >= o.connections, 20_000, {
      what: `${o.connections} sender connections`,
      onTick: alive,
      detail: () => {
        const t = fleet.totals();
        return `ready ${t.ready}, failed ${t.failed}, closed by the server ${t.serverClosed} ${JSON.stringify(t.closeCodes)}`;
      },
    });
    const measure = async (mode: string, offered: number): Promise<Step> => {
      await fleet.startSending();
      await sleep(o.warmup * 1000);
      await fleet.reset();
      const t0 = fleet.totals();
      const c0 = cpuMicros(server.pid);
      const m0 = machineCpu();
      const w0 = performance.now();
      await sleep(o.seconds * 1000);
      alive();
      const t1 = fleet.totals();
      const c1 = cpuMicros(server.pid);
      const m1 = machineCpu();
      const s = (performance.now() - w0) / 1000;
      const { answer } = await fleet.collect();
      await fleet.stopSending();
      // Let what is in flight come back before the next step (bounded).
      await waitUntil(() => {
        const t = fleet.totals();
        return t.replies + t.errors >= t.sent;
      }, 10_000, { what: 'answers to every request' }).catch(() => progress(tag, 'some requests were not answered within 10 s'));
      const errorCodes: Record<string, number> = {};
      for (const [k, v] of Object.entries(t1.errorCodes)) if (v - (t0.errorCodes[k] ?? 0) > 0) errorCodes[k] = v - (t0.errorCodes[k] ?? 0);
      const step: Step = {
        target,
        mode,
        offered_per_s: offered,
        sent_per_s: (t1.sent - t0.sent) / s,
        answered_per_s: (t1.replies - t0.replies) / s,
        errors: t1.errors - t0.errors,
        error_codes: errorCodes,
        stalls: t1.sendStalls - t0.sendStalls,
        answer: summarize(answer),
        server_cores: (c1 - c0) / 1e6 / s,
        cpu_us_per_answer: (c1 - c0) / Math.max(1, t1.replies - t0.replies),
        machine_cores: (m1.busyMicros - m0.busyMicros) / 1e6 / s,
      };
      progress(tag, `${mode} ${int(offered)}/s: sent ${int(step.sent_per_s)}/s, answered ok ${int(step.answered_per_s)}/s, errors ${step.errors}${step.errors ? ` ${JSON.stringify(errorCodes)} ${t1.lastError}` : ''}, p50/p99 ${step.answer.p50_ms}/${step.answer.p99_ms} ms, server ${fixed(step.server_cores, 2)} cores (${fixed(step.cpu_us_per_answer, 1)} µs/answer), machine ${fixed(step.machine_cores, 2)}`);
      return step;
    };
    for (const rate of o.rates) {
      await fleet.setRate(rate / o.connections);
      const step = await measure('rate', rate);
      steps.push(step);
      if (step.answered_per_s < 0.8 * rate) {
        progress(tag, `answered < 80% of offered: saturated, no higher rates`);
        break;
      }
    }
    if (o.burst > 0) {
      // Bursts of `burst` frames per connection every 100 ms: offered = burst × connections × 10 per second.
      await fleet.setRate(0, o.burst);
      steps.push(await measure(`burst ${o.burst}/conn/100ms`, o.burst * o.connections * 10));
    }
  } finally {
    await fleet.close();
    await server.stop();
  }
  return steps;
}

function markdown(meta: { command: string; when: string; machine: string }, steps: Step[], o: Options): string {
  const lines = [`## Inbound: ${o.connections} sending connections, ${o.kind} to ${int(o.channels)} channels, arrivals ${o.arrivals}`, '', `\`${meta.command}\` — ${meta.when}, ${meta.machine}`, ''];
  lines.push(
    table(
      ['target', 'mode', 'offered/s', 'sent/s', 'answered ok/s', 'errors', 'answer p50 / p99 / p999 / max ms', 'server cores', 'server CPU µs / answer', 'machine cores', 'sender waits'],
      steps.map((s) => [s.target, s.mode, int(s.offered_per_s), int(s.sent_per_s), int(s.answered_per_s), `${int(s.errors)}${s.errors ? ` ${JSON.stringify(s.error_codes)}` : ''}`, `${s.answer.p50_ms} / ${s.answer.p99_ms} / ${s.answer.p999_ms} / ${s.answer.max_ms}`, fixed(s.server_cores, 2), fixed(s.cpu_us_per_answer, 1), fixed(s.machine_cores, 2), int(s.stalls)]),
    ),
    '',
  );
  // Per offered rate, the three servers side by side: CPU per answered frame and p99.
  const rates = [...new Set(steps.filter((s) => s.mode === 'rate').map((s) => s.offered_per_s))];
  const at = (target: string, rate: number): Step | undefined => steps.find((s) => s.target === target && s.mode === 'rate' && s.offered_per_s === rate);
  const cell = (s: Step | undefined): string => (s ? `${fixed(s.cpu_us_per_answer, 1)} µs, p99 ${s.answer.p99_ms} ms` : '–');
  const targetsRun = [...new Set(steps.map((s) => s.target))];
  if (targetsRun.length > 1) {
    lines.push(
      table(
        ['offered/s', ...targetsRun, 'haat ÷ uws-echo CPU', 'uws-hop ÷ uws-echo CPU', 'haat ÷ uws-hop CPU', 'haat ÷ socketio CPU'],
        rates.map((r) => {
          const cpu = (t: string): number | undefined => at(t, r)?.cpu_us_per_answer;
          return [
            int(r),
            ...targetsRun.map((t) => cell(at(t, r))),
            fixed(ratio(cpu('haat'), cpu('uws-echo')), 2),
            fixed(ratio(cpu('uws-hop'), cpu('uws-echo')), 2),
            fixed(ratio(cpu('haat'), cpu('uws-hop')), 2),
            fixed(ratio(cpu('haat'), cpu('socketio')), 2),
          ];
        }),
      ),
      '',
    );
  }
  const summary: string[][] = [];
  for (const target of [...new Set(steps.map((s) => s.target))]) {
    const mine = steps.filter((s) => s.target === target);
    const peak = Math.max(...mine.map((s) => s.answered_per_s));
    const ok = mine.filter((s) => s.errors === 0 && s.answered_per_s >= 0.97 * s.offered_per_s && s.answer.p99_ms < 50);
    const best = ok.length ? ok.reduce((a, b) => (b.offered_per_s > a.offered_per_s ? b : a)) : undefined;
    summary.push([target, int(peak), best ? int(best.offered_per_s) : 'none', best ? String(best.answer.p99_ms) : '–']);
  }
  lines.push(table(['target', 'peak answered ok/s', 'highest step fully answered with p99 < 50 ms', 'its p99 ms'], summary), '');
  const h = steps.filter((s) => s.target === 'haat');
  const u = steps.filter((s) => s.target === 'uws-echo');
  if (h.length && u.length) {
    const hp = Math.max(...h.map((s) => s.answered_per_s));
    const up = Math.max(...u.map((s) => s.answered_per_s));
    lines.push(`Peak ratio haat ÷ raw uWS echo: ${fixed(ratio(hp, up), 2)}. 50,000 frames/s with p99 < 50 ms: ${h.some((s) => s.offered_per_s >= 50_000 && s.errors === 0 && s.answered_per_s >= 0.97 * s.offered_per_s && s.answer.p99_ms < 50) ? 'met' : 'NOT met'}.`, '');
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const kind = (flags.get('kind') ?? 'mixed') as SendKind;
  if (!['mixed', 'user-message', 'broadcast'].includes(kind)) throw new UsageError('--kind must be mixed, user-message or broadcast');
  const o: Options = {
    rates: intListFlag(flags, 'rates', [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000]),
    seconds: Math.max(1, intFlag(flags, 'seconds', 5)),
    warmup: intFlag(flags, 'warmup', 1),
    connections: Math.max(1, intFlag(flags, 'connections', 200)),
    kind,
    channels: Math.max(1, intFlag(flags, 'channels', 1_000)),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    maxOutstanding: Math.max(1, intFlag(flags, 'max-outstanding', 2000)),
    arrivals: arrivalsFlag(flags, 'spread'),
    burst: intFlag(flags, 'burst', 0),
    attach: undefined,
  };
  const attach = flags.get('attach');
  if (attach !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(attach);
    if (!m) throw new UsageError('--attach takes PID:PORT');
    o.attach = { pid: Number(m[1]), port: Number(m[2]) };
  }
  const targets = listFlag(flags, 'targets', ['haat', 'uws-echo', 'socketio']);
  for (const t of targets) if (t !== 'haat' && BASELINE_SERVERS[t] === undefined) throw new UsageError(`unknown target ${t}; known: haat, ${Object.keys(BASELINE_SERVERS).join(', ')}`);
  deadline('inbound', intFlag(flags, 'deadline-s', 600));
  const steps: Step[] = [];
  for (const t of targets) steps.push(...(await runTarget(t, o)));
  const meta = { command: commandLine('bench:inbound'), when: new Date().toISOString(), machine: machine() };
  const md = markdown(meta, steps, o);
  const paths = writeResults('inbound', { ...meta, options: o, targets, steps }, md);
  process.stdout.write(md);
  progress('inbound', `wrote ${paths.json}, ${paths.latestMd}`);
}

runBench('inbound', USAGE, main);
