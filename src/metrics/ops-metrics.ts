// Gauges the alert rules (ops/alerts.yml) and the autoscaler read, filled
// when scraped: engine reachable, ring members against the expected count,
// memory per connection, CPU and the desired node count.
import { Gauge, type Registry } from 'prom-client';

export interface OpsSources {
  /** The engine's name (memory, redis) and whether this node reaches it. */
  engine: string;
  engineUp: () => boolean;
  /** Nodes in the ring as this node sees it (1 unclustered). */
  ringMembers: () => number;
  /** Seconds since the engine last answered this node's heartbeat (0 unclustered). */
  heartbeatAgeSeconds: () => number;
  /** From config (HAAT_EXPECTED_NODES); 0: not set. */
  expectedNodes: number;
  connections: () => number;
  cpu: () => number;
  desiredNodes: () => number;
  /** RSS when the node was up but had no connection yet: what connections add is measured from it. */
  rssBaseline: () => number;
}

export function registerOpsMetrics(registry: Registry, src: OpsSources): void {
  new Gauge({
    name: 'haat_engine_up',
    help: 'Whether this node reaches its engine (1) or not (0): redis unreachable is 0',
    labelNames: ['engine'],
    registers: [registry],
    collect() {
      this.labels(src.engine).set(src.engineUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'haat_cluster_ring_members',
    help: 'Nodes in the placement ring as this node sees it',
    registers: [registry],
    collect() {
      this.set(src.ringMembers());
    },
  });
  new Gauge({
    name: 'haat_cluster_heartbeat_age_seconds',
    help: 'Seconds since the engine last answered this node heartbeat (sent by the beat thread); past cluster.deadMs the others take the node for dead; 0 unclustered',
    registers: [registry],
    collect() {
      this.set(src.heartbeatAgeSeconds());
    },
  });
  new Gauge({
    name: 'haat_cluster_expected_nodes',
    help: 'Nodes the cluster should have (config analytics.expectedNodes, HAAT_EXPECTED_NODES); 0 when not set',
    registers: [registry],
    collect() {
      this.set(src.expectedNodes);
    },
  });
  new Gauge({
    name: 'haat_rss_bytes',
    help: 'Resident set size of the node process',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'haat_memory_per_connection_bytes',
    help: 'RSS added since start divided by open connections (0 with none); DESIGN.md §4 budget: 3 KB after a ramp',
    registers: [registry],
    collect() {
      const n = src.connections();
      this.set(n === 0 ? 0 : Math.max(0, process.memoryUsage.rss() - src.rssBaseline()) / n);
    },
  });
  new Gauge({
    name: 'haat_cpu_utilization',
    help: 'CPU of the node process (all threads), 0..1 of the machine cores, over the last second',
    registers: [registry],
    collect() {
      this.set(src.cpu());
    },
  });
  new Gauge({
    name: 'haat_scaling_desired_nodes',
    help: 'Nodes the cluster should have, from cluster connections and this node CPU (README "Analytics and alerts"); autoscalers take the max over nodes',
    registers: [registry],
    collect() {
      this.set(src.desiredNodes());
    },
  });
}
