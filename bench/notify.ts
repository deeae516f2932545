// Presence and notifications through user actors (PROTOCOL.md §5, §10), one
// haat node in its own process, clients in this one:
//  1. presence updates/s: every connected user sends `presence` frames, one in
//     flight each (an ask to its user actor and a fenced save); in the same
//     run, the same loop with `ping` (answered by the gateway alone) and with
//     a raw uWebSockets.js echo server, as ratios;
//  2. queue memory per offline user: a notification POSTed to --offline users
//     who never connected, server RSS before and after;
//  3. one POST notifications to the online and the offline users together:
//     the time until every connected device has it.
//   npm run bench:notify -- --online=5000 --offline=5000 --seconds=10
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { intFlag, benchFlags, runBench } from './lib/args.ts';
import { LatencyRecorder, summarize, type LatencySummary } from './lib/histogram.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { rssBytes } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import type { ServerProcess } from './lib/server-process.ts';
import { BENCH_JWT_SECRET, commandLine, machine, mb, startBaseline, startHaat } from './lib/sessions.ts';
import { sleep } from './lib/clock.ts';
import { loadConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/log/logger.ts';
import { startNode } from '../src/node.ts';

const FLAGS = ['online', 'offline', 'seconds', 'settle-s', 'help'];
const USAGE = `usage: npm run bench:notify -- [flags]
  --online=5000    connected users (one connection each)
  --offline=5000   users who never connect
  --seconds=10     length of each round-trip loop (presence, ping, raw uWS echo)
  --settle-s=25    queue memory is read again after this long (idle user actors passivate after users.idleMs, 20 s)`;

const key = new TextEncoder().encode(BENCH_JWT_SECRET);
const jwt = (sub: string, roles: string[]): Promise<string> => new SignJWT({ roles }).setSubject(sub).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(key);

interface Client {
  ws: WebSocket;
  onFrame?: (f: { type: string; [k: string]: unknown }) => void;
}

async function connectAll(url: (i: number) => Promise<string>, n: number, waitFor: 'authenticated' | 'open'): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < n; i += 500) {
    clients.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(500, n - i) }, async (_, k) => {
          const ws = new WebSocket(await url(i + k), { perMessageDeflate: false });
          const c: Client = { ws };
          await new Promise<void>((resolve, reject) => {
            ws.once('error', reject);
            if (waitFor === 'open') ws.once('open', () => resolve());
            ws.on('message', (data) => {
              const f = JSON.parse(data.toString()) as { type: string };
              if (waitFor === 'authenticated' && f.type === 'authenticated') resolve();
              c.onFrame?.(f);
            });
          });
          return c;
        }),
      )),
    );
  }
  return clients;
}

/** Every client keeps one request in flight for `seconds`; answers per second and round-trip latency. */
async function loop(clients: Client[], seconds: number, frame: (i: number, n: number) => string, isAnswer: (f: { type: string; [k: string]: unknown }) => boolean): Promise<{ per_s: number; rtt: LatencySummary; errors: number }> {
  const rec = new LatencyRecorder();
  let answered = 0;
  let errors = 0;
  let running = true;
  const t0 = performance.now();
  const each = Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((resolve) => {
          let n = 0;
          let sentAt = 0;
          const send = (): void => {
            if (!running) {
              c.onFrame = undefined;
              return resolve();
            }
            sentAt = performance.now();
            c.ws.send(frame(i, n++));
          };
          c.onFrame = (f) => {
            if (f.type === 'error') errors++;
            else if (!isAnswer(f)) return;
            rec.record((performance.now() - sentAt) * 1000);
            answered++;
            send();
          };
          send();
        }),
    ),
  );
  await sleep(seconds * 1000);
  running = false;
  const s = (performance.now() - t0) / 1000;
  const answeredInTime = answered;
  // Each client stops at its next answer; one still unanswered after the server's ask timeout is reported, not waited for.
  const stopped = await Promise.race([each.then(() => true), sleep(6000).then(() => false)]);
  if (!stopped) progress('notify', 'some requests were still unanswered 6 s after the loop ended');
  return { per_s: answeredInTime / s, rtt: summarize(rec.histogram()), errors };
}

async function post(server: ServerProcess, body: unknown, token: string): Promise<{ status: number; ms: number; body: any }> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/realtime/notifications`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), ms: performance.now() - t0 };
}

/**
 * The queue's steady cost per offline user, exactly: an in-process node whose
 * idle user actors passivate after 1 s; the main thread's heap after a full GC
 * before and after a notification to `n` users who never connected (what is
 * left is the stored actor state and the store's record).
 */
async function steadyQueueBytes(n: number): Promise<number | null> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const config = loadConfig({ env: { PORT: '0', HAAT_JWT_SECRET: BENCH_JWT_SECRET, HAAT_NODE_ID: 'notify-bench', LOG_LEVEL: 'warn' }, overrides: { server: { host: '127.0.0.1' }, users: { idleMs: 1000 }, actors: { passivateSweepMs: 200 } } });
  const node = await startNode(config, silentLogger(), { defaultMetrics: false });
  try {
    const heap = (): number => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/realtime/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await jwt('bench-publisher', ['publisher'])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_ids: Array.from({ length: n }, (_, i) => `q${i}`), notification_type: 'restock_notification', params: { product_name: { en: 'Walton Primo R10', bn: 'ওয়ালটন প্রিমো আর১০' } }, data: { product_id: 'p42' } }),
    });
    if (res.status !== 202) throw new Error(`POST notifications: ${res.status}`);
    await sleep(3000); // passivated by now (idle 1 s, swept every 200 ms)
    return (heap() - before) / n;
  } finally {
    await node.stop();
  }
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const online = Math.max(1, intFlag(flags, 'online', 5000));
  const offline = Math.max(1, intFlag(flags, 'offline', 5000));
  const seconds = Math.max(1, intFlag(flags, 'seconds', 10));
  const settleS = Math.max(0, intFlag(flags, 'settle-s', 25));
  const publisher = await jwt('bench-publisher', ['publisher']);

  const steady = await steadyQueueBytes(offline);
  progress('notify', steady === null ? 'steady queue memory: skipped (run with node --expose-gc, as npm run bench:notify does)' : `steady queue memory: ${fixed(steady / 1024, 2)} KB of heap per offline user with one notification queued`);
  progress('notify', 'starting haat');
  const server = await startHaat();
  let result: Record<string, unknown>;
  try {
    await sleep(1000);
    const rssEmpty = rssBytes(server.pid);
    const t0 = performance.now();
    const clients = await connectAll(async (i) => `ws://127.0.0.1:${server.port}/ws?token=${await jwt(`on${i}`, ['customer'])}`, online, 'authenticated');
    progress('notify', `${int(online)} users connected in ${fixed((performance.now() - t0) / 1000, 1)} s`);
    await sleep(2000);
    const rssConnected = rssBytes(server.pid);

    const statuses = ['online', 'away', 'busy'];
    const presence = await loop(clients, seconds, (i, n) => JSON.stringify({ type: 'presence', ref: n, status: statuses[n % 3], current_page: `/p/p${(i + n) % 1000}` }), (f) => f.type === 'reply');
    progress('notify', `presence: ${int(presence.per_s)}/s, rtt p50/p99 ${presence.rtt.p50_ms}/${presence.rtt.p99_ms} ms, ${presence.errors} errors`);
    const ping = await loop(clients, seconds, (_i, n) => JSON.stringify({ type: 'ping', ref: n }), (f) => f.type === 'pong');
    progress('notify', `ping: ${int(ping.per_s)}/s, rtt p50/p99 ${ping.rtt.p50_ms}/${ping.rtt.p99_ms} ms`);

    // Queue memory: a notification for users who never connected.
    const offIds = Array.from({ length: offline }, (_, i) => `off${i}`);
    const rssBeforeQueue = rssBytes(server.pid);
    const queued = await post(server, { user_ids: offIds, notification_type: 'restock_notification', params: { product_name: { en: 'Walton Primo R10', bn: 'ওয়ালটন প্রিমো আর১০' } }, data: { product_id: 'p42' } }, publisher);
    if (queued.status !== 202) throw new Error(`POST notifications: ${queued.status} ${JSON.stringify(queued.body).slice(0, 300)}`);
    await sleep(2000);
    const rssAfterQueue = rssBytes(server.pid);
    progress('notify', `queued for ${int(offline)} offline users in ${int(queued.ms)} ms; RSS ${mb(rssBeforeQueue)} → ${mb(rssAfterQueue)} MB; settling ${settleS} s`);
    await sleep(settleS * 1000);
    const rssSettled = rssBytes(server.pid);
    progress('notify', `after ${settleS} s: RSS ${mb(rssSettled)} MB`);

    // One POST to everyone: time until every connected device has it.
    const arrivals = new LatencyRecorder();
    let got = 0;
    let sentAt = 0;
    const all = new Promise<void>((resolve) => {
      for (const c of clients) {
        c.onFrame = (f) => {
          if (f.type !== 'notification' || f.notification_type !== 'price_drop_alert') return;
          arrivals.record((performance.now() - sentAt) * 1000);
          c.onFrame = undefined;
          if (++got === online) resolve();
        };
      }
    });
    sentAt = performance.now();
    const everyone = await post(server, { user_ids: [...clients.map((_, i) => `on${i}`), ...offIds], notification_type: 'price_drop_alert', params: { product_name: 'iPhone 14 Pro', discount_percentage: 10, new_price: 1350 }, data: { product_id: 'p1' }, priority: 'high' }, publisher);
    const timeout = sleep(60_000).then(() => 'timeout' as const);
    const done = await Promise.race([all.then(() => 'all' as const), timeout]);
    const allMs = (performance.now() - sentAt);
    const arrival = summarize(arrivals.histogram());
    progress('notify', `POST to ${int(online + offline)} answered ${everyone.status} in ${int(everyone.ms)} ms; ${int(got)}/${int(online)} devices had it after ${int(allMs)} ms (${done})`);
    for (const c of clients) c.ws.terminate();

    // Raw uWebSockets.js echo: the same loop, the floor of a round trip on this machine.
    let echo: Awaited<ReturnType<typeof loop>> | undefined;
    const uws = await startBaseline('uws-echo-server');
    try {
      const ec = await connectAll(async () => `ws://127.0.0.1:${uws.port}/`, online, 'open');
      echo = await loop(ec, seconds, (_i, n) => JSON.stringify({ type: 'ping', ref: n }), () => true);
      progress('notify', `raw uWS echo: ${int(echo.per_s)}/s, rtt p50/p99 ${echo.rtt.p50_ms}/${echo.rtt.p99_ms} ms`);
      for (const c of ec) c.ws.terminate();
    } finally {
      await uws.stop();
    }

    result = {
      online,
      offline,
      seconds,
      rss: { empty: rssEmpty, connected: rssConnected, before_queue: rssBeforeQueue, after_queue: rssAfterQueue, settled: rssSettled },
      settle_s: settleS,
      queue_bytes_per_offline_user_settled: (rssSettled - rssBeforeQueue) / offline,
      queue_heap_bytes_per_offline_user_steady: steady,
      rss_per_connected_user_bytes: (rssConnected - rssEmpty) / online,
      queue_bytes_per_offline_user: (rssAfterQueue - rssBeforeQueue) / offline,
      presence,
      ping,
      uws_echo: echo,
      post_offline_ms: queued.ms,
      post_everyone: { status: everyone.status, ms: everyone.ms, failed: everyone.body.failed?.length ?? 0 },
      every_device_ms: done === 'all' ? allMs : null,
      devices_reached: got,
      arrival,
    };
  } finally {
    await server.stop();
  }
  const r = result as any;
  const meta = { command: commandLine('bench:notify'), when: new Date().toISOString(), machine: machine() };
  const md = `## Presence and notifications through user actors: ${int(online)} connected users, ${int(offline)} offline

\`${meta.command}\` — ${meta.when}, ${meta.machine}

${table(
  ['round trip (one in flight per connection, ' + seconds + ' s)', 'answered/s', 'p50 ms', 'p99 ms', 'errors', '÷ raw uWS echo'],
  [
    ['`presence` (user actor ask + fenced save)', int(r.presence.per_s), r.presence.rtt.p50_ms, r.presence.rtt.p99_ms, int(r.presence.errors), r.uws_echo ? fixed(r.presence.per_s / r.uws_echo.per_s, 2) : '–'],
    ['`ping` (gateway only)', int(r.ping.per_s), r.ping.rtt.p50_ms, r.ping.rtt.p99_ms, int(r.ping.errors), r.uws_echo ? fixed(r.ping.per_s / r.uws_echo.per_s, 2) : '–'],
    ...(r.uws_echo ? [['raw uWebSockets.js echo', int(r.uws_echo.per_s), r.uws_echo.rtt.p50_ms, r.uws_echo.rtt.p99_ms, '0', '1.00']] : []),
  ],
)}

${table(
  ['notifications', 'measured'],
  [
    ['POST to ' + int(offline) + ' offline users: answered in', `${int(r.post_offline_ms)} ms`],
    ['queue memory per offline user (server RSS after − before ÷ users), 2 s after the POST', `${fixed(r.queue_bytes_per_offline_user / 1024, 2)} KB`],
    [`… after ${r.settle_s} s (their user actors passivated; RSS is noisy: the connected users' actors passivated too)`, `${fixed(r.queue_bytes_per_offline_user_settled / 1024, 2)} KB`],
    ['steady queue memory per offline user, one notification (heap after a full GC, in-process node, actors passivated)', r.queue_heap_bytes_per_offline_user_steady === null ? 'not measured (no --expose-gc)' : `${fixed(r.queue_heap_bytes_per_offline_user_steady / 1024, 2)} KB`],
    ['POST to all ' + int(online + offline) + ' (half offline): answered in', `${int(r.post_everyone.ms)} ms (status ${r.post_everyone.status}, ${r.post_everyone.failed} failed)`],
    ['… until every connected device had it', r.every_device_ms === null ? `NOT within 60 s (${int(r.devices_reached)} of ${int(online)})` : `${int(r.every_device_ms)} ms`],
    ['arrival after the POST, p50 / p99 / max', `${r.arrival.p50_ms} / ${r.arrival.p99_ms} / ${r.arrival.max_ms} ms`],
    ['server RSS per connected signed-in user (2 s after connecting)', `${fixed(r.rss_per_connected_user_bytes / 1024, 2)} KB`],
  ],
)}
`;
  const paths = writeResults('notify', { ...meta, ...result }, md);
  process.stdout.write(md);
  progress('notify', `wrote ${paths.json}, ${paths.latestMd}`);
}

runBench('notify', USAGE, main);
