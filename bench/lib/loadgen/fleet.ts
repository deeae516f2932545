// The session load generator, main side: N connections spread over client
// child processes (each holds at most what its open-file limit allows) and,
// inside each, worker threads; connection i binds to source address
// addresses[i % addresses.length]. Counters arrive from every worker every
// progressMs; histograms (ping round trip, request answer) are merged on
// collect().
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeHistogram, mergeEncoded, type Histogram } from '../histogram.ts';
import { openFileLimits } from '../proc-stats.ts';
import { addCounters, emptyCounters, type SessionCommand, type SessionConfig, type SessionCounters, type SessionEvent } from './session-messages.ts';

const CHILD = fileURLToPath(new URL('./client-process.ts', import.meta.url));

/** Descriptors a client process needs beyond its sockets (threads, pipes, epoll, IPC). */
export const CLIENT_FD_MARGIN = 300;

export interface FleetOptions {
  config: SessionConfig;
  connections: number;
  /** Worker threads per client process. */
  workersPerProcess: number;
  /** At most this many connections per client process (further capped by the open-file limit). */
  perProcess?: number;
}

interface Slot {
  child: ChildProcess;
  w: number;
  counters: SessionCounters;
}

type Reply = Extract<SessionEvent, { ev: 'reply' }>;

export class Fleet {
  readonly processes: number;
  private slots: Slot[] = [];
  private children: ChildProcess[] = [];
  private pending = new Map<string, (r: Reply) => void>();
  private nextId = 1;
  private fatal: string | undefined;

  constructor(readonly opts: FleetOptions) {
    this.processes = Fleet.processesFor(opts.connections, opts.perProcess);
  }

  /** Client processes a fleet of `connections` needs: at most `perProcess` each, and what the open-file limit allows. */
  static processesFor(connections: number, perProcess?: number): number {
    const cap = Math.max(1, Math.min(perProcess ?? Number.POSITIVE_INFINITY, Fleet.perProcessCapacity()));
    return Math.max(1, Math.ceil(connections / cap));
  }

  /** A bound on connects in flight for the whole fleet, as the per-thread `maxPending` of its session config. */
  static pendingPerThread(total: number, connections: number, workersPerProcess: number, perProcess?: number): number {
    return Math.max(1, Math.floor(total / (workersPerProcess * Fleet.processesFor(connections, perProcess))));
  }

  /** Sockets one client process may hold under this process's soft open-file limit (children inherit it). */
  static perProcessCapacity(): number {
    return openFileLimits().soft - CLIENT_FD_MARGIN;
  }

  start(): void {
    const { workersPerProcess: W, connections: N, config } = this.opts;
    const S = this.processes * W;
    for (let p = 0; p < this.processes; p++) {
      // BENCH_CLIENT_ARGS: node flags for the client processes (e.g. --cpu-prof --cpu-prof-dir=DIR), as BENCH_NODE_ARGS for the servers.
      const execArgv = [...(process.env.BENCH_CLIENT_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx'];
      const child = fork(CHILD, [String(W)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.children.push(child);
      child.on('exit', (code, signal) => {
        if (code !== 0 && code !== null) this.fatal ??= `client process ${p} exited with code ${code}`;
        if (signal && signal !== 'SIGKILL' && signal !== 'SIGTERM') this.fatal ??= `client process ${p} killed by ${signal}`;
      });
      for (let w = 0; w < W; w++) this.slots.push({ child, w, counters: emptyCounters() });
      child.on('message', (m: { w?: number; ev?: SessionEvent; fatal?: string }) => {
        if (m.fatal) {
          this.fatal ??= m.fatal;
          return;
        }
        const slot = this.slots[p * W + m.w!]!;
        const ev = m.ev!;
        if (ev.ev === 'progress') {
          const { ev: _, ...c } = ev;
          slot.counters = c;
          return;
        }
        const key = `${p}/${m.w}/${ev.id}`;
        const resolve = this.pending.get(key);
        this.pending.delete(key);
        resolve?.(ev);
      });
    }
    this.slots.forEach((slot, s) => {
      const count = Math.floor(N / S) + (s < N % S ? 1 : 0);
      this.post(slot, { cmd: 'assign', config, first: s, step: S, count });
    });
  }

  totals(): SessionCounters {
    if (this.fatal) throw new Error(this.fatal);
    const t = emptyCounters();
    for (const s of this.slots) addCounters(t, s.counters);
    return t;
  }

  startSending(): Promise<void> {
    return this.all((id) => ({ cmd: 'start-sending', id })).then(() => undefined);
  }

  stopSending(): Promise<void> {
    return this.all((id) => ({ cmd: 'stop-sending', id })).then(() => undefined);
  }

  setRate(perSecond: number, burst?: number): Promise<void> {
    return this.all((id) => (burst === undefined ? { cmd: 'set-rate', id, perSecond } : { cmd: 'set-rate', id, perSecond, burst })).then(() => undefined);
  }

  reset(): Promise<void> {
    return this.all((id) => ({ cmd: 'reset', id })).then(() => undefined);
  }

  async collect(): Promise<{ ping: Histogram; answer: Histogram; delivery: Histogram; totals: SessionCounters }> {
    const replies = await this.all((id) => ({ cmd: 'collect', id }));
    return {
      ping: mergeEncoded(replies.flatMap((r) => (r.ping ? [r.ping] : []))),
      answer: mergeEncoded(replies.flatMap((r) => (r.answer ? [r.answer] : []))),
      delivery: mergeEncoded(replies.flatMap((r) => (r.delivery ? [r.delivery] : []))),
      totals: this.totals(),
    };
  }

  drop(): Promise<void> {
    return this.all((id) => ({ cmd: 'drop', id })).then(() => undefined);
  }

  reconnect(jitterMs: number): Promise<void> {
    return this.all((id) => ({ cmd: 'reconnect', id, jitterMs })).then(() => undefined);
  }

  churn(on: boolean, minLifeMs = 0, maxLifeMs = 0, gapMs = 0): Promise<void> {
    return this.all((id) => ({ cmd: 'churn', id, on, minLifeMs, maxLifeMs, gapMs })).then(() => undefined);
  }

  /** Closes every connection and ends the client processes (killed if they do not exit within 5 s). */
  async close(): Promise<void> {
    try {
      await this.all((id) => ({ cmd: 'close', id }), 15_000);
    } catch {
      // killed below anyway
    }
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.disconnect();
          }),
      ),
    );
  }

  /** Kills the client processes at once (for exit paths). */
  kill(): void {
    for (const c of this.children) c.kill('SIGKILL');
  }

  private post(slot: Slot, msg: SessionCommand): void {
    slot.child.send({ w: slot.w, msg });
  }

  private all(make: (id: number) => SessionCommand, timeoutMs = 60_000): Promise<Reply[]> {
    return Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<Reply>((resolve, reject) => {
            const id = this.nextId++;
            const msg = make(id);
            const key = `${this.children.indexOf(slot.child)}/${slot.w}/${id}`;
            const timer = setTimeout(() => {
              this.pending.delete(key);
              reject(new Error(`load-generator worker did not answer ${msg.cmd} within ${timeoutMs} ms`));
            }, timeoutMs);
            this.pending.set(key, (r) => {
              clearTimeout(timer);
              resolve(r);
            });
            this.post(slot, msg);
          }),
      ),
    );
  }
}

// A bench that exits must not leave client processes behind.
const fleets = new Set<Fleet>();
process.on('exit', () => {
  for (const f of fleets) f.kill();
});

export function newFleet(opts: FleetOptions): Fleet {
  const f = new Fleet(opts);
  fleets.add(f);
  return f;
}

/**
 * Fleets started one after another (a ramp in steps, each step read on its
 * own) and then held, reset, collected and closed as one.
 */
export class FleetGroup {
  constructor(private readonly fleets: readonly Fleet[]) {}

  totals(): SessionCounters {
    const t = emptyCounters();
    for (const f of this.fleets) addCounters(t, f.totals());
    return t;
  }

  async reset(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.reset()));
  }

  async collect(): Promise<{ ping: Histogram; answer: Histogram; delivery: Histogram; totals: SessionCounters }> {
    const each = await Promise.all(this.fleets.map((f) => f.collect()));
    const merged = (pick: (c: (typeof each)[number]) => Histogram): Histogram => mergeEncoded(each.map((c) => encodeHistogram(pick(c))));
    return { ping: merged((c) => c.ping), answer: merged((c) => c.answer), delivery: merged((c) => c.delivery), totals: this.totals() };
  }

  async close(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.close()));
  }
}
