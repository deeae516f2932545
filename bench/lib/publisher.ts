// Publisher connections, opened from the harness thread. Each publish embeds
// its send time so that subscribers can compute the delivery latency.
import WebSocket from 'ws';
import { nowMs } from './clock.ts';
import { formatTimestamp } from './loadgen/frame.ts';
import { protocolByName } from './protocols/index.ts';
import type { ControlOutcome, Protocol } from './protocols/protocol.ts';

export interface PublisherOptions {
  protocol: string;
  host: string;
  port: number;
  channel: string;
  connections: number;
  token?: string;
  localAddress?: string;
  timeoutMs?: number;
}

export class Publisher {
  /** Publish requests sent. */
  published = 0;
  /** Requests the server accepted (only for protocols that answer them). */
  accepted = 0;
  rejected = 0;
  lastError: string | undefined;
  private next = 0;

  private constructor(
    private readonly protocol: Protocol,
    private readonly channel: string,
    private readonly sockets: WebSocket[],
  ) {}

  static async open(opts: PublisherOptions): Promise<Publisher> {
    const protocol = protocolByName(opts.protocol);
    const url = protocol.publisherUrl(opts.host, opts.port, opts.token);
    const sockets: WebSocket[] = [];
    const publisher = new Publisher(protocol, opts.channel, sockets);
    await Promise.all(
      Array.from({ length: opts.connections }, () =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: opts.localAddress, handshakeTimeout: opts.timeoutMs ?? 10_000 });
          sockets.push(ws);
          const timer = setTimeout(() => reject(new Error(`publisher not ready within ${opts.timeoutMs ?? 10_000} ms`)), opts.timeoutMs ?? 10_000);
          const settle = (o: ControlOutcome): void => {
            if (o === 'ready') {
              clearTimeout(timer);
              resolve();
            } else if (o === 'ok') {
              publisher.accepted++;
            } else if (typeof o === 'object') {
              publisher.rejected++;
              publisher.lastError = o.error;
            }
          };
          ws.on('open', () => settle(protocol.onPublisherOpen(ws)));
          ws.on('message', (data: Buffer) => settle(protocol.onPublisherFrame(ws, data)));
          ws.on('error', (err) => {
            publisher.lastError = err.message;
            clearTimeout(timer);
            reject(err);
          });
          ws.on('close', (code) => {
            publisher.lastError ??= `publisher connection closed (${code})`;
            clearTimeout(timer);
            reject(new Error(`publisher connection closed (${code}) before it was ready`));
          });
        }),
      ),
    );
    return publisher;
  }

  /** Sends one publish request on the next connection, round-robin. */
  publish(): void {
    const ws = this.sockets[this.next++ % this.sockets.length]!;
    this.published++;
    ws.send(this.protocol.publishFrame(this.channel, this.published, formatTimestamp(nowMs())));
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
  }
}
