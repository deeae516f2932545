// One node's part in the cluster (DESIGN.md §1), composed of membership, the
// node ring, remote mailboxes, takeover and the supervision stream. The
// composition root builds it only for the redis engine; a memory node has no
// cluster and routes everything to its own host threads.
import type { Logger } from 'pino';
import type { ActorSystem, RemoteRoute } from '../actors/system.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { Engine } from '../engines/engine.ts';
import { HaatError } from '../errors.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import type { Heartbeat } from './heartbeat.ts';
import { MembershipService, type NodeState } from './membership-service.ts';
import type { NodeRing } from './node-ring.ts';
import { RemoteMailboxes } from './remote-mailboxes.ts';
import { SupervisionLog, type SupervisionEntry, type SupervisionKind } from './supervision-log.ts';

export interface ClusterDeps {
  nodeId: string;
  config: ClusterConfig;
  engine: Engine;
  actors: ActorSystem;
  logger: Logger;
  clock: Clock;
  askTimeoutMs: number;
  /** When this incarnation of the node started (ms): with the id, names it apart from a restart under the same id. */
  startedAt: number;
  heartbeat: Heartbeat;
  /** Once per dead node incarnation, after its mailbox was taken over (e.g. its users leave presence). */
  onNodeDead?: (node: { id: string; startedAt: number }) => void;
}

export interface ClusterView {
  node: string;
  ring_epoch: number | null;
  nodes: { id: string; status: NodeState['status']; last_heartbeat: string; connections: number; actors: number; endpoint: string }[];
  supervision: SupervisionEntry[];
}

export class Cluster {
  readonly membership: MembershipService;
  readonly mailboxes: RemoteMailboxes;
  private readonly takenOver = new Set<string>();
  private readonly log: Logger;
  private readonly supervision: SupervisionLog;

  constructor(private readonly d: ClusterDeps) {
    this.log = d.logger.child({ mod: 'cluster' });
    this.membership = new MembershipService({ nodeId: d.nodeId, startedAt: d.startedAt, config: d.config, heartbeat: d.heartbeat, logger: d.logger });
    this.mailboxes = new RemoteMailboxes({
      nodeId: d.nodeId,
      engine: d.engine.mailboxes,
      local: d.actors,
      ring: () => this.membership.ring,
      logger: d.logger,
      batch: d.config.mailboxBatch,
      blockMs: d.config.mailboxBlockMs,
      maxInFlight: d.config.mailboxMaxInFlight,
      sendTimeoutMs: d.askTimeoutMs,
    });
    const route: RemoteRoute = {
      ownerElsewhere: (address) => {
        const ring = this.membership.ring;
        if (!ring || !this.membership.isHealthy) throw new HaatError('unavailable', 'the cluster engine is unreachable; retry', { retryAfterMs: 1000 });
        const owner = ring.ownerOf(address);
        if (owner === undefined) throw new HaatError('unavailable', 'no live node owns actors right now; retry', { retryAfterMs: 1000 });
        return owner === d.nodeId ? undefined : owner;
      },
      send: (node, address, msg) => this.mailboxes.send(node, address, msg),
      request: (node, address, msg, timeoutMs, done) => this.mailboxes.request(node, address, msg, timeoutMs, done),
    };
    d.actors.setRemote(route);
    this.membership.on('view', (ring) => this.sweepDead(ring));
    this.supervision = new SupervisionLog({ logs: d.engine.logs, nodeId: d.nodeId, maxLen: d.config.supervisionMaxLen, clock: d.clock, logger: this.log }).follow(d.actors);
  }

  get ready(): boolean {
    return this.membership.isHealthy;
  }

  /** Whether this node owns `address` by the current ring (false while there is none). */
  ownsLocally(address: string): boolean {
    return this.membership.ring?.ownerOf(address) === this.d.nodeId;
  }

  /** Nodes in the current ring (0 while there is none). */
  get ringMembers(): number {
    return this.membership.ring?.nodes.length ?? 0;
  }

  get ringEpoch(): number | undefined {
    return this.membership.ring?.epoch;
  }

  /** Joins (or keeps trying to join, with backoff) and starts reading this node's mailbox. */
  async start(): Promise<void> {
    await this.membership.start();
    this.mailboxes.start();
  }

  /**
   * Drain: leave the ring first so the others own this node's actors, stop
   * reading the mailbox, then hand what is still in it to the new owners. The
   * others take over only a dead node's mailbox, and a node that leaves is not
   * dead: an ask written in the moment it left (by a peer whose ring still had
   * it), or read and not yet acknowledged, would stay there for good, and
   * every retry of its idempotency key would wait on it. Once now, and once
   * more after two heartbeats, by when every peer routes by the new ring.
   */
  async leave(): Promise<void> {
    await this.membership.leave();
    await this.mailboxes.stop();
    await this.handOffMailbox();
    await new Promise<void>((r) => setTimeout(r, 2 * this.d.config.heartbeatMs));
    await this.handOffMailbox();
  }

  private async handOffMailbox(): Promise<void> {
    try {
      const n = await this.mailboxes.takeOver(this.d.nodeId);
      if (n > 0) this.supervise('takeover', `node:${this.d.nodeId}`, `${this.d.nodeId} handed ${n} mailbox entries to their new owners as it left the ring`);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'could not hand this node`s mailbox off as it left; its entries wait for a takeover');
    }
  }

  supervise(kind: SupervisionKind | string, address: string, detail: string): void {
    this.supervision.append(kind, address, detail);
  }

  async view(limit = 50): Promise<ClusterView> {
    const supervision = await this.supervision.read(limit);
    return {
      node: this.d.nodeId,
      ring_epoch: this.membership.ring?.epoch ?? null,
      nodes: this.membership.nodes().map((n) => ({ id: n.id, status: n.status, last_heartbeat: toDhakaIso(n.heartbeatAt), connections: n.connections, actors: n.actors, endpoint: n.endpoint })),
      supervision,
    };
  }

  /** Cluster-wide connection count from the last heartbeats (alive and suspect nodes). */
  totals(): { nodes: number; connections: number; actors: number } {
    let connections = 0;
    let actors = 0;
    let nodes = 0;
    for (const n of this.membership.nodes()) {
      if (n.status === 'dead') continue;
      nodes++;
      connections += n.connections;
      actors += n.actors;
    }
    return { nodes, connections, actors };
  }

  async stop(): Promise<void> {
    await this.membership.stop();
    await this.mailboxes.stop();
  }

  /**
   * One survivor takes over each dead node's mailbox: the first live node by
   * id, the same on every node. It looks again at every heartbeat while the
   * node stays dead, because a peer whose ring was a heartbeat behind may
   * still have written to the dead node's mailbox after the first takeover.
   */
  private sweepDead(ring: NodeRing): void {
    if (ring.nodes[0] !== this.d.nodeId) return;
    for (const n of this.membership.nodes()) {
      if (n.status !== 'dead' || n.id === this.d.nodeId) continue;
      const key = `${n.id}@${n.startedAt}`;
      const first = !this.takenOver.has(key);
      this.takenOver.add(key);
      if (first) this.d.onNodeDead?.({ id: n.id, startedAt: n.startedAt });
      const started = Date.now();
      this.mailboxes.takeOver(n.id).then(
        (entries) => {
          if (first || entries > 0) {
            this.supervise('takeover', `node:${n.id}`, `${this.d.nodeId} took over ${n.id} (ring epoch ${ring.epoch}): ${entries} mailbox entries in ${Date.now() - started} ms; its actors reactivate on their new owners`);
          }
        },
        (err: unknown) => this.log.error({ dead: n.id, err: (err as Error).message }, 'takeover failed; tried again at the next heartbeat'),
      );
    }
  }
}
