// The main-thread side of the load generator: N subscriber connections over
// several source addresses, spread across worker threads so that the harness
// thread stays free to publish and to keep time.
import type { Worker } from 'node:worker_threads';
import { mergeEncoded, type Histogram } from '../histogram.ts';
import { tsWorker } from '../../../src/threads/ts-worker.ts';
import type { Command, ConnectCommand, WorkerCounters, WorkerEvent } from './messages.ts';

export interface PoolOptions {
  protocol: string;
  host: string;
  port: number;
  /** Several servers (a cluster's nodes): connection i goes to ports[i % ports.length]. */
  ports?: number[];
  channel: string;
  connections: number;
  addresses: string[];
  workers: number;
  /** Connections being opened or subscribed at once, across all workers. */
  maxPending: number;
  handshakeTimeoutMs?: number;
  /** How often workers report their counters (the publisher's flow control reads them). */
  progressMs?: number;
}

export interface PoolTotals extends WorkerCounters {
  /** Connections that are joined or failed: the ramp-up is over when this equals the target. */
  settled: number;
}

interface WorkerSlot {
  worker: Worker;
  counters: WorkerCounters;
  replies: Map<number, (ev: Extract<WorkerEvent, { ev: 'reply' }>) => void>;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export class ClientPool {
  private slots: WorkerSlot[] = [];
  private nextId = 1;
  private listeners = new Set<() => void>();
  private workerError: Error | undefined;

  constructor(readonly opts: PoolOptions) {}

  /** Starts the workers and the ramp-up; the ramp-up is over when totals().settled reaches the target. */
  start(): void {
    const { workers, connections } = this.opts;
    for (let w = 0; w < workers; w++) {
      const slot: WorkerSlot = {
        worker: tsWorker(WORKER_URL),
        counters: { joined: 0, failed: 0, dropped: 0, delivered: 0, frameBytes: 0, lastError: undefined },
        replies: new Map(),
      };
      slot.worker.on('message', (ev: WorkerEvent) => {
        if (ev.ev === 'progress') {
          const { ev: _, ...counters } = ev;
          slot.counters = counters;
          for (const l of this.listeners) l();
          return;
        }
        const resolve = slot.replies.get(ev.id);
        slot.replies.delete(ev.id);
        resolve?.(ev);
      });
      slot.worker.on('error', (err) => {
        this.workerError = err;
      });
      const share = Math.floor(connections / workers) + (w < connections % workers ? 1 : 0);
      const cmd: ConnectCommand = {
        cmd: 'connect',
        protocol: this.opts.protocol,
        host: this.opts.host,
        port: this.opts.port,
        ...(this.opts.ports ? { ports: this.opts.ports } : {}),
        channel: this.opts.channel,
        first: w,
        step: workers,
        count: share,
        addresses: this.opts.addresses,
        maxPending: Math.max(1, Math.floor(this.opts.maxPending / workers)),
        handshakeTimeoutMs: this.opts.handshakeTimeoutMs ?? 15_000,
        progressMs: this.opts.progressMs ?? 10,
      };
      slot.worker.postMessage(cmd);
      this.slots.push(slot);
    }
  }

  totals(): PoolTotals {
    if (this.workerError) throw this.workerError;
    const t: PoolTotals = { joined: 0, failed: 0, dropped: 0, delivered: 0, frameBytes: 0, lastError: undefined, settled: 0 };
    for (const { counters: c } of this.slots) {
      t.joined += c.joined;
      t.failed += c.failed;
      t.dropped += c.dropped;
      t.delivered += c.delivered;
      t.frameBytes = Math.max(t.frameBytes, c.frameBytes);
      t.lastError ??= c.lastError;
    }
    t.settled = t.joined + t.failed;
    return t;
  }

  /**
   * Deliveries per live subscriber of the worker that is furthest behind:
   * flow control must follow the slowest thread, or it piles a backlog onto
   * it while the others race ahead.
   */
  slowestDeliveredPerSubscriber(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const { counters: c } of this.slots) {
      const live = c.joined - c.dropped;
      if (live > 0) min = Math.min(min, c.delivered / live);
    }
    return Number.isFinite(min) ? min : 0;
  }

  /** Called after every worker report (about every progressMs per worker). */
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Zeroes the latency histograms; resolves with the delivery count at that moment. */
  async reset(): Promise<number> {
    const replies = await this.requestAll('reset');
    return replies.reduce((sum, r) => sum + r.delivered, 0);
  }

  /** The merged latency histogram since the last reset. */
  async collect(): Promise<{ histogram: Histogram; delivered: number }> {
    const replies = await this.requestAll('collect');
    return {
      histogram: mergeEncoded(replies.flatMap((r) => (r.histogram ? [r.histogram] : []))),
      delivered: replies.reduce((sum, r) => sum + r.delivered, 0),
    };
  }

  /** Closes every connection; the threads are terminated even if one does not answer. */
  async close(): Promise<void> {
    try {
      await this.requestAll('close');
    } finally {
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
      this.listeners.clear();
    }
  }

  private requestAll(cmd: 'reset' | 'collect' | 'close'): Promise<Array<Extract<WorkerEvent, { ev: 'reply' }>>> {
    return Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<Extract<WorkerEvent, { ev: 'reply' }>>((resolve, reject) => {
            const id = this.nextId++;
            const timer = setTimeout(() => reject(new Error(`load-generator worker did not answer ${cmd} within 30 s`)), 30_000);
            slot.replies.set(id, (ev) => {
              clearTimeout(timer);
              resolve(ev);
            });
            const msg: Command = { cmd, id };
            slot.worker.postMessage(msg);
          }),
      ),
    );
  }
}
