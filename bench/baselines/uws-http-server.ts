// Baseline for bench/rest.ts: raw uWebSockets.js answering the same JSON
// bodies with no auth, no validation and no actors. Prints {"listening":PORT}.
import { loadUws } from '../../src/gateway/uws.ts';
import { listenAndAnnounce } from './listen.ts';

const { uws } = loadUws({ allowFallback: false });
const app = uws.App();
const json = (body: string) => (res: import('uWebSockets.js').HttpResponse) => {
  res.cork(() => res.writeHeader('content-type', 'application/json').end(body));
};
app.get('/api/v1/realtime/health', json('{"status":"ok","node":"baseline","checks":{"engine":"ok","store":"ok"}}'));
app.get('/api/v1/realtime/stats', json('{"node":"baseline","connections":0,"channels":0}'));
app.post('/api/v1/realtime/events/broadcast', (res) => {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  res.onData((_chunk, last) => {
    if (last && !aborted) res.cork(() => res.writeHeader('content-type', 'application/json').end('{"ok":true,"events":[{"channel":"product:bench","id":"ev_x","offset":1}]}'));
  });
});
listenAndAnnounce(uws, app, 'uws-http-server');
