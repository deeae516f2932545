// Pure rules of a channel: the event frame, expiry, idempotency answers and
// recovery (PROTOCOL.md §2, §4). No I/O, no clock of their own; history itself
// is the engine's (src/engines/channel-history.ts).
import { jsonString } from '../../actors/json-text.ts';
import { toDhakaIso } from '../../time/clock.ts';
import type { StreamPosition } from '../../engines/channel-history.ts';

export interface HistoryLimits {
  historySize: number;
  historyTtlMs: number;
  idempotencyTtlMs: number;
}

export type Priority = 'low' | 'normal' | 'high';

export interface PublishInput {
  event_type: string;
  /**
   * The event's data, already encoded as JSON by the gateway (JSON.stringify
   * of a validated value). The sequencer splices it into the frame as it is:
   * decoding and re-encoding every payload on the host thread was the largest
   * cost of a publish there.
   */
  data_json: string;
  priority: Priority;
  ttl_s?: number;
  /** sender + client_msg_id; a repeat returns the first answer and publishes nothing. */
  dedupe?: string;
  /** The mailbox delivery id of a publish from another node (remote-mailboxes.ts); see the channel actor. */
  via?: string;
}

export interface PublishAnswer {
  id: string;
  offset: number;
  epoch: string;
}

export type Since = StreamPosition;

export interface JoinAnswer {
  epoch: string;
  offset: number;
  recovered: boolean;
  /** Frames since.offset+1 .. offset when recovered, else empty. */
  replay: string[];
}

// Fixed key order: clients and the conflation of slow links (§6) may rely on it.
// Built by concatenation around the pre-encoded data; every other member goes
// through jsonString (JSON.stringify's output, cheaper), so nothing reaches the frame unescaped.
export function encodeEvent(channel: string, pos: StreamPosition, id: string, input: PublishInput, now: number): string {
  return `{"type":"event","channel":${jsonString(channel)},"epoch":${jsonString(pos.epoch)},"offset":${pos.offset},"id":${jsonString(id)},"event_type":${jsonString(input.event_type)},"priority":${jsonString(input.priority)},"data":${input.data_json},"ts":"${toDhakaIso(now)}"}`;
}

/** An event is held for the channel's history age, or its own ttl_s when shorter. */
export function expiryOf(input: PublishInput, now: number, limits: HistoryLimits): number {
  const ttlMs = input.ttl_s === undefined ? limits.historyTtlMs : Math.min(limits.historyTtlMs, input.ttl_s * 1000);
  return now + ttlMs;
}
