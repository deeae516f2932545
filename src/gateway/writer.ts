// Everything the gateway writes to a socket goes through here: frames,
// corking, slow consumers (4009) and closes (codes from src/close-codes.ts).
import type { Logger } from 'pino';
import { CLOSE_CODES, closeReason, type CloseKind } from '../close-codes.ts';
import type { Lang } from '../i18n/notification-types.ts';
import type { RealtimeMessages } from '../i18n/realtime-messages.ts';
import type { Metrics } from '../metrics/registry.ts';
import { stateOf, type Socket } from './connection.ts';

export class Writer {
  /** Depth of handlers inside which uWS is corked: writes go straight to the socket. */
  private corked = 0;
  private outbox = new Map<Socket, string[]>();
  private spareOutbox = new Map<Socket, string[]>();
  private flushScheduled = false;
  private readonly closeCounters = new Map<CloseKind, { inc(): void }>();
  /** Each close kind's reason per language, made once (the catalogue's English without messages). */
  private readonly reasons: Readonly<Record<Lang, Readonly<Record<CloseKind, string>>>>;

  constructor(
    private readonly metrics: Metrics,
    private readonly maxBackpressureBytes: number,
    private readonly log: Logger,
    messages?: RealtimeMessages,
  ) {
    const reasonsIn = (lang: Lang): Record<CloseKind, string> =>
      Object.fromEntries((Object.keys(CLOSE_CODES) as CloseKind[]).map((k) => [k, messages ? messages.closeReason(lang, k) : CLOSE_CODES[k].reason])) as Record<CloseKind, string>;
    this.reasons = { en: reasonsIn('en'), bn: reasonsIn('bn') };
  }

  send(ws: Socket, frame: object): void {
    this.sendRaw(ws, JSON.stringify(frame));
  }

  /**
   * Inside a uWS handler (and the join's cork) uWS already corks: write now.
   * Elsewhere (answers from actors arrive many at a time) each write would be
   * a syscall of its own, so frames wait for the end of the turn and go out
   * corked, one write per socket.
   */
  sendRaw(ws: Socket, text: string): void {
    if (this.corked > 0) return this.write(ws, text);
    const q = this.outbox.get(ws);
    if (q) q.push(text);
    else this.outbox.set(ws, [text]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushOutbox);
    }
  }

  /**
   * Writes at once, corked, even outside a uWS handler: lean delivery's frames
   * (their order against topic publishes and other writes is decided by the caller).
   */
  sendNow(ws: Socket, text: string): void {
    if (this.corked > 0) return this.write(ws, text);
    ws.cork(() => this.write(ws, text));
  }

  /** Whether `ws` is closed or has more than `bytes` waiting in its send buffer. */
  busy(ws: Socket, bytes: number): boolean {
    return stateOf(ws).closed || ws.getBufferedAmount() > bytes;
  }

  /** Marks the start of a uWS handler (uWS corks around it); pair with `leave` in a finally. No closure per frame. */
  enter(): void {
    this.corked++;
  }

  leave(): void {
    this.corked--;
  }

  /** Runs `fn` with writes going straight to the socket (the caller has corked uWS around it). */
  corkedScope(fn: () => void): void {
    this.corked++;
    try {
      fn();
    } finally {
      this.corked--;
    }
  }

  private readonly flushOutbox = (): void => {
    this.flushScheduled = false;
    // Two maps in turn: a close during the flush looks in the new one, not at the frames being written.
    const out = this.outbox;
    this.outbox = this.spareOutbox;
    for (const [ws, frames] of out) {
      if (stateOf(ws).closed) continue;
      this.corkedWs = ws;
      this.corkedFrames = frames;
      ws.cork(this.writeCorked);
    }
    out.clear();
    this.spareOutbox = out;
    this.corkedWs = undefined;
    this.corkedFrames = undefined;
  };

  // One callback for every socket's corked flush (its arguments in the two fields), not a closure per socket per turn.
  private corkedWs: Socket | undefined;
  private corkedFrames: string[] | undefined;
  private readonly writeCorked = (): void => {
    const ws = this.corkedWs!;
    for (const f of this.corkedFrames!) this.write(ws, f);
  };

  private write(ws: Socket, text: string): void {
    const s = stateOf(ws);
    if (s.closed) return;
    s.bytesDirect += text.length;
    // Compressed only where permessage-deflate was negotiated (lean connections); elsewhere uWS ignores the flag.
    const status = ws.send(text, false, s.deflate);
    // 2: uWS dropped it (send buffer over its hard bound).
    if (status === 2) this.metrics.analytics.drop(s.acct, 'backpressure');
    else this.metrics.analytics.wrote(s.acct, text.length);
    if (status === 2 || ws.getBufferedAmount() > this.maxBackpressureBytes) this.closeSlow(ws);
  }

  /** Closes every socket whose send buffer is over the limit; runs every slowConsumerCheckMs. */
  sweepSlowConsumers(sockets: Iterable<Socket>): void {
    for (const ws of sockets) if (ws.getBufferedAmount() > this.maxBackpressureBytes) this.closeSlow(ws);
  }

  private closeSlow(ws: Socket): void {
    const s = stateOf(ws);
    if (s.closed) return;
    this.metrics.analytics.slowConsumerClosed(s.acct);
    this.log.warn({ session: s.sessionId, user: s.principal.userId, buffered: ws.getBufferedAmount() }, 'closing a slow consumer');
    this.close(ws, 'slow_consumer');
  }

  /** Closes with the catalogue's code and its reason in the connection's language; `detail` (already in that language) replaces it. What was written before goes out first. */
  close(ws: Socket, kind: CloseKind, detail?: string): void {
    const s = stateOf(ws);
    if (s.closed) return;
    const pending = this.outbox.get(ws);
    if (pending) {
      this.outbox.delete(ws);
      ws.cork(() => {
        for (const f of pending) this.write(ws, f);
      });
      if (s.closed) return; // the flush found it a slow consumer
    }
    s.closed = true;
    let counter = this.closeCounters.get(kind);
    if (!counter) this.closeCounters.set(kind, (counter = this.metrics.closes.labels(String(CLOSE_CODES[kind].code))));
    counter.inc();
    ws.end(CLOSE_CODES[kind].code, detail === undefined ? this.reasons[s.lang][kind] : closeReason(kind, detail));
  }
}
