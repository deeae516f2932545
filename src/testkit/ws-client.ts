// A plain WebSocket client (the `ws` package) for black-box tests: it keeps
// every frame it receives and lets a test wait for the one it expects.
import WebSocket from 'ws';

export type Frame = { type: string; ref?: unknown; [k: string]: unknown };


export class TestClient {
  readonly frames: Frame[] = [];
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }[] = [];
  private nextRef = 1;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** How the socket closed (and the client-side error, if any), once it has: for reports. */
  private closeInfo: string | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const f = JSON.parse(isBinary ? '{}' : data.toString()) as Frame;
      this.frames.push(f);
      const idx = this.frames.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (idx >= w.from && w.match(f)) {
          w.resolve(f);
          return false;
        }
        return true;
      });
    });
    let error = '';
    ws.on('error', (err) => (error = ` after client error: ${err.message}`));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeInfo = `closed with ${code} ${JSON.stringify(reason.toString())}${error} after ${this.frames.length} frames`;
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** Connects and resolves once the `authenticated` frame has arrived. */
  static connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, ...fromLoopbackAddress(url), ...opts });
      const client = new TestClient(ws);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        // The refused request's socket is destroyed: kept alive, it would hold the test process open.
        const socket = res.socket;
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => socket.destroy());
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
      void client.next((f) => f.type === 'authenticated').then(() => resolve(client));
    });
  }

  /** Resolves once the socket is open, without waiting for any frame. */
  static open(url: string, opts: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, ...fromLoopbackAddress(url), ...opts });
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** The first frame (already received or still to come) matching `match`. */
  next(match: (f: Frame) => boolean, fromIndex = 0): Promise<Frame> {
    for (let i = fromIndex; i < this.frames.length; i++) if (match(this.frames[i]!)) return Promise.resolve(this.frames[i]!);
    return new Promise((resolve) => this.waiters.push({ match, resolve, from: fromIndex }));
  }

  /**
   * Sends a frame with a fresh ref and resolves with the answer carrying that
   * ref. Every request gets exactly one answer (§2), and the server answers
   * within its ask timeout: one missing after `unansweredMs` is a server bug,
   * reported with what was asked and the last frames received, not a hang.
   */
  request(frame: Record<string, unknown>, unansweredMs = 30_000): Promise<Frame> {
    const ref = this.nextRef++;
    const from = this.frames.length;
    this.ws.send(JSON.stringify({ ...frame, ref }));
    const answer = this.next((f) => f.ref === ref, from);
    let timer: NodeJS.Timeout | undefined;
    const missing = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const last = this.frames.slice(-3).map((f) => JSON.stringify(f).slice(0, 200));
        reject(new Error(`no answer to ${JSON.stringify(frame).slice(0, 200)} (ref ${ref}) within ${unansweredMs} ms; socket state ${this.ws.readyState}${this.closeInfo ? ` (${this.closeInfo})` : ''}; last frames: ${last.join(' | ')}`));
      }, unansweredMs);
      timer.unref();
    });
    return Promise.race([answer, missing]).finally(() => clearTimeout(timer));
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /** Events received on `channel`, in arrival order. */
  events(channel: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && f.channel === channel);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}

/**
 * A random source address in 127.0.0.0/8 for a connection to 127.0.0.1: the
 * suite opens and closes tens of thousands of loopback connections, and
 * spreading their 4-tuples keeps them clear of sockets still closing, as the
 * benches' load generators do.
 */
function fromLoopbackAddress(url: string): { localAddress?: string } {
  if (!url.startsWith('ws://127.0.0.1:')) return {};
  const r = (): number => 1 + Math.floor(Math.random() * 254);
  return { localAddress: `127.${r()}.${r()}.${r()}` };
}
