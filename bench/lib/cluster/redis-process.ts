// The bench's own redis-server: on a free port (never the shared 6379), no
// persistence, in a temp dir; its pid is known so that its CPU and RSS count
// with the nodes'. Killed if the bench exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/testkit/redis-server.ts';

export interface RedisProcess {
  pid: number;
  port: number;
  url: string;
  alive(): void;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startRedis(timeoutMs = 5000): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'haat-bench-redis-'));
  const port = await freePort();
  // maxclients: 6 nodes × (engine, host thread, bus, mailbox connections) stay far below the default 10,000, but say it.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxclients', '10000'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = signal ? `signal ${signal}` : `code ${code}`;
      live.delete(child);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${port} not ready within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-4000);
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-4000)));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be spawned (is it installed?): ${err.message}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited before it was ready: ${out}`));
    });
  });
  return {
    pid: child.pid!,
    port,
    url: `redis://127.0.0.1:${port}`,
    alive: () => {
      if (ended !== undefined) throw new Error(`redis-server exited (${ended}): ${out.slice(-500)}`);
    },
    async stop() {
      if (ended === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
