// A real redis-server (and a real 3-master Redis Cluster) for tests: spawned
// on a free port in its own temp dir, never the shared one on 6379. Every wait
// here is bounded and fails with what the server printed.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const START_TIMEOUT_MS = 5_000;

// Servers (and their dirs) this process started and has not stopped: killed
// and removed when it exits. A test file run with --test-name-pattern skips
// the hooks that stop what its suite started (a 3-master cluster stayed
// behind after each such run).
const LIVE = new Set<ChildProcess>();
const DIRS = new Set<string>();
let cleanupOnExit = false;

function leaveNothingBehind(): void {
  if (cleanupOnExit) return;
  cleanupOnExit = true;
  process.once('exit', () => {
    for (const child of LIVE) child.kill('SIGKILL');
    for (const dir of DIRS) rmSync(dir, { recursive: true, force: true });
  });
}
const CLUSTER_TIMEOUT_MS = 15_000;

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, as a crash would: no shutdown, clients see the socket drop. */
  kill(): Promise<void>;
  /** Starts again on the same port. The server never persists (`--save ''`), so data is gone either way; `wipe` also empties its dir. */
  restart(opts?: { wipe?: boolean }): Promise<void>;
  /** Kills it and removes its dir. */
  stop(): Promise<void>;
}

export interface RedisCluster {
  readonly urls: string[];
  readonly nodes: RedisServer[];
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Sends one inline command and resolves with the raw reply once `done(reply)` says it is complete. */
function rawCommand(port: number, command: string, done: (reply: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const sock = createConnection({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`redis on ${port}: no complete answer to ${command} within ${timeoutMs} ms (got ${JSON.stringify(reply)})`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d: string) => {
      reply += d;
      if (!done(reply)) return;
      clearTimeout(timer);
      sock.end();
      resolve(reply);
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function ping(port: number): Promise<void> {
  const reply = await rawCommand(port, 'PING', (r) => r.includes('\r\n'), 1_000);
  if (!reply.startsWith('+PONG')) throw new Error(`redis on ${port} answered PING with ${JSON.stringify(reply)}`);
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Spawns redis-server and resolves once it logged readiness and answered PING. */
async function spawnServer(port: number, dir: string, extra: readonly string[]): Promise<Spawned> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extra];
  const child = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  leaveNothingBehind();
  LIVE.add(child);
  let out = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      LIVE.delete(child);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${port} not ready within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const onData = (d: string): void => {
      out += d;
      if (!out.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be spawned: ${err.message}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited before it was ready:\n${out}`));
    });
  });
  // Drain the output so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  await ping(port);
  return { child, exited };
}

async function killSpawned(s: Spawned | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGKILL');
  await s.exited;
}

/** Starts a redis-server on a free port; `extraArgs` go to its command line. */
export async function startRedisServer(opts: { extraArgs?: readonly string[] } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'haat-redis-'));
  DIRS.add(dir);
  const extra = opts.extraArgs ?? [];
  let port = 0;
  let current: Spawned | undefined;
  // The port is free when asked but someone may take it before redis binds: try a few.
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3 && !current; attempt++) {
    port = await freePort();
    try {
      current = await spawnServer(port, dir, extra);
    } catch (err) {
      lastErr = err;
    }
  }
  if (!current) {
    await rm(dir, { recursive: true, force: true });
    DIRS.delete(dir);
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await killSpawned(current);
    },
    async restart({ wipe = true } = {}) {
      await killSpawned(current);
      if (wipe) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
      }
      current = await spawnServer(port, dir, extra);
    },
    async stop() {
      await killSpawned(current);
      await rm(dir, { recursive: true, force: true });
      DIRS.delete(dir);
    },
  };
  return server;
}

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

async function clusterInfo(port: number): Promise<string> {
  // A bulk reply: `$<len>\r\n<body>\r\n`; complete once the body is in.
  return rawCommand(
    port,
    'CLUSTER INFO',
    (r) => {
      const m = /^\$(\d+)\r\n/.exec(r);
      return m !== null && Buffer.byteLength(r) >= m[0].length + Number(m[1]) + 2;
    },
    1_000,
  );
}

/** Three masters, slots spread by `redis-cli --cluster create`; resolves once every node says cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startRedisServer({
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
        }),
      );
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], CLUSTER_TIMEOUT_MS);
    const deadline = Date.now() + CLUSTER_TIMEOUT_MS;
    const pending = new Set(nodes.map((n) => n.port));
    let last = '';
    while (pending.size > 0) {
      for (const port of [...pending]) {
        last = await clusterInfo(port);
        if (last.includes('cluster_state:ok')) pending.delete(port);
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) throw new Error(`redis cluster not ok within ${CLUSTER_TIMEOUT_MS} ms:\n${last}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { urls: nodes.map((n) => n.url), nodes, stop: stopAll };
}

/** Drops every pub/sub connection of the servers on `ports` (CLIENT KILL TYPE pubsub), as a network blip would; answers how many. */
export async function killSubscriberConnections(ports: readonly number[]): Promise<number> {
  let killed = 0;
  for (const port of ports) {
    const raw = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    try {
      await raw.connect();
      killed += Number(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    } finally {
      raw.disconnect();
    }
  }
  return killed;
}
