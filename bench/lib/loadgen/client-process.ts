// A client child process of the session load generator: one process holds at
// most `ulimit -n` sockets, so a fleet larger than that is split over several
// of these. Each runs `workers` session worker threads and relays messages
// between them and the fleet (parent) over the IPC channel:
//   parent -> child  {w, msg: SessionCommand}
//   child  -> parent {w, ev: SessionEvent} | {fatal: string}
import type { Worker } from 'node:worker_threads';
import { tsWorker } from '../../../src/threads/ts-worker.ts';
import type { SessionCommand, SessionEvent } from './session-messages.ts';

if (!process.send) throw new Error('loadgen/client-process.ts must be started with an IPC channel (fork)');
const send = process.send.bind(process);

const WORKER_URL = new URL('./session-worker.ts', import.meta.url);
const workers = Number(process.argv[2] ?? '1');
const slots: Worker[] = [];
for (let w = 0; w < workers; w++) {
  const worker = tsWorker(WORKER_URL);
  worker.on('message', (ev: SessionEvent) => send({ w, ev }));
  worker.on('error', (err) => send({ fatal: `worker ${w}: ${err.stack ?? err.message}` }));
  slots.push(worker);
}

process.on('message', (m: { w: number; msg: SessionCommand }) => {
  slots[m.w]?.postMessage(m.msg);
});
// The fleet going away takes its clients with it.
process.on('disconnect', () => process.exit(0));
