// What a test process starts, it does not leave behind: a process that exits
// without stopping its redis-servers (a suite whose `after` hook a
// --test-name-pattern run skipped) takes them down with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor, withTimeout } from './wait.ts';

const MODULE = fileURLToPath(new URL('./redis-server.ts', import.meta.url));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

test('a process that exits without stopping its redis-server and its 3-master cluster leaves neither running', async () => {
  const script = `
    const { startRedisServer, startRedisCluster } = await import(${JSON.stringify(MODULE)});
    const one = await startRedisServer();
    const cluster = await startRedisCluster();
    console.log(JSON.stringify({ ports: [one.port, ...cluster.nodes.map((n) => n.port)] }));
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await withTimeout(new Promise<number | null>((resolve) => child.once('exit', resolve)), { timeoutMs: 30_000, what: 'the child to start four servers and exit' });
  assert.equal(code, 0, out);
  const { ports } = JSON.parse(out.trim().split('\n').pop()!) as { ports: number[] };
  assert.equal(ports.length, 4);
  for (const port of ports) {
    await waitFor(() => listening(port), (up) => !up, { timeoutMs: 5000, what: `redis on ${port} to be gone` });
  }
});
