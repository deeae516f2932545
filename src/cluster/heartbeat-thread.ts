// The beat thread: heartbeats for its node from a worker thread of its own,
// on a Redis connection of its own, so that a main thread busy for seconds
// (a flash sale's first second, a connect burst) is not declared dead and
// has its actors taken over while it is only slow. Akka runs its cluster
// heartbeats on a dispatcher of their own for the same reason.
//
// A main thread that is hung for good must still leave the ring: the main
// thread pulses every heartbeatMs and bumps a shared counter as it works
// (src/threads/liveness.ts), and while it has done neither for
// cluster.mainHungMs this thread does not beat, so the others find the node
// dead after deadMs more. Pulses alone are not enough: a flood of callbacks
// can starve the main thread's timers for seconds while it works on. Once
// the main thread shows signs of life again, beating resumes and the node
// rejoins under a new ring epoch (its writes from before are fenced).
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { parseRedisUrl } from '../engines/redis/connection.ts';
import { KeySpace } from '../engines/redis/keys.ts';
import { redisMembershipOnOwnConnection } from '../engines/redis/redis-membership.ts';
import { monotonicEpochMs } from './heartbeat.ts';
import type { BeatThreadData, FromBeatThread, Pulse, ToBeatThread } from './heartbeat-messages.ts';
import { LocalHeartbeat } from './local-heartbeat.ts';

const port = parentPort;
if (!port) throw new Error('heartbeat-thread.ts runs as a worker thread');
const data = workerData as BeatThreadData;
const log = pino({ level: data.logLevel, base: { thread: 'beat', node: data.nodeId } }, pino.destination(2));

let pulse: Pulse = data.first;
let pulseAt = monotonicEpochMs();
let hung = false;
const liveness = new Int32Array(data.liveness);
let livenessSeen = Atomics.load(liveness, 0);

const post = (m: FromBeatThread): void => port.postMessage(m);
const answeredAt = new BigInt64Array(data.answeredAt);

const redis = redisMembershipOnOwnConnection(
  data.urls.map(parseRedisUrl),
  { logger: log, maxBackoffMs: 2_000, commandTimeoutMs: 2_000, connectTimeoutMs: 5_000 },
  new KeySpace('haat'),
  600_000,
);

const heartbeat = new LocalHeartbeat({
  nodeId: data.nodeId,
  engine: redis.membership,
  config: data.config,
  info: () => {
    const moved = Atomics.load(liveness, 0);
    if (moved !== livenessSeen) {
      livenessSeen = moved;
      pulseAt = monotonicEpochMs();
    }
    const silent = monotonicEpochMs() - pulseAt;
    if (silent > data.config.mainHungMs) {
      if (!hung) log.error({ silentMs: Math.round(silent), mainHungMs: data.config.mainHungMs }, 'the main thread has not answered for longer than cluster.mainHungMs: not beating, so that the other nodes take this node over');
      hung = true;
      return undefined;
    }
    if (hung) log.warn({ silentMs: Math.round(silent) }, 'the main thread answers again: beating again');
    hung = false;
    return { ...pulse, startedAt: data.startedAt };
  },
});

port.on('message', (m: ToBeatThread) => {
  switch (m.t) {
    case 'pulse':
      pulse = m.pulse;
      pulseAt = monotonicEpochMs();
      return;
    case 'leave':
      heartbeat.leave().then(
        (view) => post({ t: 'left', view }),
        (err: unknown) => post({ t: 'leaveFailed', error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    case 'stop':
      void heartbeat
        .stop()
        .then(() => redis.close())
        .then(() => post({ t: 'stopped' }));
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message to the beat thread: ${JSON.stringify(never)}`);
    }
  }
});

void heartbeat.start((outcome) => {
  // Read by the main thread's health checks at once, even while its loop is behind on messages.
  if (outcome.ok) Atomics.store(answeredAt, 0, BigInt(Math.round(heartbeat.lastAnsweredAt())));
  post({ t: 'beat', outcome });
});
