// Wires the admin page into a node: the static page (page-route.ts) and the
// publisher of this node's snapshots on `admin:stats` (publisher.ts).
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { ActorSystem } from '../actors/system.ts';
import type { CounterEngine } from '../engines/counters.ts';
import type { Fanout } from '../gateway/fanout.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { Clock } from '../time/clock.ts';
import { AdminCollector, type ClusterPart } from './collector.ts';
import { mountAdminPage } from './page-route.ts';
import { ADMIN_STATS_CHANNEL, ADMIN_STATS_EVENT, AdminPublisher } from './publisher.ts';

export interface AdminDeps {
  app: TemplatedApp;
  nodeId: string;
  gateway: Gateway;
  fanout: Fanout;
  metrics: Metrics;
  actors: ActorSystem;
  askTimeoutMs: number;
  cluster: () => Promise<ClusterPart>;
  /** The engine's counters when clustered (the cluster-wide "an admin watches" lease). */
  counters: CounterEngine | undefined;
  clock: Clock;
  logger: Logger;
}

export function startAdmin(d: AdminDeps): AdminPublisher {
  mountAdminPage(d.app);
  const collector = new AdminCollector({ nodeId: d.nodeId, gateway: d.gateway, fanout: d.fanout, metrics: d.metrics, actors: d.actors, askTimeoutMs: d.askTimeoutMs, cluster: d.cluster, clock: d.clock });
  const publisher = new AdminPublisher({
    collector,
    localWatchers: () => d.gateway.channelSubscribers.get(ADMIN_STATS_CHANNEL) ?? 0,
    ...(d.counters ? { counters: d.counters } : {}),
    // Kept in the channel's history a few seconds only: a snapshot is stale after one.
    publish: (snapshot) => d.gateway.publisher.publish({ channel: ADMIN_STATS_CHANNEL, event_type: ADMIN_STATS_EVENT, data: snapshot, priority: 'normal', ttl_s: 5, sender: null, client_msg_id: undefined }),
    logger: d.logger.child({ mod: 'admin' }),
  });
  publisher.start();
  return publisher;
}
