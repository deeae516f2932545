// Deployments and REST calls shared by bench/auction.ts and bench/flashsale.ts:
// one haat node or a cluster of N over a redis-server of the bench's own.
import { toDhakaIso } from '../../src/time/clock.ts';
import { cpuMicros } from './proc-stats.ts';
import { startCluster, signToken, type HaatCluster } from './cluster/haat-cluster.ts';
import { startHaat, startBaseline } from './sessions.ts';
import type { ServerProcess } from './server-process.ts';

export interface Deployment {
  name: string;
  nodes: number;
  ports(): number[];
  /** Server CPU so far (every live node, and Redis), µs. */
  cpuMicros(): number;
  /** Throws when a process that should be alive is not. */
  alive(): void;
  cluster: HaatCluster | undefined;
  stop(): Promise<void>;
}

function single(name: string, s: ServerProcess): Deployment {
  let ended: string | undefined;
  void s.exited.then((how) => (ended = how));
  return {
    name,
    nodes: 1,
    ports: () => [s.port],
    cpuMicros: () => cpuMicros(s.pid),
    alive: () => {
      if (ended !== undefined) throw new Error(`${name} exited (${ended}): ${s.outputTail().slice(-800)}`);
    },
    cluster: undefined,
    stop: () => s.stop(),
  };
}

/** `haat` (one node, memory engine), `haat-N` (N nodes over Redis) or `uws-echo` (raw uWS baseline). */
export async function deploy(target: string, tag: string): Promise<Deployment> {
  if (target === 'haat') return single('haat', await startHaat());
  if (target === 'uws-echo') return single('uws-echo', await startBaseline('uws-echo-server'));
  // attach:PID:PORT measures a node already running (e.g. started with --cpu-prof).
  const a = /^attach:(\d+):(\d+)$/.exec(target);
  if (a) {
    const pid = Number(a[1]);
    return { name: 'haat', nodes: 1, ports: () => [Number(a[2])], cpuMicros: () => cpuMicros(pid), alive: () => undefined, cluster: undefined, stop: async () => undefined };
  }
  const m = /^haat-(\d+)$/.exec(target);
  if (!m) throw new Error(`unknown target ${target}: haat, haat-N or uws-echo`);
  const cluster = await startCluster({ nodes: Number(m[1]), tag });
  return { name: target, nodes: Number(m[1]), ports: cluster.ports, cpuMicros: cluster.cpuMicros, alive: cluster.alive, cluster, stop: cluster.stop };
}

const PREFIX = '/api/v1/realtime';

export async function rest(port: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const token = await signToken(['publisher'], 'bench-ops');
  const res = await fetch(`http://127.0.0.1:${port}${PREFIX}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export const isoIn = (ms: number): string => toDhakaIso(Date.now() + ms);

/** Opens auctions `${prefix}0` … (product `p{i}`, from 100 by 1, started a second ago, ending in an hour), 50 at a time, spread over `ports`. */
export async function openAuctions(ports: readonly number[], count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
        const r = await rest(ports[(i + k) % ports.length]!, 'POST', '/auctions', { id: `${prefix}${i + k}`, product_id: `p${i + k}`, starting_price: 100, min_increment: 1, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000) });
        if (r.status !== 201) throw new Error(`POST auctions: ${r.status} ${JSON.stringify(r.body)}`);
      }),
    );
  }
}
