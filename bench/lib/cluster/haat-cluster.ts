// A haat cluster for the benches: its own redis-server and K nodes
// (`node --import tsx src/main.ts` with REDIS_URL, HAAT_NODE_ID=n1..nK,
// PORT=0), started in parallel and waited on until every node answers health
// 200 and sees all K nodes in its ring. CPU and RSS are summed over the nodes
// and Redis from /proc.
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { NodeRing } from '../../../src/cluster/node-ring.ts';
import { sleep } from '../clock.ts';
import { cpuMicros, rssBytes } from '../proc-stats.ts';
import { progress } from '../progress.ts';
import { spawnServer, type ServerProcess } from '../server-process.ts';
import { BENCH_JWT_SECRET, haatNodeArgs, haatNodeEnv } from '../targets.ts';
import { startRedis, type RedisProcess } from './redis-process.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOST = '127.0.0.1';
const PREFIX = '/api/v1/realtime';

export interface ClusterNode {
  id: string;
  server: ServerProcess;
  /** Set once the node was killed or has exited. */
  ended: string | undefined;
}

export interface HaatCluster {
  redis: RedisProcess;
  nodes: ClusterNode[];
  ports(): number[];
  /** Sum over live nodes and Redis (a killed node's CPU up to its death is not counted). */
  cpuMicros(): number;
  rssBytes(): number;
  /** Throws if Redis or a node that was not killed on purpose has exited. */
  alive(): void;
  /** kill -9 one node; resolves at the moment the signal was sent (Date.now() before it). */
  kill9(id: string): number;
  /** The node that owns actor `address` in the ring of the given live nodes (all by default). */
  ownerOf(address: string, liveIds?: string[]): string;
  adminToken(): Promise<string>;
  stop(): Promise<void>;
}

export function signToken(roles: string[], sub: string): Promise<string> {
  return new SignJWT({ roles }).setSubject(sub).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('6h').sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}

async function getJson(port: number, path: string, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${HOST}:${port}${PREFIX}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export interface ClusterOptions {
  nodes: number;
  tag: string;
  /** Extra environment for every node. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export async function startCluster(o: ClusterOptions): Promise<HaatCluster> {
  const redis = await startRedis();
  const nodes: ClusterNode[] = [];
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
  const stop = async (): Promise<void> => {
    // The nodes log at warn: whatever they said goes into the bench's progress, so a run's oddities are on record.
    for (const n of nodes) {
      const said = n.server.outputTail().trim().split('\n').filter((l) => l.startsWith('{') && !l.startsWith('{"listening"'));
      if (said.length > 0) progress(o.tag, `${n.id} logged ${said.length} line(s) at warn or above (last 3): ${said.slice(-3).map((l) => l.slice(0, 300)).join(' | ')}`);
      const membership = n.server.keptLines();
      if (membership.length > 0) progress(o.tag, `${n.id} membership lines (last ${membership.length}): ${membership.map((l) => l.slice(0, 300)).join(' | ')}`);
    }
    await Promise.all(nodes.map((n) => n.server.stop()));
    await redis.stop();
  };
  try {
    const started = await Promise.all(
      ids.map((id) =>
        spawnServer({
          // BENCH_NODE_ARGS: more node flags for every node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (profiles are written when the node stops).
          args: haatNodeArgs((process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)),
          cwd: ROOT,
          env: haatNodeEnv({ PORT: '0', HAAT_WORKERS: '1', LOG_LEVEL: 'warn', HAAT_JWT_SECRET: BENCH_JWT_SECRET, REDIS_URL: redis.url, HAAT_NODE_ID: id, ...o.env }),
          startTimeoutMs: 30_000,
          // Why a node left the ring, among thousands of other warnings: its beat thread, its membership, takeovers.
          keep: /"thread":"beat"|"mod":"membership"|"mod":"heartbeat"|"msg":"took over|"msg":"takeover/,
        }),
      ),
    );
    started.forEach((server, i) => {
      const node: ClusterNode = { id: ids[i]!, server, ended: undefined };
      void server.exited.then((how) => (node.ended ??= how));
      nodes.push(node);
    });
    const admin = await signToken(['admin'], 'bench-admin');
    // Ready = health 200 on every node and every node's ring holds all of them (actor placement settled).
    const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
    let last = '';
    for (;;) {
      const views = await Promise.all(
        nodes.map(async (n) => {
          try {
            const h = await getJson(n.server.port, '/health');
            const c = await getJson(n.server.port, '/admin/cluster', admin);
            const alive = ((c.body as { nodes?: Array<{ id: string; status: string }> })?.nodes ?? []).filter((x) => x.status === 'alive').length;
            return { ok: h.status === 200 && alive === o.nodes, what: `${n.id}: health ${h.status}, ${alive} alive` };
          } catch (err) {
            return { ok: false, what: `${n.id}: ${(err as Error).message}` };
          }
        }),
      );
      last = views.map((v) => v.what).join('; ');
      if (views.every((v) => v.ok)) break;
      if (Date.now() > deadline) throw new Error(`cluster of ${o.nodes} not ready within ${o.readyTimeoutMs ?? 30_000} ms: ${last}`);
      await sleep(200);
    }
    progress(o.tag, `cluster ready: redis :${redis.port}, ${nodes.map((n) => `${n.id} :${n.server.port}`).join(', ')}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const killed = new Set<string>();
  return {
    redis,
    nodes,
    ports: () => nodes.map((n) => n.server.port),
    cpuMicros: () => cpuMicros(redis.pid) + nodes.filter((n) => n.ended === undefined).reduce((s, n) => s + cpuMicros(n.server.pid), 0),
    rssBytes: () => rssBytes(redis.pid) + nodes.filter((n) => n.ended === undefined).reduce((s, n) => s + rssBytes(n.server.pid), 0),
    alive: () => {
      redis.alive();
      for (const n of nodes) if (n.ended !== undefined && !killed.has(n.id)) throw new Error(`node ${n.id} exited (${n.ended}); output: ${n.server.outputTail().trim().slice(-800)}`);
    },
    kill9: (id) => {
      const n = nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}`);
      killed.add(id);
      const at = Date.now();
      process.kill(n.server.pid, 'SIGKILL');
      return at;
    },
    ownerOf: (address, liveIds = ids) => new NodeRing(liveIds, 0).ownerOf(address)!,
    adminToken: () => signToken(['admin'], 'bench-admin'),
    stop,
  };
}
