// A load-generator worker thread: opens its share of subscriber connections
// with bounded concurrency, counts deliveries and records their latency.
// Everything per delivery is kept to a byte search, a clock read and an
// array increment.
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { nowMs } from '../clock.ts';
import { LatencyRecorder, encodeHistogram } from '../histogram.ts';
import { protocolByName } from '../protocols/index.ts';
import type { ControlOutcome } from '../protocols/protocol.ts';
import { readTimestamp } from './frame.ts';
import type { Command, ConnectCommand, WorkerCounters, WorkerEvent } from './messages.ts';

const port = parentPort;
if (!port) throw new Error('loadgen/worker.ts must run as a worker thread');

const counters: WorkerCounters = { joined: 0, failed: 0, dropped: 0, delivered: 0, frameBytes: 0, lastError: undefined };
const recorder = new LatencyRecorder();
const sockets = new Set<WebSocket>();
let progressTimer: NodeJS.Timeout | undefined;

let progressEveryMs = 10;
let lastReport = 0;

function reportIfDue(): void {
  const now = performance.now();
  if (now - lastReport < progressEveryMs) return;
  lastReport = now;
  post({ ev: 'progress', ...counters });
}

function post(ev: WorkerEvent): void {
  port!.postMessage(ev);
}

function connectAll(c: ConnectCommand): void {
  const protocol = protocolByName(c.protocol);
  const urls = (c.ports ?? [c.port]).map((p) => protocol.subscriberUrl(c.host, p));
  let next = 0;
  let pending = 0;

  const pump = (): void => {
    while (pending < c.maxPending && next < c.count) open(c.first + next++ * c.step);
  };

  const open = (index: number): void => {
    pending++;
    let joined = false;
    const ws = new WebSocket(urls[index % urls.length]!, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress: c.addresses[index % c.addresses.length],
      handshakeTimeout: c.handshakeTimeoutMs,
    });
    sockets.add(ws);
    const settle = (outcome: ControlOutcome): void => {
      if (outcome === 'joined' && !joined) {
        joined = true;
        counters.joined++;
        pending--;
        pump();
      } else if (typeof outcome === 'object') {
        counters.lastError = outcome.error;
        ws.terminate();
      }
    };
    ws.on('open', () => settle(protocol.onSubscriberOpen(ws, c.channel)));
    ws.on('message', (data: Buffer) => {
      if (joined) {
        const t = readTimestamp(data);
        if (t >= 0) {
          counters.delivered++;
          // A steady stream of reads from several servers can keep libuv's poll
          // phase busy for seconds, starving the progress timer below (seen
          // with 3 cluster nodes: the harness saw 0 deliveries for 4 s while
          // they arrived on time). So report from here too, checking the clock
          // only every 1024 deliveries.
          if ((counters.delivered & 1023) === 0) reportIfDue();
          counters.frameBytes = data.length;
          recorder.record((nowMs() - t) * 1000);
          return;
        }
      }
      settle(protocol.onSubscriberFrame(ws, data, c.channel));
    });
    ws.on('error', (err) => {
      counters.lastError = err.message;
    });
    ws.on('close', () => {
      sockets.delete(ws);
      if (joined) {
        counters.dropped++;
        return;
      }
      counters.failed++;
      pending--;
      pump();
    });
  };

  progressEveryMs = c.progressMs;
  progressTimer = setInterval(reportIfDue, c.progressMs);
  pump();
}

port.on('message', (msg: Command) => {
  switch (msg.cmd) {
    case 'connect':
      connectAll(msg);
      return;
    case 'reset':
      recorder.reset();
      post({ ev: 'reply', id: msg.id, delivered: counters.delivered });
      return;
    case 'collect':
      post({ ev: 'reply', id: msg.id, delivered: counters.delivered, histogram: encodeHistogram(recorder.histogram()) });
      return;
    case 'close':
      clearInterval(progressTimer);
      // terminate(): no close handshake, so thousands of sockets go at once.
      for (const ws of sockets) ws.terminate();
      post({ ev: 'reply', id: msg.id, delivered: counters.delivered });
      port.close();
      return;
  }
});
