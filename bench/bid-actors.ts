// Accepted bids without the gateway: what an accepted bid costs in the actors
// alone, with and without the notification to the bidder it outbids. A node
// runs in this process on the memory engine; bids that all lead are asked of
// the auction actors directly, `--round` in flight. With `outbid` every bid
// comes from another bidder than the auction's leader (an `auction_outbid`
// notification: the user actor queues, saves and stores it; the bidders are
// not connected, so nothing is written to a socket); with `same` every bid on
// an auction comes from its leader (no notification). The difference of the
// two rows is what one notification costs. CPU is the whole process (main
// thread and host threads); the loop that asks is part of it, the same in
// both rows. One ask at a time per auction is not what the gateway does, so
// compare rows of one run, not with bench:auction.
//   npm run bench:bid-actors -- --bids=30000
import { intFlag, listFlag, benchFlags, runBench, UsageError } from './lib/args.ts';
import { fixed, int, table } from './lib/markdown.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { commandLine, machine } from './lib/sessions.ts';
import { BENCH_JWT_SECRET } from './lib/targets.ts';
import { openAuctions } from './lib/commerce.ts';
import { loadConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/log/logger.ts';
import { startNode } from '../src/node.ts';

const FLAGS = ['bids', 'auctions', 'bidders', 'round', 'modes', 'help'];
const USAGE = `usage: npm run bench:bid-actors -- [flags]
  --bids=30000          accepted bids measured per mode (after 5,000 unmeasured)
  --auctions=1000       open auctions the bids spread over
  --bidders=200         bidders (users)
  --round=500           bids in flight at a time
  --modes=same,outbid   same: every bid from the auction's leader (no notification);
                        outbid: every bid outbids another bidder (an auction_outbid notification each)`;

interface Row {
  mode: string;
  bids: number;
  seconds: number;
  bids_per_s: number;
  cpu_us_per_bid: number;
  cores: number;
  refused: Record<string, number>;
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const bids = Math.max(1, intFlag(flags, 'bids', 30_000));
  const auctions = Math.max(1, intFlag(flags, 'auctions', 1000));
  const bidders = Math.max(2, intFlag(flags, 'bidders', 200));
  const round = Math.max(1, intFlag(flags, 'round', 500));
  const modes = listFlag(flags, 'modes', ['same', 'outbid']);
  for (const m of modes) if (m !== 'same' && m !== 'outbid') throw new UsageError(`unknown mode ${m}: same or outbid`);
  const rows: Row[] = [];
  for (const mode of modes) {
    // A fresh node per mode: the other mode's user actors and store records are not in it.
    const config = loadConfig({ env: { PORT: '0', HAAT_JWT_SECRET: BENCH_JWT_SECRET, HAAT_NODE_ID: 'bid-actors', LOG_LEVEL: 'warn' }, overrides: { server: { host: '127.0.0.1' } } });
    const node = await startNode(config, silentLogger(), { defaultMetrics: false });
    try {
      progress('bid-actors', `${mode}: creating ${int(auctions)} auctions`);
      await openAuctions([node.port], auctions, 'a');
      let ref = 0;
      // Bid `ref` goes to auction ref % auctions; the bid before it there was ref - auctions.
      const bidder = (r: number): string => `bidder-${mode === 'same' ? r % auctions % bidders : (r + Math.floor(r / auctions)) % bidders}`;
      const ask = async (n: number): Promise<Record<string, number>> => {
        const refused: Record<string, number> = {};
        for (let i = 0; i < n; i += round) {
          const answers = await Promise.all(
            Array.from({ length: Math.min(round, n - i) }, () => {
              ref++;
              return node.actors.ask(`auction:a${ref % auctions}`, { type: 'bid', bidder: bidder(ref), amount: 10_000 + ref * 100, client_bid_id: `b${ref}` }).then(
                () => 'ok',
                (e: { code?: string }) => e.code ?? 'error',
              );
            }),
          );
          for (const a of answers) if (a !== 'ok') refused[a] = (refused[a] ?? 0) + 1;
        }
        return refused;
      };
      progress('bid-actors', `${mode}: 5,000 bids to warm up`);
      await ask(5000);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const refused = await ask(bids);
      const c = process.cpuUsage(c0);
      const seconds = (performance.now() - t0) / 1000;
      const cpuS = (c.user + c.system) / 1e6;
      const row: Row = { mode, bids, seconds, bids_per_s: bids / seconds, cpu_us_per_bid: (cpuS * 1e6) / bids, cores: cpuS / seconds, refused };
      rows.push(row);
      progress('bid-actors', `${mode}: ${int(bids)} bids in ${fixed(seconds, 2)} s = ${int(row.bids_per_s)}/s, ${fixed(row.cpu_us_per_bid, 1)} µs of CPU each (${fixed(row.cores, 2)} cores), refused ${JSON.stringify(refused)}`);
    } finally {
      await node.stop();
    }
  }
  const meta = { command: commandLine('bench:bid-actors'), when: new Date().toISOString(), machine: machine() };
  const same = rows.find((r) => r.mode === 'same');
  const lines = [
    `## Accepted bids asked of the auction actors directly (no gateway), ${int(round)} in flight, ${int(auctions)} auctions, ${int(bidders)} bidders`,
    '',
    `\`${meta.command}\` — ${meta.when}, ${meta.machine}`,
    '',
    table(
      ['mode', 'bids', 'seconds', 'bids/s', 'CPU µs per bid (process)', 'cores', 'over `same`', 'refused'],
      rows.map((r) => [r.mode, int(r.bids), fixed(r.seconds, 2), int(r.bids_per_s), fixed(r.cpu_us_per_bid, 1), fixed(r.cores, 2), same && r !== same ? `+${fixed(r.cpu_us_per_bid - same.cpu_us_per_bid, 1)} µs` : '–', Object.keys(r.refused).length ? JSON.stringify(r.refused) : '–']),
    ),
    '',
  ];
  const md = lines.join('\n');
  const paths = writeResults('bid-actors', { ...meta, rows }, md);
  process.stdout.write(md);
  progress('bid-actors', `wrote ${paths.json}, ${paths.latestMd}`);
}

runBench('bid-actors', USAGE, main);
