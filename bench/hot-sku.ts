// Hot SKU (issue: one SKU must not be a single-thread bottleneck): how fast one
// sale actor answers reserves, without the gateway, for sales of several
// sizes. A node runs in this process on the memory engine; reserves from
// distinct users are asked of the sale actor in rounds (`--round` in flight),
// until `--requests` are answered. Most reserves of a small sale are refusals
// (`sold_out`, no save); every reserve of a big one is a hold (a save).
//   npm run bench:hot-sku -- --stocks=1000,20000 --requests=40000
import { SignJWT } from 'jose';
import { intFlag, intListFlag, benchFlags, runBench } from './lib/args.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { commandLine, machine } from './lib/sessions.ts';
import { loadConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/log/logger.ts';
import { startNode } from '../src/node.ts';
import { toDhakaIso } from '../src/time/clock.ts';

const FLAGS = ['stocks', 'requests', 'round', 'help'];
const USAGE = `usage: npm run bench:hot-sku -- [flags]
  --stocks=1000,20000,100000   units of the one SKU, one sale each
  --requests=40000             reserves asked of each sale
  --round=2000                 reserves in flight at a time`;

const SECRET = 'hot-sku-bench-secret';

interface Row {
  stock: number;
  requests: number;
  seconds: number;
  answered_per_s: number;
  reserved: number;
  refused: Record<string, number>;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const stocks = intListFlag(flags, 'stocks', [1000, 20_000, 100_000]);
  const requests = Math.max(1, intFlag(flags, 'requests', 40_000));
  const round = Math.max(1, intFlag(flags, 'round', 2000));
  const config = loadConfig({ env: { PORT: '0', HAAT_JWT_SECRET: SECRET, HAAT_NODE_ID: 'hot-sku', LOG_LEVEL: 'warn' }, overrides: { server: { host: '127.0.0.1' } } });
  const node = await startNode(config, silentLogger(), { defaultMetrics: false });
  const rows: Row[] = [];
  try {
    const token = await new SignJWT({ roles: ['publisher'] }).setSubject('bench').setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    for (const stock of stocks) {
      const id = `hot-${stock}`;
      const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/realtime/sales`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, starts_at: toDhakaIso(Date.now() - 1000), ends_at: toDhakaIso(Date.now() + 3_600_000), per_user_limit: 1, hold_s: 3600, skus: [{ sku: 'k', stock }] }),
      });
      if (res.status !== 201) throw new Error(`POST sales: ${res.status} ${await res.text()}`);
      const refused: Record<string, number> = {};
      let reserved = 0;
      const t0 = performance.now();
      for (let i = 0; i < requests; i += round) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(round, requests - i) }, (_, k) =>
            node.actors.ask(`sale:${id}`, { type: 'reserve', user: `u${i + k}`, sku: 'k', qty: 1 }).then(
              () => 'ok',
              (e: { code?: string }) => e.code ?? 'error',
            ),
          ),
        );
        for (const a of answers) {
          if (a === 'ok') reserved++;
          else refused[a] = (refused[a] ?? 0) + 1;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ stock, requests, seconds, answered_per_s: requests / seconds, reserved, refused });
      progress('hot-sku', `stock ${int(stock)}: ${int(requests)} reserves in ${fixed(seconds, 2)} s = ${int(requests / seconds)}/s, ${int(reserved)} reserved, refused ${JSON.stringify(refused)}`);
    }
  } finally {
    await node.stop();
  }
  const meta = { command: commandLine('bench:hot-sku'), when: new Date().toISOString(), machine: machine() };
  const md = `## Hot SKU: one sale actor, reserves asked directly (no gateway), ${int(round)} in flight\n\n\`${meta.command}\` — ${meta.when}, ${meta.machine}\n\n${table(
    ['units', 'reserves asked', 'seconds', 'answered/s', 'reserved', 'refused'],
    rows.map((r) => [int(r.stock), int(r.requests), fixed(r.seconds, 2), int(r.answered_per_s), int(r.reserved), JSON.stringify(r.refused)]),
  )}\n`;
  const paths = writeResults('hot-sku', { ...meta, rows }, md);
  process.stdout.write(md);
  progress('hot-sku', `wrote ${paths.json}, ${paths.latestMd}`);
}

runBench('hot-sku', USAGE, main);
