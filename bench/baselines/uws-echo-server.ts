// Baseline for bench/inbound.ts: raw uWebSockets.js answering every frame
// with a small JSON reply carrying the frame's ref: JSON.parse and
// JSON.stringify per frame, no auth, no validation, no actors, no rate limit.
// Prints {"listening":PORT} when ready.
import { loadUws } from '../../src/gateway/uws.ts';
import { listenAndAnnounce } from './listen.ts';

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

listenAndAnnounce(uws, app, 'uws-echo-server');
