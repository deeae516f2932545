import uWS from 'uWebSockets.js';
import WebSocket from 'ws';
const app = uWS.App();
let serverAbnormal = 0;
app.ws('/ws', {
  compression: uWS.DISABLED, maxPayloadLength: 131072, idleTimeout: 50, sendPingsAutomatically: true, maxBackpressure: 4 << 20, closeOnBackpressureLimit: 0,
  upgrade: (res, req, ctx) => {
    const key = req.getHeader('sec-websocket-key'), p = req.getHeader('sec-websocket-protocol'), e = req.getHeader('sec-websocket-extensions');
    let aborted = false; res.onAborted(() => { aborted = true; });
    Promise.resolve().then(() => new Promise((r) => setImmediate(r))).then(() => { if (!aborted) res.cork(() => res.upgrade({}, key, p, e, ctx)); });
  },
  open: (ws) => { ws.send(JSON.stringify({ type: 'authenticated', pad: 'x'.repeat(200) })); },
  message: (ws, m) => { ws.send(Buffer.from(m).toString()); },
  close: (ws, code) => { if (code === 1006) serverAbnormal++; },
});
app.listen('127.0.0.1', 0, async (ls) => {
  const port = uWS.us_socket_local_port(ls);
  let clientAbnormal = 0, total = 0;
  const useRandom = process.env.RANDOM_SRC === '1';
  for (let round = 0; round < Number(process.env.ROUNDS ?? 10); round++) {
    const cs = [];
    for (let i = 0; i < 2000; i += 200) {
      cs.push(...await Promise.all(Array.from({ length: 200 }, () => new Promise((resolve) => {
        const r = () => 1 + Math.floor(Math.random() * 254);
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false, ...(useRandom ? { localAddress: `127.${r()}.${r()}.${r()}` } : {}) });
        ws.on('close', (code) => { if (code === 1006 && !ws.done) clientAbnormal++; });
        ws.on('error', () => {});
        ws.once('message', () => resolve(ws));
      }))));
    }
    await new Promise((r) => setTimeout(r, 200));
    total += cs.length;
    for (const ws of cs) { ws.done = true; ws.close(); }
    await new Promise((r) => setTimeout(r, 300));
    console.log('round', round, 'client 1006 so far', clientAbnormal, 'server 1006', serverAbnormal);
  }
  console.log('TOTAL', total, 'client1006', clientAbnormal, 'server1006', serverAbnormal);
  process.exit(0);
});
