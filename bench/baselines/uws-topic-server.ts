// Baseline 1: the raw uWebSockets.js topic fan-out that haat is measured
// against. "sub" subscribes the connection to topic "t"; every other message
// is published to "t" unchanged. Prints {"listening":PORT} when ready.
import { loadUws } from '../../src/gateway/uws.ts';
import { listenAndAnnounce } from './listen.ts';

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

listenAndAnnounce(uws, app, 'uws-topic-server');
