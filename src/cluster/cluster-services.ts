// What the gateway and REST need to act cluster-wide on the redis engine
// (PROTOCOL.md §9, §10), built here so that the composition root only wires
// it: connection limits counted across nodes, per-user rates leased from one
// bucket, one security log, and admin/stats answered for every live node.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import type { Engine } from '../engines/engine.ts';
import type { GatewayDeps, Gateway } from '../gateway/gateway.ts';
import type { RateMeter } from '../metrics/rate-meter.ts';
import { ClusterAdmission } from '../security/cluster-admission.ts';
import { EngineSecurityLog } from '../security/engine-security-log.ts';
import { LeasedUserRates } from '../security/leased-user-rate.ts';
import type { Clock } from '../time/clock.ts';
import { ClusterAdmin } from './cluster-admin.ts';
import type { Cluster } from './cluster.ts';
import { answerControl, type LocalNode, type NodeStats } from './node-control.ts';
import type { AnalyticsSnapshot } from '../metrics/analytics.ts';
import { scalingSignal, type ScalingConfig } from '../metrics/scaling.ts';

/** Security events kept in the cluster's log. */
const SECURITY_LOG_MAX_LEN = 100_000;
/** How long admin and stats wait for another node's answer. */
const CONTROL_TIMEOUT_MS = 2_000;

export interface ClusterServicesDeps {
  engine: Engine;
  nodeId: string;
  gateway: GatewayConfig;
  clock: Clock;
  logger: Logger;
  /** The node's cluster; created after the gateway, so read when used. */
  cluster: () => Cluster | undefined;
}

export class ClusterServices {
  readonly admission: ClusterAdmission;
  readonly securityLog: EngineSecurityLog;
  readonly userRates: LeasedUserRates;
  private adminRef: ClusterAdmin | undefined;

  constructor(private readonly d: ClusterServicesDeps) {
    const log = d.logger.child({ mod: 'cluster-security' });
    this.admission = new ClusterAdmission({
      counters: d.engine.counters,
      limits: d.gateway,
      self: () => {
        const c = d.cluster();
        return c ? `${d.nodeId}.${c.membership.incarnation}` : undefined;
      },
      peers: () => (d.cluster()?.membership.livePeers() ?? []).map((n) => `${n.id}.${n.startedAt}`),
      ready: () => d.cluster()?.ready ?? false,
      logger: log,
    });
    this.securityLog = new EngineSecurityLog({ logs: d.engine.logs, node: d.nodeId, clock: d.clock, logger: log, maxLen: SECURITY_LOG_MAX_LEN });
    this.userRates = new LeasedUserRates({ counters: d.engine.counters, logger: log });
  }

  get gatewayDeps(): Pick<GatewayDeps, 'admission' | 'securityLog' | 'userRates'> {
    return { admission: this.admission, securityLog: this.securityLog, userRates: this.userRates };
  }

  /** Once the cluster and the gateway exist: answers the other nodes' control requests and keeps counts right after an outage. */
  attach(cluster: Cluster, local: LocalNode): ClusterAdmin {
    cluster.mailboxes.onControl((req) => answerControl(local, req));
    // Redis may have come back empty (or this node may have been thought dead): write every count again.
    cluster.membership.on('engineUp', () => this.admission.resync());
    cluster.membership.on('ring', () => this.admission.resync());
    this.adminRef = new ClusterAdmin({
      nodeId: this.d.nodeId,
      local,
      peers: () => cluster.membership.livePeers().map((n) => n.id),
      ask: (node, request, timeoutMs) => cluster.mailboxes.ask(node, request, timeoutMs),
      timeoutMs: CONTROL_TIMEOUT_MS,
      logger: this.d.logger.child({ mod: 'cluster-admin' }),
    });
    return this.adminRef;
  }

  /** GET stats when clustered: the sums over every live node first, this node's own figures under `local`. */
  async stats(local: object & { cpu?: number; analytics?: AnalyticsSnapshot }, cluster: Cluster, scaling: ScalingConfig): Promise<object> {
    const admin = this.adminRef;
    if (!admin) return { ...local, cluster: cluster.totals() };
    const s = await admin.stats();
    const totals = cluster.totals();
    return {
      node: this.d.nodeId,
      connections: s.connections,
      channels: s.channels,
      messages_in_per_s: s.messages_in_per_s,
      messages_out_per_s: s.messages_out_per_s,
      // Cluster-wide analytics: every answering node's figures summed (README "Analytics and alerts").
      analytics: s.analytics,
      delivery_latency_p99_ms: s.analytics?.delivery_latency.p99_ms ?? null,
      scaling: scalingSignal({ nodes: Math.max(totals.nodes, s.nodes.length), connections: s.connections, cpuMax: s.cpu_max }, scaling),
      local,
      cluster: { nodes: totals.nodes, actors: totals.actors, per_node: s.nodes, unanswered: s.unanswered },
    };
  }

  stop(): void {
    this.admission.stop();
  }
}

/** This node's answers to control requests, from its gateway and meters. */
export function localNodeOf(nodeId: string, gateway: Gateway, meter: RateMeter<'in' | 'out'>, extra?: () => Pick<NodeStats, 'cpu' | 'analytics'>): LocalNode {
  return {
    disconnect: (target, reason, by) => gateway.disconnect(target, reason, by),
    listConnections: (from, limit) => gateway.listConnections(from, limit),
    deliver: (sessions, frames) => gateway.userDevices.deliver(sessions, frames),
    usersAfter: (after, limit) => gateway.usersAfter(after, limit),
    stats: () => ({ node: nodeId, connections: gateway.sockets.size, channels: gateway.channelSubscribers.size, messages_in_per_s: meter.rate('in'), messages_out_per_s: meter.rate('out'), ...extra?.() }),
  };
}
