// Reconnect storm (issue: 20,000 clients dropped at once come back within
// 30 s with recovery). N clients join product:s-<i % K>; a publisher keeps
// publishing to those channels; every client socket is destroyed at once
// (ws.terminate(): haat has no admin endpoint to drop connections), then each
// comes back after a full-jitter backoff (uniform [0, jitter), retries with
// a doubling window) and re-joins with `since`. Counted: clients served
// again, time until the last one is, recovered:true answers, and offset gaps
// or duplicates across the reconnect (PROTOCOL.md §4).
//   npm run bench:storm -- --clients=20000 --jitter-ms=5000
import { intFlag, benchFlags, runBench } from './lib/args.ts';
import { sleep } from './lib/clock.ts';
import { summarize } from './lib/histogram.ts';
import { sourceAddresses } from './lib/loadgen/addresses.ts';
import { newFleet, type Fleet } from './lib/loadgen/fleet.ts';
import type { SessionConfig } from './lib/loadgen/session-messages.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, fitToServerLimit, machine, startHaat, watchServer } from './lib/sessions.ts';
import { waitUntil } from './lib/wait.ts';

const FLAGS = ['clients', 'channels', 'publish-rate', 'jitter-ms', 'serve-within-s', 'before-s', 'after-s', 'workers', 'max-pending', 'per-address', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:storm -- [flags]
  --clients=20000        capped to what the server's open-file limit allows (reported)
  --channels=200         channels product:s-<k>; client i joins k = i % channels
  --publish-rate=200     broadcast_event/s over all channels, before, during and after the storm
  --jitter-ms=5000       full jitter: each client waits uniform [0, jitter) before its first reconnect attempt
  --serve-within-s=30    the bound: every client must be joined again within this long of the drop
  --before-s=3           publishing before the drop
  --after-s=3            publishing after the last client is back
  --workers=2            client worker threads
  --max-pending=1000     initial ramp-up bound (the storm itself is bounded only by the jitter)
  --per-address=1000     clients per source address 127.0.0.x
  --deadline-s=300       backstop for the whole run`;

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const o = {
    clients: intFlag(flags, 'clients', 20_000),
    channels: Math.max(1, intFlag(flags, 'channels', 200)),
    publishRate: intFlag(flags, 'publish-rate', 200),
    jitterMs: intFlag(flags, 'jitter-ms', 5000),
    serveWithinS: intFlag(flags, 'serve-within-s', 30),
    beforeS: intFlag(flags, 'before-s', 3),
    afterS: intFlag(flags, 'after-s', 3),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    maxPending: Math.max(1, intFlag(flags, 'max-pending', 1000)),
    perAddress: Math.max(1, intFlag(flags, 'per-address', 1000)),
  };
  deadline('storm', intFlag(flags, 'deadline-s', 300));
  const tag = 'storm';
  const server = await startHaat();
  const alive = watchServer(server);
  let clients: Fleet | undefined;
  let publisher: Fleet | undefined;
  try {
    const PUBLISHERS = 2;
    const fit = fitToServerLimit(server.pid, o.clients, PUBLISHERS);
    const n = fit.connections;
    const base = { host: '127.0.0.1', port: server.port, path: '/ws', coldChannels: 1, handshakeTimeoutMs: 30_000, progressMs: 200 } as const;
    const clientConfig: SessionConfig = {
      ...base,
      protocol: 'haat',
      addresses: sourceAddresses(n, o.perAddress, 2),
      subscribe: 'none',
      extraPrefix: 'product:s-',
      extraModulo: o.channels,
      subPrefix: 'u',
      heartbeatMs: 0,
      maxPending: Math.max(1, Math.floor(o.maxPending / o.workers)),
    };
    const publisherConfig: SessionConfig = {
      ...base,
      protocol: 'haat',
      addresses: ['127.0.0.1'],
      subscribe: 'none',
      jwtSecret: BENCH_JWT_SECRET,
      roles: ['publisher'],
      subPrefix: 'storm-pub-',
      heartbeatMs: 0,
      send: { kind: 'broadcast', mode: 'rate', perSecond: o.publishRate / PUBLISHERS, burst: 0, burstEveryMs: 100, targets: o.channels, broadcastPrefix: 'product:s-', maxOutstanding: 5000 },
      maxPending: PUBLISHERS,
    };
    clients = newFleet({ config: clientConfig, connections: n, workersPerProcess: o.workers });
    publisher = newFleet({ config: publisherConfig, connections: PUBLISHERS, workersPerProcess: 1 });
    const c = clients;
    progress(tag, `${n} clients on ${o.channels} channels, ${c.processes} client process(es) × ${o.workers} threads, ${clientConfig.addresses.length} source addresses`);
    const t0 = Date.now();
    c.start();
    publisher.start();
    let last = 0;
    await waitUntil(() => c.totals().ready + c.totals().failed >= n, 120_000, {
      what: `${n} joined clients`,
      everyMs: 100,
      onTick: () => {
        alive();
        if (Date.now() - last >= 2000) {
          last = Date.now();
          progress(tag, `connecting ${c.totals().ready}/${n}`);
        }
      },
    });
    const p = publisher;
    await waitUntil(() => p.totals().ready >= PUBLISHERS, 10_000, { what: 'publishers' });
    progress(tag, `joined ${c.totals().ready}/${n} in ${((Date.now() - t0) / 1000).toFixed(1)} s; publishing ${o.publishRate}/s for ${o.beforeS} s`);
    await publisher.startSending();
    await sleep(o.beforeS * 1000);
    const before = c.totals();
    await c.reset();

    const dropAt = Date.now();
    await c.drop();
    await c.reconnect(o.jitterMs);
    progress(tag, `dropped ${before.ready} clients at once; they come back with full jitter over ${o.jitterMs} ms`);
    let servedAt: number | undefined;
    const bound = o.serveWithinS * 1000;
    await waitUntil(() => {
      const t = c.totals();
      return t.reconnectsDone >= t.reconnectsWanted && t.reconnectsWanted > 0;
    }, bound + 30_000, {
      what: 'every client back',
      everyMs: 100,
      onTick: () => {
        alive();
        if (Date.now() - last >= 2000) {
          last = Date.now();
          const t = c.totals();
          progress(tag, `+${((Date.now() - dropAt) / 1000).toFixed(1)} s: ${t.reconnectsDone}/${t.reconnectsWanted} back, recovered ${t.recovered}, not recovered ${t.notRecovered}, failed attempts ${t.failed - before.failed}`);
        }
      },
    }).catch((err: Error) => progress(tag, err.message));
    const afterStorm = c.totals();
    if (afterStorm.reconnectsDone >= afterStorm.reconnectsWanted) servedAt = afterStorm.lastReconnectAt;
    await sleep(o.afterS * 1000);
    await publisher.stopSending();
    await sleep(2000);
    const { answer: reconnectTimes, totals: end } = await c.collect();
    const pub = publisher.totals();
    const serveS = servedAt !== undefined ? (servedAt - dropAt) / 1000 : undefined;
    const rt = summarize(reconnectTimes);
    const result = {
      clients: n,
      fd: fit,
      dropped: before.ready,
      reconnects_wanted: end.reconnectsWanted,
      reconnects_done: end.reconnectsDone,
      failed_attempts: end.failed - before.failed,
      served_all_s: serveS,
      recovered: end.recovered,
      not_recovered: end.notRecovered,
      gaps: end.gaps,
      duplicates: end.duplicates,
      events: end.events,
      events_before_drop: before.events,
      server_closed: end.serverClosed,
      reconnect_connect_to_joined: rt,
      publishes_sent: pub.sent,
      publishes_ok: pub.replies,
      publish_errors: pub.errors,
      publish_error_codes: pub.errorCodes,
    };
    const meta = { command: commandLine('bench:storm'), when: new Date().toISOString(), machine: machine() };
    const ok = (b: boolean): string => (b ? 'yes' : 'NO');
    const md = [
      `## Reconnect storm: ${int(n)} clients dropped at once`,
      '',
      `\`${meta.command}\` — ${meta.when}, ${meta.machine}`,
      '',
      ...(fit.capped ? [`**N was capped by the open-file limit:** ${fit.note}.`, ''] : []),
      `${int(n)} clients on ${o.channels} channels (product:s-<k>), publisher at ${o.publishRate} broadcast_event/s throughout; every client socket terminate()d at once, each back after uniform [0, ${o.jitterMs}) ms (retries: full jitter over a doubling window), re-joining with \`since\`.`,
      '',
      table(
        ['dropped', 'back', 'failed attempts', 'all back after s', 'connect → joined p50 / p99 / max ms', 'recovered:true', 'recovered:false', 'offset gaps', 'duplicates', 'events received', 'publishes ok / sent', 'publish errors'],
        [[int(result.dropped), int(result.reconnects_done), int(result.failed_attempts), fixed(serveS, 1), `${rt.p50_ms} / ${rt.p99_ms} / ${rt.max_ms}`, int(result.recovered), int(result.not_recovered), int(result.gaps), int(result.duplicates), int(result.events), `${int(pub.replies)} / ${int(pub.sent)}`, `${int(pub.errors)}${pub.errors ? ` ${JSON.stringify(pub.errorCodes)}` : ''}`]],
      ),
      '',
      table(
        ['check', 'target', 'measured', 'met'],
        [
          ['all served again', `${int(fit.requested)} within ${o.serveWithinS} s`, `${int(result.reconnects_done)} of ${int(result.dropped)} in ${fixed(serveS, 1)} s`, ok(serveS !== undefined && serveS <= o.serveWithinS && result.reconnects_done === result.dropped) + (fit.capped ? ' (at the capped N only)' : '')],
          ['with recovery', 'every re-join recovered:true', `${int(result.recovered)} of ${int(result.reconnects_done)}`, ok(result.recovered === result.reconnects_done && result.not_recovered === 0)],
          ['gap-free offsets across the reconnect', '0 gaps, 0 duplicates', `${int(result.gaps)} gaps, ${int(result.duplicates)} duplicates`, ok(result.gaps === 0 && result.duplicates === 0)],
        ],
      ),
      '',
    ].join('\n');
    const paths = writeResults('storm', { ...meta, options: o, result }, `${md}\n`);
    process.stdout.write(`${md}\n`);
    progress(tag, `wrote ${paths.json}, ${paths.latestMd}`);
    if (serveS === undefined || result.gaps > 0 || result.duplicates > 0 || result.not_recovered > 0) process.exitCode = 1;
  } finally {
    await publisher?.close();
    await clients?.close();
    await server.stop();
  }
}

runBench('storm', USAGE, main);
