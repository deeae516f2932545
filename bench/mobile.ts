// Mobile networks (PROTOCOL.md §6), one haat node in its own process:
//  1. --clients connections on one sale channel whose prices change --rate
//     times a second (over --products products, a high event every 50th):
//     first as normal connections (net=4g, uWS topics), then in lean mode
//     (net=3g, then net=2g: deflate and conflation). Server CPU per
//     subscriber-event and per frame delivered, bytes per connection per
//     second on the wire, and how long after the last change each client had
//     the latest price. Normal mode is the baseline, in the same run.
//  2. Whether delta encoding pays on top of conflation and deflate: the frames
//     a lean connection received, deflated with a shared window (what
//     permessage-deflate does), against the same frames sent as a difference
//     from the previous one (common prefix and suffix kept, as Fossil-style
//     deltas do for small changes), deflated the same way.
//  3. The 2G phone (root only): the scenario of src/network/mobile-2g.test.ts
//     for --phone-seconds: a net=2g phone in a namespace behind 50 kbit/s tbf
//     and 250 ms each way, against a 4g loopback connection.
//   npm run bench:mobile -- --clients=5000 --rate=100 --seconds=10
import type net from 'node:net';
import { createInterface } from 'node:readline';
import { constants as zc, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { benchFlags, intFlag, runBench } from './lib/args.ts';
import { sleep } from './lib/clock.ts';
import { LatencyRecorder, summarize, type LatencySummary } from './lib/histogram.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { cpuMicros } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { BENCH_JWT_SECRET, commandLine, deadline, machine, startHaat } from './lib/sessions.ts';
import type { ServerProcess } from './lib/server-process.ts';
import { createShapedNamespace } from '../src/testkit/netns.ts';

const FLAGS = ['clients', 'rate', 'products', 'seconds', 'phone-seconds', 'help'];
const USAGE = `usage: npm run bench:mobile -- [flags]
  --clients=5000      connections per mode (normal, 3g, 2g)
  --rate=100          price changes per second on the channel
  --products=10       products whose prices change (conflation keys)
  --seconds=10        publishing time per mode
  --phone-seconds=20  the 2G phone scenario (root only; 0 skips it)`;

const CHANNEL = 'sale:mobile-bench';
const key = new TextEncoder().encode(BENCH_JWT_SECRET);
const jwt = (sub: string, roles: string[]): Promise<string> => new SignJWT({ roles }).setSubject(sub).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(key);

interface Client {
  ws: WebSocket;
  socket: net.Socket | undefined;
  frames: number;
  lastPrice: Map<string, number>;
  /** When the final price (of the run) arrived. */
  gotFinalAt: number | undefined;
  /** Frames kept for the delta measurement (client 0 only). */
  keep: string[] | undefined;
}

async function connect(url: string, n: number, deflate: boolean): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i += 500) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(500, n - i) }, () => {
          const ws = new WebSocket(url, { perMessageDeflate: deflate });
          const c: Client = { ws, socket: undefined, frames: 0, lastPrice: new Map(), gotFinalAt: undefined, keep: undefined };
          ws.once('upgrade', (res) => (c.socket = res.socket as net.Socket));
          return new Promise<Client>((resolve, reject) => {
            ws.once('error', reject);
            ws.on('message', (data) => {
              const text = data.toString();
              // Events are counted, not parsed (5,000 clients in this one process): only the final price's is read.
              if (text.startsWith('{"type":"event"')) {
                c.frames++;
                c.keep?.push(text);
                if (!text.includes('"product_id":"p0"')) return;
              }
              const f = JSON.parse(text) as { type: string; ref?: number; data?: { product_id?: string; new_price?: number } };
              if (f.type === 'authenticated') ws.send(JSON.stringify({ type: 'join_channel', channels: [CHANNEL], ref: 1 }));
              else if (f.type === 'channels_joined') resolve(c);
              else if (f.type === 'event' && f.data?.product_id !== undefined && f.data.new_price !== undefined) c.lastPrice.set(f.data.product_id, f.data.new_price);
            });
          });
        }),
      )),
    );
  }
  return out;
}

const bytesRead = (cs: Client[]): number => cs.reduce((n, c) => n + (c.socket?.bytesRead ?? 0), 0);

interface ModeResult {
  mode: string;
  clients: number;
  events: number;
  frames: number;
  cpu_ms: number;
  cpu_us_per_subscriber_event: number;
  cpu_us_per_frame: number;
  bytes_per_conn_per_s: number;
  frames_per_conn_per_s: number;
  latest_price: LatencySummary;
  reached: number;
}

/** Publishes `rate`/s for `seconds` (price changes over `products`, a high event every 50th); the final change is p0 = -1. */
async function publish(pub: WebSocket, rate: number, products: number, seconds: number): Promise<{ events: number; lastAt: number }> {
  let i = 0;
  const total = rate * seconds;
  const perTick = Math.max(1, Math.round(rate / 100));
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      for (let k = 0; k < perTick && i < total; k++) {
        i++;
        const final = i === total;
        const data = final ? { product_id: 'p0', new_price: 1 } : i % 50 === 0 ? undefined : { product_id: `p${i % products}`, new_price: 1000 + i };
        const frame = data
          ? { type: 'broadcast_event', channel: CHANNEL, event_type: 'product_price_change', data }
          : { type: 'broadcast_event', channel: CHANNEL, event_type: 'product_stock_update', priority: 'high', data: { sale_id: 'mobile-bench', sku: 'k1', available: total - i, reserved: i, sold: 0 } };
        pub.send(JSON.stringify(frame));
      }
      if (i >= total) {
        clearInterval(timer);
        resolve({ events: total, lastAt: performance.now() });
      }
    }, 10);
  });
}

async function runMode(server: ServerProcess, pub: WebSocket, mode: 'normal' | '3g' | '2g', n: number, rate: number, products: number, seconds: number): Promise<{ result: ModeResult; kept: string[] }> {
  const net = mode === 'normal' ? '4g' : mode;
  const clients = await connect(`ws://127.0.0.1:${server.port}/ws?net=${net}`, n, mode !== 'normal');
  clients[0]!.keep = [];
  progress('mobile', `${mode}: ${int(n)} connections joined ${CHANNEL}`);
  await publish(pub, rate, products, 1); // warm-up
  await sleep(2500);
  for (const c of clients) {
    c.frames = 0;
    c.gotFinalAt = undefined;
    c.lastPrice.clear();
  }
  clients[0]!.keep = [];
  const cpu0 = cpuMicros(server.pid);
  const bytes0 = bytesRead(clients);
  // The final change: every client's arrival of it is timed.
  const rec = new LatencyRecorder();
  let reached = 0;
  let lastAt = 0;
  const all = new Promise<void>((resolve) => {
    for (const c of clients) {
      c.ws.on('message', () => {
        if (c.gotFinalAt !== undefined || c.lastPrice.get('p0') !== 1 || lastAt === 0) return;
        c.gotFinalAt = performance.now();
        rec.record((c.gotFinalAt - lastAt) * 1000);
        if (++reached === clients.length) resolve();
      });
    }
  });
  const pubbed = await publish(pub, rate, products, seconds);
  lastAt = pubbed.lastAt;
  await Promise.race([all, sleep(15_000)]);
  if (reached < clients.length) progress('mobile', `${mode}: ${clients.length - reached} clients had not got the final price 15 s after it; ${clients.filter((c) => c.lastPrice.get('p0') === 1).length} hold it now; last p0 seen by client 0: ${clients[0]!.lastPrice.get('p0')}`);
  const cpu = cpuMicros(server.pid) - cpu0;
  const bytes = bytesRead(clients) - bytes0;
  const frames = clients.reduce((s, c) => s + c.frames, 0);
  const kept = clients[0]!.keep ?? [];
  for (const c of clients) c.ws.terminate();
  await sleep(1500);
  const result: ModeResult = {
    mode,
    clients: n,
    events: pubbed.events,
    frames,
    cpu_ms: cpu / 1000,
    cpu_us_per_subscriber_event: cpu / (pubbed.events * n),
    cpu_us_per_frame: frames > 0 ? cpu / frames : 0,
    // Per second of publishing: what the server sends while prices change (a client that lags does not dilute it).
    bytes_per_conn_per_s: bytes / n / seconds,
    frames_per_conn_per_s: frames / n / seconds,
    latest_price: summarize(rec.histogram()),
    reached,
  };
  progress('mobile', `${mode}: ${int(frames)} frames, server CPU ${fixed(result.cpu_ms, 0)} ms (${fixed(result.cpu_us_per_subscriber_event, 3)} µs per subscriber-event, ${fixed(result.cpu_us_per_frame, 2)} µs per frame), ${int(result.bytes_per_conn_per_s)} B/conn/s, latest price p50/p99 ${result.latest_price.p50_ms}/${result.latest_price.p99_ms} ms (${reached}/${n})`);
  return { result, kept };
}

/** Sizes of `messages` deflated one by one with a shared window and a sync flush each: what permessage-deflate with context takeover sends. */
async function deflatedSizes(messages: readonly string[]): Promise<number> {
  const z: DeflateRaw = createDeflateRaw({ windowBits: 12, memLevel: 8 });
  let total = 0;
  z.on('data', (b: Buffer) => (total += b.length));
  for (const m of messages) {
    z.write(m);
    await new Promise<void>((resolve) => z.flush(zc.Z_SYNC_FLUSH, () => resolve()));
  }
  z.end();
  return total;
}

/** Each frame as the difference from the previous one: common prefix and suffix lengths, and what is between. */
function deltas(frames: readonly string[]): string[] {
  return frames.map((f, i) => {
    if (i === 0) return f;
    const prev = frames[i - 1]!;
    let p = 0;
    while (p < f.length && p < prev.length && f[p] === prev[p]) p++;
    let s = 0;
    while (s < f.length - p && s < prev.length - p && f[f.length - 1 - s] === prev[prev.length - 1 - s]) s++;
    return JSON.stringify([p, s, f.slice(p, f.length - s)]);
  });
}

async function deltaStudy(frames: readonly string[]): Promise<Record<string, number>> {
  const d = deltas(frames);
  const raw = frames.reduce((n, f) => n + Buffer.byteLength(f), 0);
  const rawDelta = d.reduce((n, f) => n + Buffer.byteLength(f), 0);
  const deflated = await deflatedSizes(frames);
  const deflatedDelta = await deflatedSizes(d);
  return { frames: frames.length, raw, raw_delta: rawDelta, deflated, deflated_delta: deflatedDelta, saving_over_deflate: deflated > 0 ? 1 - deflatedDelta / deflated : 0 };
}

interface PhoneLine {
  kind: string;
  t?: number;
  data?: { new_price?: number };
  bytes?: number;
}

async function phoneScenario(seconds: number): Promise<Record<string, unknown> | { skipped: string }> {
  if (seconds <= 0) return { skipped: '--phone-seconds=0' };
  let space;
  try {
    space = createShapedNamespace({ rateKbit: 50 });
  } catch (err) {
    return { skipped: (err as Error).message };
  }
  // config/default.json listens on 0.0.0.0: the namespace reaches it at the link's host address.
  const server = await startHaat();
  try {
    const args = { target: `${space.hostIp}:${server.port}`, delayMs: 250, channel: CHANNEL, clients: [{ name: 'phone', query: { net: '2g' } }] };
    const child = space.spawn(process.execPath, ['--import', 'tsx', 'src/testkit/mobile-client.ts', JSON.stringify(args)]);
    const lines: PhoneLine[] = [];
    let onLine: ((l: PhoneLine) => void) | undefined;
    createInterface({ input: child.stdout! }).on('line', (t) => {
      const l = JSON.parse(t) as PhoneLine;
      lines.push(l);
      onLine?.(l);
    });
    const until = (m: (l: PhoneLine) => boolean): Promise<PhoneLine> =>
      new Promise((resolve) => {
        const seen = lines.find(m);
        if (seen) return resolve(seen);
        onLine = (l) => m(l) && resolve(l);
      });
    await until((l) => l.kind === 'joined');
    const [fast] = await connect(`ws://127.0.0.1:${server.port}/ws?net=4g`, 1, false);
    const pub = await publisher(server);
    const fast0 = fast!.socket?.bytesRead ?? 0;
    const t0 = Date.now();
    const { events } = await publish(pub, 100, 10, seconds);
    const lastAt = Date.now();
    const got = await Promise.race([until((l) => l.kind === 'event' && l.data?.new_price === 1), sleep(10_000).then(() => undefined)]);
    const elapsed = (Date.now() - t0) / 1000;
    child.stdin!.write('stop\n');
    const bytes = (await until((l) => l.kind === 'bytes')).bytes ?? 0;
    const fastBytes = (fast!.socket?.bytesRead ?? 0) - fast0;
    fast!.ws.terminate();
    pub.terminate();
    child.kill('SIGKILL');
    const out = { seconds, events, phone_events: lines.filter((l) => l.kind === 'event').length, phone_bytes: bytes, phone_bytes_per_s: bytes / elapsed, loopback_4g_bytes: fastBytes, loopback_4g_bytes_per_s: fastBytes / elapsed, fewer_bytes_x: bytes > 0 ? fastBytes / bytes : null, latest_price_ms: got?.t === undefined ? null : got.t - lastAt };
    progress('mobile', `2G phone: ${int(out.phone_events)} events, ${int(out.phone_bytes_per_s)} B/s vs 4g ${int(out.loopback_4g_bytes_per_s)} B/s (${fixed(out.fewer_bytes_x ?? 0, 1)}x fewer), latest price after ${out.latest_price_ms} ms`);
    return out;
  } finally {
    await server.stop();
    space.remove();
  }
}

async function publisher(server: ServerProcess): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${await jwt('bench-publisher', ['publisher'])}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (d) => {
      if ((JSON.parse(d.toString()) as { type: string }).type === 'authenticated') resolve();
    });
  });
  return ws;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const n = Math.max(1, intFlag(flags, 'clients', 5000));
  const rate = Math.max(1, intFlag(flags, 'rate', 100));
  const products = Math.max(1, intFlag(flags, 'products', 10));
  const seconds = Math.max(1, intFlag(flags, 'seconds', 10));
  const phoneSeconds = Math.max(0, intFlag(flags, 'phone-seconds', 20));
  deadline('mobile', 60 * 10);
  const server = await startHaat();
  const modes: ModeResult[] = [];
  let kept: string[] = [];
  try {
    const pub = await publisher(server);
    for (const mode of ['normal', '3g', '2g'] as const) {
      const r = await runMode(server, pub, mode, n, rate, products, seconds);
      modes.push(r.result);
      if (mode === '2g') kept = r.kept;
    }
    pub.terminate();
  } finally {
    await server.stop();
  }
  const delta = await deltaStudy(kept);
  progress('mobile', `delta on top of deflate for a 2g connection's ${int(delta.frames)} frames: ${int(delta.deflated)} → ${int(delta.deflated_delta)} bytes (${fixed((delta.saving_over_deflate ?? 0) * 100, 1)}% saved)`);
  const phone = await phoneScenario(phoneSeconds);
  const normal = modes[0]!;
  const meta = { command: commandLine('bench:mobile'), when: new Date().toISOString(), machine: machine() };
  const md = `## Lean mode: ${int(n)} connections per mode, ${int(rate)} price changes/s over ${products} products, ${seconds} s

\`${meta.command}\` — ${meta.when}, ${meta.machine}

The latest price's time includes this bench process's own lag: at thousands of lean connections one process inflating every frame falls seconds behind (run \`--clients=1000\` to see the server's side of it). Server CPU and bytes are measured at the server and on the wire.

${table(
  ['mode', 'frames/conn/s', 'bytes/conn/s', 'server CPU µs per subscriber-event', '÷ normal', 'CPU µs per frame sent', 'latest price p50 / p99 ms', 'had it'],
  modes.map((m) => [m.mode, fixed(m.frames_per_conn_per_s, 2), int(m.bytes_per_conn_per_s), fixed(m.cpu_us_per_subscriber_event, 3), fixed(m.cpu_us_per_subscriber_event / normal.cpu_us_per_subscriber_event, 2), fixed(m.cpu_us_per_frame, 2), `${m.latest_price.p50_ms} / ${m.latest_price.p99_ms}`, `${m.reached}/${m.clients}`]),
)}

Delta encoding on top of conflation and deflate (one 2g connection's ${int(delta.frames)} frames): raw ${int(delta.raw)} B, deflated ${int(delta.deflated)} B; as deltas ${int(delta.raw_delta)} B raw, ${int(delta.deflated_delta)} B deflated: ${fixed((delta.saving_over_deflate ?? 0) * 100, 1)}% saved over deflate alone.

${'skipped' in phone ? `2G phone scenario skipped: ${phone.skipped}` : table(['2G phone (50 kbit/s, +250 ms each way), ' + phoneSeconds + ' s', 'measured'], [
  ['events published', int(phone.events as number)],
  ['events the phone got', int(phone.phone_events as number)],
  ['phone bytes/s', int(phone.phone_bytes_per_s as number)],
  ['4g loopback bytes/s', int(phone.loopback_4g_bytes_per_s as number)],
  ['fewer bytes', `${fixed(phone.fewer_bytes_x as number, 1)}x`],
  ['latest price after the last change', `${phone.latest_price_ms} ms`],
])}
`;
  const files = writeResults('mobile', { meta, clients: n, rate, products, seconds, modes, delta, phone }, md);
  progress('mobile', `wrote ${files.latestMd}`);
  process.stdout.write(md);
}

runBench('bench:mobile', USAGE, main);
