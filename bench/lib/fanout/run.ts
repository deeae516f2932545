// One fan-out measurement: a target server, N subscribers on one channel, a
// full-speed phase and a fixed-rate phase at a fraction of its peak.
import { nowMs, sleep } from '../clock.ts';
import { summarize } from '../histogram.ts';
import { sourceAddresses } from '../loadgen/addresses.ts';
import { ClientPool } from '../loadgen/pool.ts';
import { cpuMicros, machineCpu, rssBytes } from '../proc-stats.ts';
import { progress, throttled } from '../progress.ts';
import { driveFixedRate, driveWindowed, type DriveContext, type Driver } from '../publish-driver.ts';
import { Publisher } from '../publisher.ts';
import type { ServerProcess } from '../server-process.ts';
import type { Target } from '../targets.ts';
import { TimeoutError, waitUntil } from '../wait.ts';
import type { FanoutResult, PhaseResult } from './types.ts';

export const CHANNEL = 'product:bench';
const HOST = '127.0.0.1';

export interface FanoutOptions {
  seconds: number;
  warmupSeconds: number;
  workers: number;
  maxPending: number;
  perAddress: number;
  publishers: number;
  /** Publishes in flight at full speed (see DEFAULT_WINDOW). */
  window: number;
  rateFraction: number;
  drainTimeoutMs: number;
}

/**
 * Publishes in flight at full speed. Measured here: deliveries/s rise with
 * the window (more publishes per write and per read) until about 64 in
 * flight (~12 KB per subscriber socket), where socket buffers fill and the
 * server's cost per delivery jumps several-fold; 32 (refilled at 16) stays
 * clear of that at every N.
 */
export const DEFAULT_WINDOW = 32;

/** Servers under test once started: one process, or a cluster (nodes plus Redis). */
export interface RunningServers {
  /** Subscriber i connects to ports[i % ports.length]. */
  ports: number[];
  /** Where the publisher connects. */
  publisherPort: number;
  /** CPU time (user + system, all threads) of every process serving, in µs. */
  cpuMicros(): number;
  /** RSS of every process serving, in bytes. */
  rssBytes(): number;
  /** Throws if a process serving has exited. */
  alive(): void;
  stop(): Promise<void>;
}

export interface Deployment {
  name: string;
  label: string;
  protocol: string;
  start(): Promise<RunningServers>;
  publisherToken(): Promise<string | undefined>;
}

/** A Target as a deployment of one server process. */
export function singleServer(target: Target): Deployment {
  return {
    name: target.name,
    label: target.label,
    protocol: target.protocol,
    publisherToken: () => target.publisherToken(),
    async start() {
      const server: ServerProcess = await target.start();
      let ended: string | undefined;
      void server.exited.then((how) => (ended = how));
      return {
        ports: [server.port],
        publisherPort: server.port,
        cpuMicros: () => cpuMicros(server.pid),
        rssBytes: () => rssBytes(server.pid),
        alive: () => {
          if (ended !== undefined) throw new Error(`server exited (${ended}); output: ${server.outputTail().trim().slice(-500)}`);
        },
        stop: () => server.stop(),
      };
    },
  };
}

export function runFanout(target: Target, n: number, opts: FanoutOptions): Promise<FanoutResult> {
  return runFanoutOn(singleServer(target), n, opts);
}

export async function runFanoutOn(target: Deployment, n: number, opts: FanoutOptions, tagPrefix = 'fanout'): Promise<FanoutResult> {
  const tag = `${target.name} N=${n}`;
  const result: FanoutResult = { target: target.name, label: target.label, n, ok: false };
  let servers: RunningServers | undefined;
  let pool: ClientPool | undefined;
  let publisher: Publisher | undefined;
  try {
    progress(tagPrefix, `${tag} starting server(s)`);
    servers = await target.start();
    const live = servers;
    const alive = (): void => live.alive();
    await sleep(500);
    result.rss_before_bytes = live.rssBytes();

    const addresses = sourceAddresses(n, opts.perAddress);
    result.source_addresses = addresses.length;
    pool = new ClientPool({ protocol: target.protocol, host: HOST, port: live.ports[0]!, ports: live.ports, channel: CHANNEL, connections: n, addresses, workers: opts.workers, maxPending: opts.maxPending });
    const connectStart = Date.now();
    pool.start();
    const livePool = pool;
    const report = throttled(1000, () => {
      const t = livePool.totals();
      progress(tagPrefix, `${tag} connecting ${t.joined}/${n}${t.failed ? ` (${t.failed} failed: ${t.lastError})` : ''}`);
    });
    await waitUntil(() => livePool.totals().settled >= n, 30_000 + n * 10, {
      what: `${n} subscriptions`,
      everyMs: 50,
      onTick: () => {
        alive();
        report();
      },
    });
    const joined = pool.totals();
    result.connect_s = (Date.now() - connectStart) / 1000;
    progress(tagPrefix, `${tag} connected ${joined.joined}/${n} in ${result.connect_s.toFixed(1)} s over ${addresses.length} source address(es) and ${live.ports.length} server(s)`);
    if (joined.joined < n) throw new Error(`only ${joined.joined} of ${n} subscribed; ${joined.failed} failed, last error: ${joined.lastError}`);

    await sleep(1000); // let allocations of the ramp-up settle before reading RSS
    result.rss_after_bytes = live.rssBytes();
    result.rss_bytes_per_connection = (result.rss_after_bytes - result.rss_before_bytes) / n;

    publisher = await Publisher.open({ protocol: target.protocol, host: HOST, port: live.publisherPort, channel: CHANNEL, connections: opts.publishers, token: await target.publisherToken(), localAddress: HOST });
    const ctx: DriveContext = { publisher, pool, subscribers: () => livePool.totals().joined - livePool.totals().dropped, missing: 0 };
    const window = Math.max(1, opts.window);
    const serverCpu = (): number => live.cpuMicros();

    progress(tagPrefix, `${tag} full speed (window ${window} publishes) ${opts.seconds} s`);
    result.full = await measure(tag, 'full-speed', ctx, serverCpu, alive, opts, () => driveWindowed(ctx, window), tagPrefix);
    const rate = result.full.publishes_per_s * opts.rateFraction;
    progress(tagPrefix, `${tag} fixed rate ${rate.toFixed(1)} publishes/s (${opts.rateFraction} of peak) ${opts.seconds} s`);
    result.fixed = await measure(tag, 'fixed-rate', ctx, serverCpu, alive, opts, () => driveFixedRate(ctx, rate), tagPrefix);
    result.fixed.target_publishes_per_s = rate;
    result.frame_bytes = pool.totals().frameBytes;
    result.ok = true;
  } catch (err) {
    result.error = (err as Error).message;
    progress(tagPrefix, `${tag} FAILED: ${result.error}`);
  } finally {
    publisher?.close();
    await pool?.close().catch((err: unknown) => progress(tagPrefix, `${tag} closing clients: ${(err as Error).message}`));
    await servers?.stop();
  }
  return result;
}

/**
 * Runs one phase: warm-up, a measured interval, then a bounded drain.
 * `serverCpu` is the servers' CPU time in µs (one process, or a cluster's nodes plus Redis).
 */
export async function measure(tag: string, mode: PhaseResult['mode'], ctx: DriveContext, serverCpu: () => number, alive: () => void, opts: FanoutOptions, drive: () => Driver, tagPrefix = 'fanout'): Promise<PhaseResult> {
  const { pool, publisher } = ctx;
  const rejectedBefore = publisher.rejected;
  const driver = drive();
  await sleep(opts.warmupSeconds * 1000);
  await pool.reset();
  const start = { t: nowMs(), delivered: pool.totals().delivered, published: publisher.published, server: serverCpu(), client: process.cpuUsage(), machine: machineCpu() };
  let last = { t: start.t, delivered: start.delivered };
  for (let s = 1; s <= opts.seconds && !driver.stalled(); s++) {
    await sleep(1000);
    alive();
    const now = { t: nowMs(), delivered: pool.totals().delivered };
    const rate = (now.delivered - last.delivered) / ((now.t - last.t) / 1000);
    last = now;
    progress(tagPrefix, `${tag} ${mode} ${s}/${opts.seconds} s ${Math.round(rate).toLocaleString('en-US')} deliveries/s in the last second`);
  }
  const end = { t: nowMs(), delivered: pool.totals().delivered, published: publisher.published, server: serverCpu(), client: process.cpuUsage(start.client), machine: machineCpu() };
  driver.stop();

  const expected = (): number => publisher.published * ctx.subscribers() - ctx.missing;
  let missing = 0;
  try {
    await waitUntil(() => pool.totals().delivered >= expected(), opts.drainTimeoutMs, { what: 'drain', onTick: alive });
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    missing = expected() - pool.totals().delivered;
    ctx.missing += missing;
    progress(tagPrefix, `${tag} ${mode}: ${missing} deliveries still missing after ${opts.drainTimeoutMs} ms`);
  }
  const { histogram } = await pool.collect();

  const seconds = (end.t - start.t) / 1000;
  const deliveries = end.delivered - start.delivered;
  const clientMicros = end.client.user + end.client.system;
  const cores = (micros: number): number => micros / (seconds * 1e6);
  const machine = cores(end.machine.busyMicros - start.machine.busyMicros);
  const softirq = cores(end.machine.softirqMicros - start.machine.softirqMicros);
  return {
    mode,
    measured_s: seconds,
    publishes_per_s: (end.published - start.published) / seconds,
    deliveries_per_s: deliveries / seconds,
    latency: summarize(histogram),
    server_cpu_us_per_delivery: (end.server - start.server) / deliveries,
    server_cores: cores(end.server - start.server),
    client_cpu_us_per_delivery: clientMicros / deliveries,
    client_cores: cores(clientMicros),
    machine_cores: machine,
    softirq_cores: softirq,
    // Tick-based accounting here: softirq ticks that hit a process count in its stime too, so softirq is not subtracted.
    other_cores: machine - cores(end.server - start.server) - cores(clientMicros),
    missing_deliveries: missing,
    publish_rejections: publisher.rejected - rejectedBefore,
    stalled: driver.stalled(),
  };
}
