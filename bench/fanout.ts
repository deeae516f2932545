// Fan-out bench (DESIGN.md §4): N subscribers on one channel, publishers at
// full speed and at a fixed rate, against haat, a raw uWebSockets.js topic
// server and a Socket.IO room server, in the same run and harness.
//   npm run bench:fanout -- --n=1000,5000,10000 --targets=haat,uws,socketio --seconds=5
import { cpus, totalmem } from 'node:os';
import { intFlag, intListFlag, listFlag, numberFlag, benchFlags, runBench } from './lib/args.ts';
import { fanoutMarkdown, type Skipped } from './lib/fanout/report.ts';
import { DEFAULT_WINDOW, runFanout, type FanoutOptions } from './lib/fanout/run.ts';
import type { FanoutResult } from './lib/fanout/types.ts';
import { openFileLimits } from './lib/proc-stats.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { targetByName } from './lib/targets.ts';

const FLAGS = ['n', 'targets', 'seconds', 'warmup', 'workers', 'max-pending', 'per-address', 'publishers', 'window', 'rate-fraction', 'drain-timeout-ms', 'deadline-s', 'help'];
const USAGE = `usage: npm run bench:fanout -- [flags]
  --n=1000,5000,10000          subscriber counts
  --targets=haat,uws,socketio  servers to measure, in this order, at each N
  --seconds=5                  measured seconds per phase (full speed, then fixed rate)
  --warmup=1                   unmeasured seconds before each phase
  --workers=2                  client worker threads
  --max-pending=500            connections being opened at once
  --per-address=900            subscribers per source address 127.0.0.x (haat allows 1,000 per IP)
  --publishers=1               publisher connections
  --window=${DEFAULT_WINDOW}                  publishes in flight at full speed (refilled when half have arrived)
  --rate-fraction=0.5          fixed rate as a fraction of the measured peak publish rate
  --drain-timeout-ms=10000     how long to wait for the last deliveries of a phase
  --deadline-s=900             the whole run stops (exit 2) after this long, whatever happens`;

/** File descriptors per process beyond the N sockets: worker threads, pipes, publisher, listen socket. */
const FD_MARGIN = 512;

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const ns = intListFlag(flags, 'n', [1000, 5000, 10000]);
  const targets = listFlag(flags, 'targets', ['haat', 'uws', 'socketio']).map(targetByName);
  const opts: FanoutOptions = {
    seconds: intFlag(flags, 'seconds', 5),
    warmupSeconds: numberFlag(flags, 'warmup', 1),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    maxPending: Math.max(1, intFlag(flags, 'max-pending', 500)),
    perAddress: Math.max(1, intFlag(flags, 'per-address', 900)),
    publishers: Math.max(1, intFlag(flags, 'publishers', 1)),
    window: intFlag(flags, 'window', DEFAULT_WINDOW),
    rateFraction: numberFlag(flags, 'rate-fraction', 0.5),
    drainTimeoutMs: intFlag(flags, 'drain-timeout-ms', 10_000),
  };

  const deadlineS = intFlag(flags, 'deadline-s', 900);
  // Every phase has its own bound; this is the backstop (children are killed on exit).
  setTimeout(() => {
    progress('fanout', `deadline of ${deadlineS} s passed; stopping`);
    process.exit(2);
  }, deadlineS * 1000).unref();

  const limits = openFileLimits();
  const results: FanoutResult[] = [];
  const skipped: Skipped[] = [];
  for (const n of ns) {
    // Client sockets all live in this process and server sockets in one child: each needs N descriptors.
    const needed = n + FD_MARGIN;
    if (needed > limits.soft) {
      const how = needed > limits.hard ? `raise the hard limit first (now ${limits.hard}, e.g. in /etc/security/limits.conf or with prlimit), then ` : '';
      const reason = `needs about ${needed} open files per process but ulimit -n is ${limits.soft}: ${how}run \`ulimit -n ${needed}\` in the shell that starts the bench`;
      progress('fanout', `skipping N=${n}: ${reason}`);
      skipped.push({ n, reason });
      continue;
    }
    for (const target of targets) results.push(await runFanout(target, n, opts));
  }

  if (results.length === 0) {
    progress('fanout', 'nothing measured; results not written');
    process.exitCode = 1;
    return;
  }
  const args = process.argv.slice(2).join(' ');
  const command = args ? `npm run bench:fanout -- ${args}` : 'npm run bench:fanout';
  const meta = { command, when: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}` };
  const markdown = fanoutMarkdown(results, skipped, meta);
  const paths = writeResults('fanout', { ...meta, options: opts, ns, targets: targets.map((t) => t.name), results, skipped }, markdown);
  process.stdout.write(markdown);
  progress('fanout', `wrote ${paths.json}, ${paths.latestMd}`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

runBench('fanout', USAGE, main);
