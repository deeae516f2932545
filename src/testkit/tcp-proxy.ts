// A TCP proxy in front of a node, for client tests that need a connection to
// die for real: `cut()` destroys every proxied connection (the client sees
// 1006, as when a phone loses its network), and `cutOnServerText` drops a
// connection at the moment the server's bytes contain a text (e.g. the reply
// to a publish), so that the server has acted and the client never hears it.
// `swallowServerText` loses one answer on a live connection (a chunk that holds
// exactly that frame, as on an otherwise quiet connection).
// Server-to-client frames are unmasked and, without permessage-deflate, plain.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  url(path?: string): string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Destroys every open proxied connection; returns how many. */
  cut(): number;
  /** The next time a server chunk contains `text`, that chunk is not forwarded and its connection is destroyed. Resolves then. */
  cutOnServerText(text: string): Promise<void>;
  /** The next server chunk containing `text` is not forwarded; the connection stays up (a lost answer on a live link). Resolves then. */
  swallowServerText(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: () => number): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let accepted = 0;
  let trap: { text: string; fired: () => void; cut: boolean } | undefined;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target(), '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (trap && d.toString('latin1').includes(trap.text)) {
        const { fired, cut } = trap;
        trap = undefined;
        if (cut) drop();
        fired();
        return;
      }
      client.write(d);
    });
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (path = '/ws') => `ws://127.0.0.1:${port}${path}`,
    get accepted() {
      return accepted;
    },
    cut() {
      const n = pairs.size;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      return n;
    },
    cutOnServerText(text) {
      return new Promise((resolve) => (trap = { text, fired: resolve, cut: true }));
    },
    swallowServerText(text) {
      return new Promise((resolve) => (trap = { text, fired: resolve, cut: false }));
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
