// A local cluster for tests: a redis-server (or a Redis Cluster) of the test's
// own and haat nodes as real processes, with the helpers cluster tests share.
import { spawnNode, type NodeProcess } from './node-process.ts';
import { TestClient } from './ws-client.ts';
import { TEST_SECRET, token } from './node.ts';
import { NodeRing } from '../cluster/node-ring.ts';
import { channelAddress } from '../domain/channel/messages.ts';
import { waitFor } from './wait.ts';

export interface ClusterNode {
  id: string;
  proc: NodeProcess;
  url: (query?: Record<string, string>) => string;
  http: (path: string) => string;
}

export interface TestCluster {
  nodes: Map<string, ClusterNode>;
  node(id: string): ClusterNode;
  /** Starts (or restarts) a node with this id. */
  start(id: string, env?: Record<string, string>): Promise<ClusterNode>;
  /** Waits until `id`'s GET admin/cluster shows exactly `alive` as its live nodes. */
  waitForRing(id: string, alive: string[], timeoutMs?: number): Promise<void>;
  health(id: string): Promise<number>;
  stop(): Promise<void>;
}

export const CLUSTER_ENV = { HAAT_JWT_SECRET: TEST_SECRET, HAAT_WORKERS: '1', LOG_LEVEL: 'warn' };

export async function startTestCluster(redisUrl: string, ids: string[], env: Record<string, string> = {}): Promise<TestCluster> {
  const nodes = new Map<string, ClusterNode>();
  const admin = await token({ sub: 'ops', roles: ['admin'] });
  const start = async (id: string, extra: Record<string, string> = {}): Promise<ClusterNode> => {
    const proc = await spawnNode({ ...CLUSTER_ENV, ...env, ...extra, REDIS_URL: redisUrl, HAAT_NODE_ID: id });
    const n: ClusterNode = {
      id,
      proc,
      url: (query = {}) => {
        const q = new URLSearchParams(query).toString();
        return `ws://127.0.0.1:${proc.port}/ws${q ? `?${q}` : ''}`;
      },
      http: (path) => `http://127.0.0.1:${proc.port}/api/v1/realtime/${path}`,
    };
    nodes.set(id, n);
    return n;
  };
  await Promise.all(ids.map((id) => start(id)));
  const cluster: TestCluster = {
    nodes,
    node: (id) => {
      const n = nodes.get(id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    start,
    async waitForRing(id, alive, timeoutMs = 10_000) {
      const want = [...alive].sort().join(',');
      await waitFor(
        async () => {
          const res = await fetch(cluster.node(id).http('admin/cluster'), { headers: { authorization: `Bearer ${admin}` } }).catch(() => undefined);
          if (!res || res.status !== 200) return '';
          const v = (await res.json()) as { nodes: { id: string; status: string }[] };
          return v.nodes
            .filter((x) => x.status !== 'dead')
            .map((x) => x.id)
            .sort()
            .join(',');
        },
        (got) => got === want,
        { timeoutMs, what: `${id} to see the ring ${want}` },
      );
    },
    async health(id) {
      const res = await fetch(cluster.node(id).http('health')).catch(() => undefined);
      return res?.status ?? 0;
    },
    async stop() {
      await Promise.all(
        [...nodes.values()].map(async (n) => {
          if (n.proc.child.exitCode === null && n.proc.child.signalCode === null) n.proc.child.kill('SIGKILL');
          await n.proc.exited;
        }),
      );
    },
  };
  for (const id of ids) await cluster.waitForRing(id, ids);
  return cluster;
}

/** The node that owns an actor (`auction:a1`, `sale:s1`, `channel:...`) when `alive` are the live nodes (the nodes compute the same). */
export function actorOwner(address: string, alive: string[]): string {
  return new NodeRing(alive, 0).ownerOf(address)!;
}

/** The node that owns a channel's actor when `alive` are the live nodes. */
export function ownerOf(channel: string, alive: string[]): string {
  return actorOwner(channelAddress(channel), alive);
}

/** `count` channels with prefix whose actors `owner` owns among `alive`. */
export function channelsOwnedBy(owner: string, alive: string[], count: number, prefix = 'product:c'): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (ownerOf(`${prefix}${i}`, alive) === owner) out.push(`${prefix}${i}`);
  return out;
}

export async function connect(n: ClusterNode, claims?: { sub: string; roles: string[] }): Promise<TestClient> {
  const query: Record<string, string> = claims ? { token: await token(claims) } : {};
  return TestClient.connect(n.url(query));
}
