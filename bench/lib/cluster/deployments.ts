// The fan-out deployments of the cluster bench: a haat cluster of K nodes
// (subscribers spread evenly over the nodes, the publisher on n1) and the
// raw uWS topic server as the single-process baseline.
import type { Deployment } from '../fanout/run.ts';
import { singleServer } from '../fanout/run.ts';
import { targetByName } from '../targets.ts';
import { signToken, startCluster } from './haat-cluster.ts';

export function clusterDeployment(nodes: number, tag: string): Deployment {
  return {
    name: `cluster-${nodes}`,
    label: `haat, ${nodes} node${nodes === 1 ? '' : 's'} + Redis`,
    protocol: 'haat',
    publisherToken: () => signToken(['publisher'], 'bench-publisher'),
    async start() {
      const c = await startCluster({ nodes, tag });
      return {
        ports: c.ports(),
        publisherPort: c.ports()[0]!,
        cpuMicros: () => c.cpuMicros(),
        rssBytes: () => c.rssBytes(),
        alive: () => c.alive(),
        stop: () => c.stop(),
      };
    },
  };
}

export function baselineDeployment(name: 'uws' | 'haat'): Deployment {
  const d = singleServer(targetByName(name));
  return name === 'haat' ? { ...d, name: 'haat-memory', label: 'haat, 1 node, memory engine' } : d;
}
