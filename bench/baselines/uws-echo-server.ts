// Baseline for bench/inbound.ts: raw uWebSockets.js answering every frame
// with a small JSON reply carrying the frame's ref: JSON.parse and
// JSON.stringify per frame, no auth, no validation, no actors, no rate limit.
// Prints {"listening":PORT} when ready.
import { loadUws } from '../../src/gateway/uws.ts';

const { uws } = loadUws({ allowFallback: false });
const app = uws.App();
app.ws('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 0,
  maxBackpressure: 1024 * 1024,
  message(ws, message) {
    let ref: unknown;
    try {
      ref = (JSON.parse(Buffer.from(message).toString('utf8')) as { ref?: unknown }).ref;
    } catch {
      ref = undefined;
    }
    ws.send(JSON.stringify({ type: 'reply', ok: true, ref }), false);
  },
});

app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (listenSocket) => {
  if (!listenSocket) {
    process.stderr.write('uws-echo-server: cannot listen\n');
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ listening: uws.us_socket_local_port(listenSocket) })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
