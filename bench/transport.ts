// How events reach interested nodes over Redis (issue: "sharded pub/sub or
// per-node streams: choose by measurement"). The same events, appended to a
// channel stream by one Lua script, reach K reading "nodes" either
//   - pubsub:  the script SPUBLISHes once to the channel's topic; each node
//              holds an SSUBSCRIBE on it (what haat does), or
//   - streams: the script XADDs the event to each interested node's stream;
//              each node reads its stream with XREADGROUP BLOCK and acks
//              (XACK) what it read.
// Reported: events/s delivered to every node, and CPU µs per event of the
// redis-server and of this process (the publisher and the K readers).
//   npm run bench:transport -- --events=20000 --nodes=3 --window=64
import { Redis } from 'ioredis';
import { cpuMicros } from './lib/proc-stats.ts';
import { benchFlags, intFlag, runBench } from './lib/args.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { startRedis } from './lib/cluster/redis-process.ts';

const FLAGS = ['events', 'nodes', 'window', 'rounds', 'help'];
const USAGE = `usage: npm run bench:transport -- [flags]
  --events=20000   events per transport and round
  --nodes=3        interested nodes (readers)
  --window=64      appends in flight
  --rounds=3       rounds; each runs both transports, alternating which goes first`;

// Both scripts append to the channel's stream first (as haat's append does), then deliver.
const APPEND_PUBLISH = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', 100, '*', 'f', ARGV[1])
redis.call('SPUBLISH', KEYS[2], ARGV[1])
return 1`;
// Per-node streams: KEYS[2..] are the interested nodes' streams (one slot here; on a Redis Cluster they could not share a script).
const APPEND_FANOUT = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', 100, '*', 'f', ARGV[1])
for i = 2, #KEYS do redis.call('XADD', KEYS[i], 'MAXLEN', '~', 10000, '*', 'f', ARGV[1]) end
return 1`;

interface Result {
  transport: 'pubsub' | 'streams';
  round: number;
  events: number;
  nodes: number;
  seconds: number;
  eventsPerSecond: number;
  redisMicrosPerEvent: number;
  clientMicrosPerEvent: number;
  totalMicrosPerEvent: number;
}

type Client = Redis & { appendPublish(...a: string[]): Promise<number>; appendFanout(...a: (string | number)[]): Promise<number> };

async function publishAll(pub: Client, events: number, window: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < events) await one(next++);
  };
  await Promise.all(Array.from({ length: window }, lane));
}

async function runOnce(transport: Result['transport'], round: number, url: string, redisPid: number, events: number, nodes: number, window: number): Promise<Result> {
  const pub = new Redis(url, { enableAutoPipelining: true }) as Client;
  pub.defineCommand('appendPublish', { numberOfKeys: 2, lua: APPEND_PUBLISH });
  pub.defineCommand('appendFanout', { numberOfKeys: 1 + nodes, lua: APPEND_FANOUT });
  const tag = `{t${round}${transport}}`;
  const stream = `${tag}:s`;
  const topic = `${tag}:topic`;
  const nodeStreams = Array.from({ length: nodes }, (_, i) => `${tag}:mb${i}`);
  const readers: Redis[] = [];
  const received = new Array<number>(nodes).fill(0);
  let stopReading = false;
  const allIn = (): boolean => received.every((n) => n >= events);
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const loops: Promise<void>[] = [];
  for (let i = 0; i < nodes; i++) {
    const r = new Redis(url);
    readers.push(r);
    if (transport === 'pubsub') {
      r.on('smessage', () => {
        received[i]!++;
        if (allIn()) resolveDone();
      });
      await r.ssubscribe(topic);
    } else {
      const acker = new Redis(url, { enableAutoPipelining: true });
      readers.push(acker);
      await acker.xgroup('CREATE', nodeStreams[i]!, 'g', '$', 'MKSTREAM');
      loops.push(
        (async () => {
          while (!stopReading) {
            const res = (await r.xreadgroup('GROUP', 'g', `n${i}`, 'COUNT', 512, 'BLOCK', 200, 'STREAMS', nodeStreams[i]!, '>')) as [string, [string, string[]][]][] | null;
            if (!res) continue;
            const ids = res[0]![1].map((e) => e[0]);
            received[i]! += ids.length;
            await acker.xack(nodeStreams[i]!, 'g', ...ids);
            if (allIn()) resolveDone();
          }
        })(),
      );
    }
  }
  const payload = JSON.stringify({ type: 'event', channel: 'product:p1', epoch: 'e1', offset: 1, data: { product_id: 'p1', new_price: 1350.1 }, ts: '2026-12-06T08:00:00.000+06:00' });
  const cpu0 = process.cpuUsage();
  const redis0 = cpuMicros(redisPid);
  const t0 = performance.now();
  await publishAll(pub, events, window, (i) => (transport === 'pubsub' ? pub.appendPublish(stream, topic, `${payload}${i}`) : pub.appendFanout(stream, ...nodeStreams, `${payload}${i}`)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${transport}: only ${received.join(', ')} of ${events} arrived within 30 s`)), 30_000)))]);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redisMicros = cpuMicros(redisPid) - redis0;
  stopReading = true;
  await Promise.all(loops);
  for (const r of readers) r.disconnect();
  pub.disconnect();
  const clientMicros = cpu.user + cpu.system;
  return {
    transport,
    round,
    events,
    nodes,
    seconds,
    eventsPerSecond: events / seconds,
    redisMicrosPerEvent: redisMicros / events,
    clientMicrosPerEvent: clientMicros / events,
    totalMicrosPerEvent: (redisMicros + clientMicros) / events,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const events = intFlag(flags, 'events', 20_000);
  const nodes = Math.max(1, intFlag(flags, 'nodes', 3));
  const window = Math.max(1, intFlag(flags, 'window', 64));
  const rounds = Math.max(1, intFlag(flags, 'rounds', 3));
  setTimeout(() => {
    progress('transport', 'deadline of 300 s passed; stopping');
    process.exit(2);
  }, 300_000).unref();
  const redis = await startRedis();
  const results: Result[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const order: Result['transport'][] = round % 2 === 1 ? ['pubsub', 'streams'] : ['streams', 'pubsub'];
      for (const t of order) {
        const r = await runOnce(t, round, redis.url, redis.pid, events, nodes, window);
        results.push(r);
        progress('transport', `round ${round} ${t}: ${Math.round(r.eventsPerSecond)} events/s to ${nodes} nodes; µs/event redis ${r.redisMicrosPerEvent.toFixed(1)}, client ${r.clientMicrosPerEvent.toFixed(1)}`);
      }
    }
  } finally {
    await redis.stop();
  }
  const med = (t: Result['transport'], f: (r: Result) => number): number => median(results.filter((r) => r.transport === t).map(f));
  const rows = (['pubsub', 'streams'] as const).map((t) => ({
    t,
    eps: med(t, (r) => r.eventsPerSecond),
    redis: med(t, (r) => r.redisMicrosPerEvent),
    client: med(t, (r) => r.clientMicrosPerEvent),
    total: med(t, (r) => r.totalMicrosPerEvent),
  }));
  const [ps, st] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const md = [
    `## Transport to interested nodes`,
    '',
    `\`npm run bench:transport -- --events=${events} --nodes=${nodes} --window=${window} --rounds=${rounds}\` — ${new Date().toISOString()}; medians of ${rounds} rounds`,
    '',
    '| transport | events/s to every node | redis µs / event | client µs / event (publisher + readers) | total µs / event |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.t === 'pubsub' ? 'sharded pub/sub (SPUBLISH)' : 'per-node streams (XADD + XREADGROUP + XACK)'} | ${Math.round(r.eps).toLocaleString('en')} | ${r.redis.toFixed(1)} | ${r.client.toFixed(1)} | ${r.total.toFixed(1)} |`),
    '',
    `Per-node streams ÷ pub/sub: ${(st.total / ps.total).toFixed(2)}x the CPU per event, ${(st.eps / ps.eps).toFixed(2)}x the events/s.`,
    '',
  ].join('\n');
  const written = writeResults('transport', { events, nodes, window, rounds, results }, md);
  process.stdout.write(`\n${md}\n`);
  progress('transport', `wrote ${written.json}, ${written.latestMd}`);
}

runBench('bench:transport', USAGE, main);
