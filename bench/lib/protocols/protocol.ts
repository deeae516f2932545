// What a load generator needs to know about a server's wire protocol: how to
// connect, subscribe and publish. Deliveries themselves are recognised by the
// `"t":` timestamp they carry (see loadgen/frame.ts), not by the protocol.
import type WebSocket from 'ws';

/**
 * The result of a frame that is not a delivery: `joined` (subscription
 * acknowledged), `ready` (a publisher may publish), `ok` (a publish was
 * accepted), `none` (nothing to count), or an error text.
 */
export type ControlOutcome = 'joined' | 'ready' | 'ok' | 'none' | { error: string };

export interface Protocol {
  readonly name: string;
  subscriberUrl(host: string, port: number): string;
  publisherUrl(host: string, port: number, token: string | undefined): string;
  /** Sends whatever a subscriber sends as soon as it is open (maybe nothing). */
  onSubscriberOpen(ws: WebSocket, channel: string): ControlOutcome;
  /** Answers pings and walks the join handshake. */
  onSubscriberFrame(ws: WebSocket, frame: Buffer, channel: string): ControlOutcome;
  onPublisherOpen(ws: WebSocket): ControlOutcome;
  onPublisherFrame(ws: WebSocket, frame: Buffer): ControlOutcome;
  /** One publish request whose deliveries will carry `"t":<t>`. */
  publishFrame(channel: string, seq: number, t: string): string;
}

/** Frames are ASCII JSON here; a short prefix is enough to classify them. */
export function startsWith(frame: Buffer, prefix: string): boolean {
  return frame.length >= prefix.length && frame.toString('latin1', 0, prefix.length) === prefix;
}

/** An event frame shaped like haat's, so baseline deliveries are the same size. */
export function eventLikeFrame(channel: string, seq: number, t: string): string {
  return (
    `{"type":"event","channel":"${channel}","epoch":"e0bench","offset":${seq},"id":"ev_${seq.toString(36)}",` +
    `"event_type":"bench","priority":"normal","data":{"t":${t}},"ts":"${new Date().toISOString()}"}`
  );
}
