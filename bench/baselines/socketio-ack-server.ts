// Baseline 3 of bench/inbound.ts: Socket.IO 4 emit-with-ack, as an
// application would write a request/answer: the client emits "request" with
// an ack id, the server answers the ack with a small object. Socket.IO parses
// and encodes every packet; no auth, no validation, no actors.
// Prints {"listening":PORT} when ready.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('request', (req: { channel?: unknown }, ack?: (answer: object) => void) => {
    ack?.({ ok: true, channel: typeof req?.channel === 'string' ? req.channel : null });
  });
});

http.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ listening: (http.address() as AddressInfo).port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
