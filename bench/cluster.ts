// Cluster bench: haat nodes with REDIS_URL forming one logical server over
// the bench's own redis-server.
//   1. fan-out over 1 and 3 nodes (and raw uWS) in the same run: deliveries/s,
//      CPU µs per delivery summed over every node and Redis, and
//   2. the fixed-rate phase's latency, publish on n1 → clients on all nodes;
//   3. failover: kill -9 of one of 3 nodes while publishing with retries;
//   4. many connections over 6 nodes: connects/s, drops, one publish to all,
//      RSS per connection per node after the ramp and after a hold.
//   npm run bench:cluster -- --parts=fanout,failover,conns --conns=6000 --hold=5
import { benchFlags, intFlag, intListFlag, listFlag, numberFlag, runBench, UsageError } from './lib/args.ts';
import { baselineDeployment, clusterDeployment } from './lib/cluster/deployments.ts';
import { runConnections, type ConnectionsOptions, type ConnectionsResult } from './lib/cluster/connections.ts';
import { runFailover, type FailoverOptions, type FailoverResult } from './lib/cluster/failover.ts';
import { clusterMarkdown } from './lib/cluster/report.ts';
import { sleep } from './lib/clock.ts';
import { DEFAULT_WINDOW, runFanoutOn, type Deployment, type FanoutOptions } from './lib/fanout/run.ts';
import type { FanoutResult } from './lib/fanout/types.ts';
import { progress } from './lib/progress.ts';
import { writeResults } from './lib/results.ts';
import { commandLine, deadline, machine } from './lib/sessions.ts';

const PARTS = ['fanout', 'failover', 'conns'] as const;
type Part = (typeof PARTS)[number];

const FLAGS = [
  'parts', 'n', 'targets', 'seconds', 'warmup', 'workers', 'max-pending', 'per-address', 'window', 'rate-fraction', 'drain-timeout-ms',
  'channels', 'rate', 'before-s', 'after-s', 'subscribers-per-node', 'request-timeout-ms',
  'conns', 'nodes', 'hold', 'client-processes', 'conn-workers', 'conn-max-pending', 'conn-per-address', 'heartbeat-ms',
  'deadline-s', 'help',
];
const USAGE = `usage: npm run bench:cluster -- [flags]
Every part starts its own redis-server (free port) and haat nodes (REDIS_URL, HAAT_NODE_ID=n1.., PORT=0).
  --parts=fanout,failover,conns   which parts to run, in this order
 fan-out and latency (subscribers spread evenly over the nodes, one channel, publisher on n1):
  --n=1000                  subscriber counts (list)
  --targets=uws,cluster-1,cluster-3   deployments at each N (also: haat = one memory-engine node, cluster-<K>)
  --seconds=5               measured seconds per phase (full speed, then fixed rate = latency)
  --warmup=1                unmeasured seconds before each phase
  --workers=2               client worker threads
  --max-pending=500         connections being opened at once
  --per-address=900         subscribers per source address 127.0.0.x
  --window=${DEFAULT_WINDOW}               publishes in flight at full speed
  --rate-fraction=0.5       fixed rate as a fraction of the measured peak publish rate
  --drain-timeout-ms=10000  bound on waiting for the last deliveries of a phase
 failover (3 nodes; publisher on n1, subscribers on n1 and n2, n3 killed with SIGKILL):
  --channels=60             channels published to (their actors spread over the 3 nodes)
  --rate=300                publishes/s over all channels (one in flight per channel)
  --before-s=5 --after-s=15 publishing seconds before and after the kill
  --subscribers-per-node=2  subscribers on each surviving node, each joined to every channel
  --request-timeout-ms=2000 a publish not answered in this long is sent again with the same client_msg_id
 connections (every client on product:hot):
  --conns=100000            connections (spread over the nodes and client processes)
  --nodes=6                 nodes (each holds conns/nodes; the open-file limit is per process)
  --hold=60                 seconds held after the ramp-up
  --client-processes=6      client processes (more if the open-file limit needs them)
  --conn-workers=2          worker threads per client process
  --conn-max-pending=1000   connects + joins in flight over all clients
  --conn-per-address=1000   connections per source address (haat allows 1,000 per IP per node)
  --heartbeat-ms=25000      application ping per connection
  --deadline-s=             backstop for the whole run (default: estimated from the flags)`;

function deploymentFor(name: string, tag: string): Deployment {
  if (name === 'uws' || name === 'haat') return baselineDeployment(name);
  const m = /^cluster-(\d+)$/.exec(name);
  if (m && Number(m[1]) >= 1) return clusterDeployment(Number(m[1]), tag);
  throw new UsageError(`unknown target ${JSON.stringify(name)}: uws, haat, cluster-<nodes>`);
}

async function main(): Promise<void> {
  const flags = benchFlags(FLAGS, USAGE);
  if (!flags) return;
  const parts = listFlag(flags, 'parts', [...PARTS]);
  for (const p of parts) if (!PARTS.includes(p as Part)) throw new UsageError(`unknown part ${JSON.stringify(p)}; known: ${PARTS.join(', ')}`);
  const ns = intListFlag(flags, 'n', [1000]);
  const targets = listFlag(flags, 'targets', ['uws', 'cluster-1', 'cluster-3']).map((t) => deploymentFor(t, 'cluster fanout'));
  const fo: FanoutOptions = {
    seconds: intFlag(flags, 'seconds', 5),
    warmupSeconds: numberFlag(flags, 'warmup', 1),
    workers: Math.max(1, intFlag(flags, 'workers', 2)),
    maxPending: Math.max(1, intFlag(flags, 'max-pending', 500)),
    perAddress: Math.max(1, intFlag(flags, 'per-address', 900)),
    publishers: 1,
    window: intFlag(flags, 'window', DEFAULT_WINDOW),
    rateFraction: numberFlag(flags, 'rate-fraction', 0.5),
    drainTimeoutMs: intFlag(flags, 'drain-timeout-ms', 10_000),
  };
  const fa: FailoverOptions = {
    channels: Math.max(3, intFlag(flags, 'channels', 60)),
    rate: Math.max(1, numberFlag(flags, 'rate', 300)),
    beforeS: intFlag(flags, 'before-s', 5),
    afterS: Math.max(1, intFlag(flags, 'after-s', 15)),
    subscribersPerNode: Math.max(1, intFlag(flags, 'subscribers-per-node', 2)),
    requestTimeoutMs: Math.max(100, intFlag(flags, 'request-timeout-ms', 2000)),
    retryDelayMs: 100,
    drainTimeoutMs: fo.drainTimeoutMs,
  };
  if (fa.channels > 200) throw new UsageError('--channels: a subscriber may join at most 200 channels (gateway.maxChannels)');
  const co: ConnectionsOptions = {
    connections: Math.max(1, intFlag(flags, 'conns', 100_000)),
    nodes: Math.max(1, intFlag(flags, 'nodes', 6)),
    holdS: intFlag(flags, 'hold', 60),
    clientProcesses: Math.max(1, intFlag(flags, 'client-processes', 6)),
    workers: Math.max(1, intFlag(flags, 'conn-workers', 2)),
    maxPending: Math.max(1, intFlag(flags, 'conn-max-pending', 1000)),
    perAddress: Math.max(1, intFlag(flags, 'conn-per-address', 1000)),
    heartbeatMs: intFlag(flags, 'heartbeat-ms', 25_000),
  };
  const estimateS =
    (parts.includes('fanout') ? ns.length * targets.length * (60 + 4 * (fo.seconds + fo.warmupSeconds) + (2 * fo.drainTimeoutMs) / 1000) : 0) +
    (parts.includes('failover') ? 60 + fa.beforeS + fa.afterS + (fa.requestTimeoutMs * 5 + fa.drainTimeoutMs) / 1000 : 0) +
    (parts.includes('conns') ? 240 + co.connections / 100 + co.holdS : 0);
  deadline('cluster', intFlag(flags, 'deadline-s', Math.ceil(estimateS)));

  const fanout: FanoutResult[] = [];
  let failover: FailoverResult | undefined;
  let connections: ConnectionsResult | undefined;
  for (const part of parts as Part[]) {
    switch (part) {
      case 'fanout':
        for (const n of ns) {
          for (const t of targets) {
            fanout.push(await runFanoutOn(t, n, fo, 'cluster fanout'));
            await sleep(1000);
          }
        }
        break;
      case 'failover':
        failover = await runFailover(fa);
        await sleep(1000);
        break;
      case 'conns':
        connections = await runConnections(co);
        break;
    }
  }

  const meta = { command: commandLine('bench:cluster'), when: new Date().toISOString(), machine: machine() };
  const md = clusterMarkdown({ ...meta, fanout, ...(failover ? { failover } : {}), ...(connections ? { connections } : {}) });
  const paths = writeResults('cluster', { ...meta, parts, options: { fanout: fo, failover: fa, connections: co }, fanout, failover, connections }, md);
  process.stdout.write(md);
  progress('cluster', `wrote ${paths.json}, ${paths.latestMd}`);
  const failed = fanout.some((r) => !r.ok) || (failover !== undefined && !failover.ok) || (connections !== undefined && !connections.ok);
  if (failed) process.exitCode = 1;
}

runBench('cluster', USAGE, main);
