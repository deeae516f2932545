// Keeps this node in the cluster (DESIGN.md §1): it heartbeats through the
// engine, reads the common view, and rebuilds the node ring whenever the
// ring epoch moves. A node silent for suspectMs is shown suspect, for deadMs
// dead: it leaves the ring and the survivors take its mailbox over. While the
// engine is unreachable the node keeps trying with backoff and reports it
// (health 503); it needs no restart when the engine comes back.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/schema.ts';
import type { MemberInfo, MembershipEngine, MembershipView } from '../engines/membership.ts';
import { NodeRing } from './node-ring.ts';

export type NodeStatus = 'alive' | 'suspect' | 'dead';

export interface NodeState extends MemberInfo {
  status: NodeStatus;
}

export interface RingChange {
  ring: NodeRing;
  previous: NodeRing | undefined;
  /** Nodes that were in the previous ring and are not in this one (dead or gone). */
  left: string[];
}

export interface MembershipEvents {
  ring: [RingChange];
  /** After every successful heartbeat, whether or not the ring changed. */
  view: [NodeRing];
  engineDown: [Error];
  engineUp: [];
}

export interface MembershipDeps {
  nodeId: string;
  /** Where clients reach it (host:port), read at each heartbeat (the port is known only once listening). */
  endpoint: () => string;
  config: Pick<ClusterConfig, 'heartbeatMs' | 'suspectMs' | 'deadMs'>;
  engine: MembershipEngine;
  logger: Logger;
  /** Figures published with each heartbeat (for GET admin/cluster and stats). */
  load: () => { connections: number; actors: number };
  /** Monotonic ms for the node's own timing (not the engine's clock). */
  monotonic?: () => number;
}

const MAX_BACKOFF_MS = 2000;

export class MembershipService extends EventEmitter<MembershipEvents> {
  private current: NodeRing | undefined;
  private view: MembershipView | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private healthy = false;
  private lastOk = -Infinity;
  private readonly startedAt = Date.now();
  private readonly log: Logger;
  private readonly monotonic: () => number;

  constructor(private readonly d: MembershipDeps) {
    super();
    this.log = d.logger.child({ mod: 'membership' });
    this.monotonic = d.monotonic ?? (() => performance.now());
  }

  get nodeId(): string {
    return this.d.nodeId;
  }

  /** When this incarnation of the node started (ms): with the id, names it apart from a restart under the same id. */
  get incarnation(): number {
    return this.startedAt;
  }

  /** The ring this node routes by; undefined until the first heartbeat succeeded. */
  get ring(): NodeRing | undefined {
    return this.current;
  }

  /** The engine answered the last heartbeat, and recently enough that this node is still in the ring. */
  get isHealthy(): boolean {
    return this.healthy && this.monotonic() - this.lastOk < this.d.config.deadMs;
  }

  /** Starts heartbeating; resolves after the first attempt, whether or not the engine answered. */
  async start(): Promise<void> {
    await this.beat();
  }

  /** Every member the engine still remembers, with its status as of the last view. */
  nodes(): NodeState[] {
    const v = this.view;
    if (!v) return [];
    const alive = new Set(v.alive);
    return v.members
      .map((m): NodeState => {
        const age = v.now - m.heartbeatAt;
        const status: NodeStatus = !alive.has(m.id) ? 'dead' : age > this.d.config.suspectMs ? 'suspect' : 'alive';
        return { ...m, status };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The other nodes not (yet) declared dead: alive or suspect. */
  livePeers(): NodeState[] {
    return this.nodes().filter((n) => n.status !== 'dead' && n.id !== this.d.nodeId);
  }

  /** Leaves the ring at once (drain), so the others take over without waiting for deadMs. */
  async leave(): Promise<void> {
    this.stop();
    try {
      const v = await this.d.engine.leave(this.d.nodeId, this.d.config.deadMs);
      this.apply(v);
    } catch (err) {
      this.log.warn({ err }, 'could not leave the ring; the others will find this node dead within deadMs');
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const started = this.monotonic();
    try {
      const { connections, actors } = this.d.load();
      const v = await this.d.engine.heartbeat({ id: this.d.nodeId, endpoint: this.d.endpoint(), startedAt: this.startedAt, connections, actors }, this.d.config.deadMs);
      const gap = started - this.lastOk;
      if (Number.isFinite(gap) && gap > this.d.config.deadMs) {
        this.log.warn({ silentMs: Math.round(gap) }, 'this node was silent for longer than deadMs: the others may have taken its actors over (its stale writes are fenced)');
      }
      this.lastOk = this.monotonic();
      this.failures = 0;
      if (!this.healthy) {
        this.healthy = true;
        this.log.info('engine reachable: in the cluster');
        this.emit('engineUp');
      }
      this.apply(v);
    } catch (err) {
      this.failures++;
      if (this.healthy || this.failures === 1) {
        this.healthy = false;
        this.log.error({ err: (err as Error).message }, 'heartbeat failed: engine unreachable; retrying with backoff');
        this.emit('engineDown', err as Error);
      }
    }
    if (this.stopped) return;
    const delay = this.failures === 0 ? this.d.config.heartbeatMs : Math.min(MAX_BACKOFF_MS, this.d.config.heartbeatMs * 2 ** Math.min(this.failures - 1, 4)) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => void this.beat(), delay);
    this.timer.unref();
  }

  private apply(v: MembershipView): void {
    this.view = v;
    const prev = this.current;
    if (prev && prev.epoch === v.ringEpoch) {
      this.emit('view', prev);
      return;
    }
    const ring = new NodeRing(v.alive, v.ringEpoch);
    this.current = ring;
    const left = prev ? prev.nodes.filter((n) => !ring.has(n)) : [];
    this.log.info({ ringEpoch: v.ringEpoch, nodes: ring.nodes, left }, 'ring changed');
    this.emit('ring', { ring, previous: prev, left });
    this.emit('view', ring);
  }
}
