// npm run bench:rest — REST under autocannon: GET health, GET stats and POST
// events/broadcast on a haat node, and the same routes on a raw uWS server in
// the same run, reported as requests/s, p99 and the ratio to the baseline.
// Flags: --seconds=10 --connections=50
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { parseFlags, intFlag } from './lib/args.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { spawnServer, type ServerProcess } from './lib/server-process.ts';
import { haatNodeArgs, haatNodeEnv } from './lib/targets.ts';

const flags = parseFlags(process.argv.slice(2), ['seconds', 'connections']);
const SECONDS = intFlag(flags, 'seconds', 10);
const CONNECTIONS = intFlag(flags, 'connections', 50);
const SECRET = 'bench-rest-secret';
const ROOT = new URL('../', import.meta.url).pathname;

const sign = (sub: string, roles: string[]): Promise<string> =>
  new SignJWT({ roles }).setSubject(sub).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

async function run(port: number, route: Route, bearer: string): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${route.path}`,
    method: route.method,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    ...(route.body === undefined ? {} : { body: route.body }),
  });
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

async function main(): Promise<void> {
  const routes: Route[] = [
    { name: 'GET health', method: 'GET', path: '/api/v1/realtime/health' },
    { name: 'GET stats', method: 'GET', path: '/api/v1/realtime/stats' },
    { name: 'POST events/broadcast', method: 'POST', path: '/api/v1/realtime/events/broadcast', body: JSON.stringify({ channel: 'product:bench', event_type: 'bench', data: { price: 1350 } }) },
  ];
  const admin = await sign('bench-admin', ['admin', 'publisher']);
  const targets: { name: string; start: () => Promise<ServerProcess> }[] = [
    { name: 'haat', start: () => spawnServer({ args: haatNodeArgs(), cwd: ROOT, env: haatNodeEnv({ PORT: '0', HAAT_JWT_SECRET: SECRET, LOG_LEVEL: 'warn' }) }) },
    { name: 'raw uWS', start: () => spawnServer({ args: ['--import', 'tsx', 'bench/baselines/uws-http-server.ts'], cwd: ROOT, env: { PORT: '0' } }) },
  ];
  const rows: Record<string, Record<string, Awaited<ReturnType<typeof run>>>> = {};
  for (const t of targets) {
    const server = await t.start();
    try {
      for (const r of routes) {
        progress('rest', `${t.name}: ${r.name} for ${SECONDS}s with ${CONNECTIONS} connections`);
        (rows[r.name] ??= {})[t.name] = await run(server.port, r, admin);
      }
    } finally {
      await server.stop();
    }
  }
  const lines = [
    `REST under autocannon (${CONNECTIONS} connections, ${SECONDS} s per route), Node ${process.version}`,
    '',
    '`npm run bench:rest`',
    '',
    '| route | haat req/s | haat p50 / p99 ms | raw uWS req/s | raw uWS p99 ms | haat / raw | haat non-2xx + errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of routes) {
    const h = rows[r.name]!['haat']!;
    const b = rows[r.name]!['raw uWS']!;
    lines.push(`| ${r.name} | ${h.rps.toLocaleString('en')} | ${h.p50} / ${h.p99} | ${b.rps.toLocaleString('en')} | ${b.p99} | ${(h.rps / b.rps).toFixed(2)} | ${h.non2xx + h.errors} |`);
  }
  const md = `${lines.join('\n')}\n`;
  writeResults('rest', { bench: 'rest', date: new Date().toISOString(), seconds: SECONDS, connections: CONNECTIONS, rows }, md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`[rest] failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
