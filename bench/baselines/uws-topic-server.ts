// Baseline 1: the raw uWebSockets.js topic fan-out that haat is measured
// against. "sub" subscribes the connection to topic "t"; every other message
// is published to "t" unchanged. Prints {"listening":PORT} when ready.
import { loadUws } from '../../src/gateway/uws.ts';

// The native build only: the package's ws-based fallback would make a slow baseline.
const { uws } = loadUws({ allowFallback: false });
const TOPIC = 't';
const SUB = Buffer.from('sub');

const app = uws.App();
app.ws('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 64 * 1024,
  // No idle timeout and so no pings: the baseline does only the fan-out.
  idleTimeout: 0,
  // Same per-connection budget as haat's gateway.maxBackpressureBytes.
  maxBackpressure: 1024 * 1024,
  message(ws, message, isBinary) {
    if (message.byteLength === SUB.length && SUB.equals(Buffer.from(message))) {
      ws.subscribe(TOPIC);
      ws.send('subscribed');
      return;
    }
    app.publish(TOPIC, message, isBinary);
  },
});

app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (listenSocket) => {
  if (!listenSocket) {
    process.stderr.write('uws-topic-server: cannot listen\n');
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ listening: uws.us_socket_local_port(listenSocket) })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
