// Keeps this node in the cluster (DESIGN.md §1): it reads the views its
// Heartbeat gets from the engine and rebuilds the node ring whenever the ring
// epoch moves. A node silent for suspectMs is shown suspect, for deadMs dead:
// it leaves the ring and the survivors take its mailbox over. While the
// engine is unreachable the heartbeat keeps trying with backoff and the node
// reports it (health 503); it needs no restart when the engine comes back.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/schema.ts';
import type { MemberInfo, MembershipView } from '../engines/membership.ts';
import { monotonicEpochMs, type BeatOutcome, type Heartbeat } from './heartbeat.ts';
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
  /** When this incarnation of the node started (ms), as its heartbeats say. */
  startedAt: number;
  config: Pick<ClusterConfig, 'suspectMs' | 'deadMs'>;
  heartbeat: Heartbeat;
  logger: Logger;
  /** ms since the epoch, monotonic, comparable with Heartbeat.lastAnsweredAt (tests inject their own). */
  now?: () => number;
}

export class MembershipService extends EventEmitter<MembershipEvents> {
  private current: NodeRing | undefined;
  private view: MembershipView | undefined;
  private failures = 0;
  private healthy = false;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly d: MembershipDeps) {
    super();
    this.log = d.logger.child({ mod: 'membership' });
    this.now = d.now ?? monotonicEpochMs;
  }

  get nodeId(): string {
    return this.d.nodeId;
  }

  /** When this incarnation of the node started (ms): with the id, names it apart from a restart under the same id. */
  get incarnation(): number {
    return this.d.startedAt;
  }

  /** The ring this node routes by; undefined until the first heartbeat succeeded. */
  get ring(): NodeRing | undefined {
    return this.current;
  }

  /** The engine answered the last heartbeat, and recently enough that this node is still in the ring. */
  get isHealthy(): boolean {
    return this.healthy && this.heartbeatAgeMs < this.d.config.deadMs;
  }

  /** How long ago the engine last answered a heartbeat (ms; before the first, since the node started). */
  get heartbeatAgeMs(): number {
    return this.now() - Math.max(this.d.heartbeat.lastAnsweredAt(), this.d.startedAt);
  }

  /** Starts heartbeating; resolves after the first attempt, whether or not the engine answered. */
  start(): Promise<void> {
    return this.d.heartbeat.start((o) => this.onBeat(o));
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
    try {
      this.apply(await this.d.heartbeat.leave());
    } catch (err) {
      this.log.warn({ err }, 'could not leave the ring; the others will find this node dead within deadMs');
    }
  }

  stop(): Promise<void> {
    return this.d.heartbeat.stop();
  }

  private onBeat(o: BeatOutcome): void {
    if (o.ok) {
      if (o.silentMs !== undefined) this.log.warn({ silentMs: o.silentMs }, 'this node was silent for longer than deadMs: the others may have taken its actors over (its stale writes are fenced)');
      this.failures = 0;
      if (!this.healthy) {
        this.healthy = true;
        this.log.info('engine reachable: in the cluster');
        this.emit('engineUp');
      }
      this.apply(o.view);
      return;
    }
    this.failures++;
    if (this.healthy || this.failures === 1) {
      this.healthy = false;
      this.log.error({ err: o.error }, 'heartbeat failed: engine unreachable; retrying with backoff');
      this.emit('engineDown', new Error(o.error));
    }
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
