// The scaling signal (README "Analytics and alerts"): how many nodes the
// cluster should have, from its connections and the CPU of its busiest node.
//
//   by_connections = ceil(connections / connectionsPerNode)
//   by_cpu         = ceil(nodes * cpu_max / cpuTarget)
//   desired_nodes  = clamp(minNodes, maxNodes, max(by_connections, by_cpu))
//
// `cpu_max` is the busiest node's CPU (0..1 of its cores): load is spread by
// the balancer, so the busiest node tells when the cluster runs hot. The
// reason names the term that decided (or the bound that clamped it). An
// autoscaler reads haat_scaling_desired_nodes (ops/keda-scaledobject.yaml);
// flapping is its business (stabilization windows), not this formula's.
import { availableParallelism } from 'node:os';
import type { AnalyticsConfig } from '../config/schema.ts';

export type ScalingConfig = AnalyticsConfig['scaling'];

export interface ScalingInput {
  /** Live nodes now (at least 1). */
  nodes: number;
  connections: number;
  /** The busiest node's CPU utilization, 0..1 of its cores. */
  cpuMax: number;
}

export interface ScalingSignal {
  desired_nodes: number;
  reason: 'connections' | 'cpu' | 'min_nodes' | 'max_nodes';
  by_connections: number;
  by_cpu: number;
  nodes: number;
  connections: number;
  cpu_max: number;
  connections_per_node_target: number;
  cpu_target: number;
}

export function scalingSignal(input: ScalingInput, cfg: ScalingConfig): ScalingSignal {
  const nodes = Math.max(1, input.nodes);
  const cpu = Math.max(0, input.cpuMax);
  const byConnections = Math.ceil(input.connections / cfg.connectionsPerNode);
  // A small epsilon keeps a node exactly at the target from asking for one more.
  const byCpu = Math.ceil((nodes * cpu) / cfg.cpuTarget - 1e-9);
  const raw = Math.max(byConnections, byCpu);
  let desired = raw;
  let reason: ScalingSignal['reason'] = byCpu > byConnections ? 'cpu' : 'connections';
  if (raw < cfg.minNodes) {
    desired = cfg.minNodes;
    reason = 'min_nodes';
  } else if (raw > cfg.maxNodes) {
    desired = cfg.maxNodes;
    reason = 'max_nodes';
  }
  return {
    desired_nodes: desired,
    reason,
    by_connections: byConnections,
    by_cpu: byCpu,
    nodes,
    connections: input.connections,
    cpu_max: Math.round(cpu * 1000) / 1000,
    connections_per_node_target: cfg.connectionsPerNode,
    cpu_target: cfg.cpuTarget,
  };
}

/** This process's CPU utilization (all threads, 0..1 of the machine's cores), sampled every `periodMs`. */
export class CpuMeter {
  private last = process.cpuUsage();
  private lastAt = process.hrtime.bigint();
  private value = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    periodMs = 1000,
    private readonly cores = availableParallelism(),
  ) {
    this.timer = setInterval(() => this.sample(), periodMs);
    this.timer.unref();
  }

  sample(): number {
    const now = process.hrtime.bigint();
    const cur = process.cpuUsage();
    const elapsedUs = Number(now - this.lastAt) / 1000;
    if (elapsedUs > 0) this.value = Math.min(1, (cur.user - this.last.user + (cur.system - this.last.system)) / (elapsedUs * this.cores));
    this.last = cur;
    this.lastAt = now;
    return this.value;
  }

  get utilization(): number {
    return this.value;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
