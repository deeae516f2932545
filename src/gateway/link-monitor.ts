// Measures each connection's link (PROTOCOL.md §6: "a measured RTT/bandwidth
// that says the same") and keeps the heartbeat (§1: a ping every heartbeat_ms
// of silence, the peer closed after two missed pongs, at each connection's own
// heartbeat). Every `sampleMs` it reads each socket's send buffer; only a
// socket with a backlog (or one already moved to lean mode) is probed with a
// ping carrying its send time, so an idle or keeping-up connection costs one
// buffer read per sample. Heartbeat pings carry their send time too: their
// pongs measure the RTT of quiet connections (per carrier, in metrics). The drain rate is
// what left the send buffer: the previous backlog plus what was written since
// (its topics' bytes and the gateway's own writes) minus the backlog now.
// link-classifier.ts decides, with hysteresis; switches are counted in metrics.
import type { Logger } from 'pino';
import type { NetworkConfig } from '../config/schema.ts';
import type { Metrics } from '../metrics/registry.ts';
import { classify, initialClassifier } from '../network/link-classifier.ts';
import { windowMsOf } from '../network/profiles.ts';
import type { Clock } from '../time/clock.ts';
import { stateOf, type ConnState, type LinkState, type Socket } from './connection.ts';
import type { Fanout } from './fanout.ts';
import type { LeanDelivery } from './lean-delivery.ts';
import type { Writer } from './writer.ts';
import { leanView } from './lean-view.ts';

export interface LinkMonitorDeps {
  config: NetworkConfig;
  lean: LeanDelivery;
  writer: Writer;
  fanout: Fanout;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  sockets: () => Iterable<Socket>;
  /** Closes a peer that missed two heartbeat pongs (no close frame: it is not answering). */
  closeSilent: (ws: Socket) => void;
}

const PROBE_BYTES = 8;

export class LinkMonitor {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: LinkMonitorDeps) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(this.d.clock.now()), this.d.config.autoSwitch.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One sample of every connection (exposed for tests that drive the clock). */
  sweep(now: number): void {
    const auto = this.d.config.autoSwitch;
    for (const ws of this.d.sockets()) {
      const s = stateOf(ws);
      if (s.closed) continue;
      // Heartbeat: a ping after one heartbeat of silence, another after two; after three (two missed pongs) the peer is gone.
      if (now - s.heardAt >= s.heartbeatMs * (s.pingsUnanswered + 1)) {
        if (s.pingsUnanswered >= 2) {
          this.d.closeSilent(ws);
          continue;
        }
        s.pingsUnanswered++;
        if (s.link === undefined || s.link.pingSentAt !== undefined) ws.ping(stamp(now));
        else this.ping(ws, s.link, now);
      }
      const buffered = ws.getBufferedAmount();
      const measuredLean = s.lean?.source === 'measured';
      if (s.link === undefined) {
        // The common case: nothing waiting, not lean: one read, no allocation.
        if (buffered === 0) continue;
        s.link = this.newLink(ws, s, now, buffered);
        continue;
      }
      const link = s.link;
      const written = this.written(s);
      const dt = (now - link.sampledAt) / 1000;
      const drain = dt > 0 ? Math.max(0, link.bufferedAtSample + (written - link.writtenAtSample) - buffered) / dt : 0;
      link.sampledAt = now;
      link.bufferedAtSample = buffered;
      link.writtenAtSample = written;
      // An unanswered probe older than the RTT that would make a link slow counts as at least that slow.
      const rtt = link.pingSentAt !== undefined && now - link.pingSentAt > (link.rttMs ?? 0) ? now - link.pingSentAt : link.rttMs;
      const probe = buffered > 0 || measuredLean;
      if (probe && link.pingSentAt === undefined) this.ping(ws, link, now);
      if (auto.enabled && s.lean?.source !== 'hint') this.decide(ws, s, link, { rttMs: rtt, bufferedBytes: buffered, drainBytesPerS: drain });
      // A link with nothing more to watch is forgotten (its next backlog starts a fresh baseline).
      if (!probe && !measuredLean && link.pingSentAt === undefined) s.link = undefined;
    }
  }

  /** The peer sent something (a frame is noted by the gateway itself): its heartbeat starts over. */
  heard(ws: Socket): void {
    const s = stateOf(ws);
    s.heardAt = this.d.clock.now();
    s.pingsUnanswered = 0;
  }

  /** uWS `pong`: a sign of life; our pings (probes and heartbeats) carry their send time, which gives the RTT. */
  onPong(ws: Socket, message: ArrayBuffer): void {
    const s = stateOf(ws);
    const now = this.d.clock.now();
    s.heardAt = now;
    s.pingsUnanswered = 0;
    if (message.byteLength !== PROBE_BYTES) return;
    const sentAt = new DataView(message).getFloat64(0);
    const rtt = Math.max(0, now - sentAt);
    const link = s.link;
    if (link !== undefined && sentAt === link.pingSentAt) {
      link.rttMs = rtt;
      link.pingSentAt = undefined;
    } else if (sentAt > now || now - sentAt > 2 * s.heartbeatMs) return; // not one of ours
    this.d.metrics.linkRtt.labels(s.carrier ?? 'unknown').observe(rtt / 1000);
  }

  private decide(ws: Socket, s: ConnState, link: LinkState, sample: { rttMs: number | undefined; bufferedBytes: number; drainBytesPerS: number }): void {
    const { state, changed } = classify(link.classifier, sample, this.d.config.autoSwitch);
    link.classifier = state;
    if (!changed) return;
    if (state.measured !== undefined) {
      this.d.lean.enter(ws, state.measured, windowMsOf(state.measured, s.carrier, this.d.config), 'measured');
      this.d.metrics.linkSwitches.labels('lean').inc();
    } else {
      this.d.lean.exit(ws);
      this.d.metrics.linkSwitches.labels('normal').inc();
    }
    // Told to the client (extension of §6): from now on values may be conflated, or no longer are.
    this.d.writer.send(ws, { type: 'lean_mode', lean: leanView(s.lean) });
    // Topic bytes count only for normal connections: the baseline moves with the switch.
    link.writtenAtSample = this.written(s);
    this.d.logger.info({ session: s.sessionId, to: state.measured ?? 'normal', rtt_ms: sample.rttMs, drain_bps: Math.round(sample.drainBytesPerS) }, 'link switched');
  }

  private newLink(ws: Socket, s: ConnState, now: number, buffered: number): LinkState {
    const link: LinkState = { classifier: initialClassifier(), pingSentAt: undefined, rttMs: undefined, sampledAt: now, bufferedAtSample: buffered, writtenAtSample: this.written(s) };
    this.ping(ws, link, now);
    return link;
  }

  private ping(ws: Socket, link: LinkState, now: number): void {
    link.pingSentAt = now;
    ws.ping(stamp(now));
  }

  /** Bytes handed to this socket so far: the gateway's own writes, plus its topics' publishes unless lean. */
  private written(s: ConnState): number {
    let n = s.bytesDirect;
    if (!s.lean) for (const ch of s.channels) n += this.d.fanout.bytesOf(ch);
    return n;
  }
}

/** A ping's payload: its send time, which its pong brings back. */
function stamp(now: number): ArrayBuffer {
  const payload = new ArrayBuffer(PROBE_BYTES);
  new DataView(payload).setFloat64(0, now);
  return payload;
}
