// Baseline 2: Socket.IO 4 room broadcast, as an application would write it.
// "join" (with an ack) joins a room; "publish" emits the payload to the room
// named by its `channel`. Prints {"listening":PORT} when ready.
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
  socket.on('join', (room: unknown, ack?: (ok: boolean) => void) => {
    if (typeof room !== 'string') return ack?.(false);
    void socket.join(room);
    ack?.(true);
  });
  socket.on('publish', (event: { channel?: unknown }) => {
    if (typeof event?.channel === 'string') io.to(event.channel).emit('bench', event);
  });
});

http.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ listening: (http.address() as AddressInfo).port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
