// A phone on a slow link, for the 2G test (network/mobile-2g.test.ts): run
// inside a network namespace whose link is shaped by `tbf`. This kernel has no
// netem, so the latency of a mobile network is added here, by a TCP proxy that
// holds every chunk `delayMs` in each direction. It connects WebSocket
// clients through the proxy, joins a channel, and prints one JSON line per
// event received (with the time it arrived); on "stop" (stdin) it prints the
// bytes each client's socket read off the wire (compressed, as sent) and exits.
import net from 'node:net';
import WebSocket from 'ws';

interface Args {
  /** host:port of the haat node, as seen from the namespace. */
  target: string;
  delayMs: number;
  channel: string;
  clients: { name: string; query: Record<string, string> }[];
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const [host, port] = args.target.split(':') as [string, string];
const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

/** Forwards `from` to `to`, each chunk `delayMs` later; fixed delay, so order is kept. */
function delayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', (err) => {
    out({ kind: 'proxy_error', message: err.message });
    to.destroy();
  });
}

const proxy = net.createServer((client) => {
  const upstream = net.connect(Number(port), host);
  delayed(client, upstream, args.delayMs);
  delayed(upstream, client, args.delayMs);
});

proxy.listen(0, '127.0.0.1', () => {
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  const sockets = new Map<string, net.Socket>();
  for (const c of args.clients) {
    const q = new URLSearchParams(c.query).toString();
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/ws?${q}`, { perMessageDeflate: true });
    ws.once('upgrade', (res) => sockets.set(c.name, res.socket as net.Socket));
    ws.on('error', (err) => out({ kind: 'error', client: c.name, message: err.message }));
    ws.on('close', (code) => out({ kind: 'closed', client: c.name, code }));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Record<string, unknown>;
      const t = Date.now();
      if (f.type === 'authenticated') {
        out({ kind: 'authenticated', client: c.name, extensions: ws.extensions });
        ws.send(JSON.stringify({ type: 'join_channel', channels: [args.channel], ref: 1 }));
      } else if (f.type === 'channels_joined') {
        out({ kind: 'joined', client: c.name, t });
      } else if (f.type === 'lean_mode') {
        out({ kind: 'lean_mode', client: c.name, t, lean: f.lean });
      } else if (f.type === 'event') {
        out({ kind: 'event', client: c.name, t, offset: f.offset, priority: f.priority, event_type: f.event_type, data: f.data });
      }
    });
  }
  process.stdin.on('data', (d) => {
    if (!d.toString().includes('stop')) return;
    for (const [name, s] of sockets) out({ kind: 'bytes', client: name, bytes: s.bytesRead });
    out({ kind: 'done' });
    process.exit(0);
  });
});
