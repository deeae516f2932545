// Baseline for bench/inbound.ts: raw uWebSockets.js with the smallest actor
// hop there can be. Each frame is parsed on the main thread (to route it, as
// any server must), handed to one worker thread in a batch (one JSON array
// per event-loop turn, as haat's Batcher does), answered there, and the
// answers come back in a batch and are written corked, one write per socket
// per turn. No auth, no validation, no actors, no rate limit, no history.
// What this costs over uws-echo-server is the floor of any design that keeps
// a thread hop per request frame; what haat costs over this is its own.
// Prints {"listening":PORT} when ready.
import { Worker } from 'node:worker_threads';
import { loadUws } from '../../src/gateway/uws.ts';
import { listenAndAnnounce } from './listen.ts';

// The worker: parses a batch, answers each frame with its ref, posts the answers as one batch per turn.
const WORKER = `
const { parentPort } = require('node:worker_threads');
let out = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  const batch = out;
  out = [];
  parentPort.postMessage('[' + batch.join(',') + ']');
};
parentPort.on('message', (batch) => {
  for (const item of JSON.parse(batch)) out.push('{"s":' + item.s + ',"r":' + JSON.stringify(item.m.ref ?? null) + '}');
  if (!scheduled && out.length > 0) {
    scheduled = true;
    queueMicrotask(flush);
  }
});
`;

interface Conn {
  id: number;
}

const { uws } = loadUws({ allowFallback: false });
const worker = new Worker(WORKER, { eval: true });
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const sockets = new Map<number, import('uWebSockets.js').WebSocket<Conn>>();
let nextId = 1;
let items: string[] = [];
let scheduled = false;

const flushToWorker = (): void => {
  scheduled = false;
  if (items.length === 0) return;
  const batch = items;
  items = [];
  worker.postMessage(`[${batch.join(',')}]`);
};

worker.on('message', (batch: string) => {
  // One corked write per socket for this batch's answers.
  const bySocket = new Map<number, string[]>();
  for (const a of JSON.parse(batch) as { s: number; r: unknown }[]) {
    const frame = JSON.stringify({ type: 'reply', ok: true, ref: a.r });
    const q = bySocket.get(a.s);
    if (q) q.push(frame);
    else bySocket.set(a.s, [frame]);
  }
  for (const [id, frames] of bySocket) {
    const ws = sockets.get(id);
    if (!ws) continue;
    ws.cork(() => {
      for (const f of frames) ws.send(f, false);
    });
  }
});
worker.on('error', (err) => {
  process.stderr.write(`uws-hop-server: worker failed: ${err.message}\n`);
  process.exit(1);
});

const app = uws.App();
app.ws<Conn>('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 0,
  maxBackpressure: 1024 * 1024,
  upgrade(res, req, context) {
    res.upgrade<Conn>({ id: nextId++ }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  open(ws) {
    sockets.set(ws.getUserData().id, ws);
  },
  close(ws) {
    sockets.delete(ws.getUserData().id);
  },
  message(ws, message) {
    const text = decoder.decode(message);
    try {
      JSON.parse(text); // routing needs the frame parsed; the worker gets its text as it came
    } catch {
      ws.send('{"type":"error","code":"bad_request"}', false);
      return;
    }
    items.push(`{"s":${ws.getUserData().id},"m":${text}}`);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushToWorker);
    }
  },
});

listenAndAnnounce(uws, app, 'uws-hop-server');
