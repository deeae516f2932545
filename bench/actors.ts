// npm run bench:actors — messages/s through `send` to 10,000 actors over the
// host threads, then `ask` round trips at a fixed rate (p50/p99).
// Flags: --actors=10000 --messages=2000000 --rate=10000 --seconds=5 --warmup=1 --workers=N
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as hdr from 'hdr-histogram-js';
import { ActorSystem } from '../src/actors/system.ts';
import { loadConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/log/logger.ts';
import { HaatError } from '../src/errors.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const num = (k: string, d: number): number => (args.has(k) ? Number(args.get(k)) : d);
const ACTORS = num('actors', 10_000);
const MESSAGES = num('messages', 2_000_000);
const RATE = num('rate', 10_000);
const SECONDS = num('seconds', 5);
const WARMUP = num('warmup', 1);
const WORKERS = num('workers', Math.max(1, availableParallelism() - 1));
const progress = (s: string): void => void process.stderr.write(`[actors] ${s}\n`);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function sendThroughput(system: ActorSystem, addresses: string[]): Promise<{ msgsPerSec: number; seconds: number; refusedRetries: number }> {
  let refused = 0;
  const t0 = performance.now();
  let i = 0;
  while (i < MESSAGES) {
    try {
      system.send(addresses[i % ACTORS]!, { type: 'hit', n: i });
      i++;
    } catch (err) {
      if (!(err instanceof HaatError) || err.code !== 'unavailable') throw err;
      refused++; // host credit exhausted: back off one turn, as a real sender would
      await tick();
    }
    if (i % 200_000 === 0 && i > 0) progress(`sent ${i}/${MESSAGES}`);
  }
  while (system.queuedMessages() > 0) await tick();
  const counts = await Promise.all(addresses.map((a) => system.ask<number>(a, { type: 'count' }, { timeoutMs: 60_000 })));
  const total = counts.reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - t0) / 1000;
  if (total !== MESSAGES) throw new Error(`lost messages: ${total} of ${MESSAGES} counted`);
  return { msgsPerSec: Math.round((MESSAGES + ACTORS) / seconds), seconds, refusedRetries: refused };
}

async function askLatency(system: ActorSystem, addresses: string[]): Promise<{ rate: number; asks: number; p50: number; p99: number; p999: number; max: number }> {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const perMs = RATE / 1000;
  // The first WARMUP seconds run at the same rate but are not recorded (JIT, first activations' garbage).
  const skip = RATE * WARMUP;
  const total = RATE * (SECONDS + WARMUP);
  let sent = 0;
  let done = 0;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      // Catch up to the schedule: the interval fires late on a busy loop.
      const due = Math.min(total, Math.floor((performance.now() - start) * perMs));
      for (; sent < due; sent++) {
        const t = performance.now();
        const record = sent >= skip;
        system.ask<number>(addresses[sent % ACTORS]!, { type: 'echo', v: sent }).then(
          () => {
            if (record) h.recordValue(Math.round((performance.now() - t) * 1000));
            if (++done === total) resolve();
          },
          reject,
        );
      }
      if (sent >= total) clearInterval(timer);
    }, 1);
  });
  const elapsed = (performance.now() - start) / 1000;
  const ms = (us: number): number => Math.round(us) / 1000;
  return { rate: Math.round(total / elapsed), asks: total - skip, p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), p999: ms(h.getValueAtPercentile(99.9)), max: ms(h.maxValue) };
}

async function main(): Promise<void> {
  const config = loadConfig({ env: {}, overrides: { actors: { workers: WORKERS } } });
  const system = new ActorSystem({ config: config.actors, behaviourModules: [new URL('./actors-behaviours.ts', import.meta.url).href], logger: silentLogger() });
  await system.start();
  const addresses = Array.from({ length: ACTORS }, (_, i) => `benchcounter:a${i}`);
  progress(`${WORKERS} host thread(s), ${ACTORS} actors; activating`);
  await Promise.all(addresses.map((a) => system.ask(a, { type: 'count' })));
  // Latency first: the send phase leaves millions of short-lived objects whose
  // collection would otherwise land in the ask phase's tail.
  progress(`ask: ${RATE}/s for ${SECONDS}s after ${WARMUP}s of warm-up`);
  const ask = await askLatency(system, addresses);
  progress(`ask: p50 ${ask.p50} ms p99 ${ask.p99} ms`);
  progress(`send: ${MESSAGES} messages`);
  const send = await sendThroughput(system, addresses);
  progress(`send: ${send.msgsPerSec} msgs/s`);
  await system.stop();

  const result = { bench: 'actors', date: new Date().toISOString(), node: process.version, cores: availableParallelism(), workers: WORKERS, actors: ACTORS, send, ask, targets: { msgsPerSec: 250_000, askP99Ms: 1 } };
  const md = [
    `| metric | value | target |`,
    `|---|---:|---:|`,
    `| send throughput (${ACTORS} actors, ${WORKERS} host threads) | ${send.msgsPerSec.toLocaleString('en')} msgs/s | ≥ 250,000 |`,
    `| ask round trip at ${ask.rate.toLocaleString('en')}/s, p50 | ${ask.p50} ms | |`,
    `| ask round trip p99 | ${ask.p99} ms | < 1 ms |`,
    `| ask round trip p99.9 / max | ${ask.p999} / ${ask.max} ms | |`,
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(new URL(`./results/actors-${stamp}.json`, import.meta.url), JSON.stringify(result, null, 2));
  writeFileSync(new URL('./results/actors-latest.json', import.meta.url), JSON.stringify(result, null, 2));
  writeFileSync(new URL('./results/actors-latest.md', import.meta.url), `${md}\n`);
  process.stdout.write(`${md}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[actors] failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
