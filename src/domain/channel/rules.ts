// Pure rules of a channel: the event frame, expiry, idempotency answers and
// recovery (PROTOCOL.md §2, §4). No I/O, no clock of their own; history itself
// is the engine's (src/engines/channel-history.ts).
import { jsonString } from '../../actors/json-text.ts';
import { toDhakaIso } from '../../time/clock.ts';
import type { HistoryBounds, NextAppendOutcome, NextAppendRequest, StreamPosition } from '../../engines/channel-history.ts';

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
// through jsonString (JSON.stringify's output, cheaper), so nothing reaches the
// frame unescaped. The epoch and offset are left as holes for the history to
// fill when it numbers the event (NextAppendRequest): epochs are nanoid
// strings, which JSON never escapes.
export function eventFrameParts(channel: string, id: string, input: PublishInput, now: number): [string, string, string] {
  return [
    `{"type":"event","channel":${jsonString(channel)},"epoch":"`,
    '","offset":',
    `,"id":${jsonString(id)},"event_type":${jsonString(input.event_type)},"priority":${jsonString(input.priority)},"data":${input.data_json},"ts":"${toDhakaIso(now)}"}`,
  ];
}

/** The event frame of §2, numbered. */
export function encodeEvent(channel: string, pos: StreamPosition, id: string, input: PublishInput, now: number): string {
  const [head, mid, tail] = eventFrameParts(channel, id, input, now);
  return head + pos.epoch + mid + pos.offset + tail;
}

// A publish from another node comes through the owner's mailbox, which a
// survivor takes over if the owner stops heartbeating: an entry the owner had
// handled (appended) but not yet acknowledged when it stalled is handed to the
// channel's new owner again. Without a client_msg_id nothing would tell the
// two apart and every subscriber would get the event twice, at two offsets;
// the entry's delivery id (`via`) is remembered instead, for long enough to
// outlive a takeover: membership declares a node dead within 3 s and the
// survivor claims its entries then, and an ask past its deadline (at most
// actors.askTimeoutMs, 5 s) is acknowledged without being handled. Not
// longer: each key is one Redis key (about 200 bytes) per cross-node publish,
// so 15 s of them at 10,000 cross-node publishes/s is about 30 MB.
const REDELIVERY_TTL_MS = 15_000;

function onceKey(input: PublishInput, limits: HistoryLimits): { key: string; ttlMs: number } | undefined {
  if (input.dedupe !== undefined) return { key: input.dedupe, ttlMs: limits.idempotencyTtlMs };
  if (input.via !== undefined) return { key: `~${input.via}`, ttlMs: REDELIVERY_TTL_MS };
  return undefined;
}

/** What a publish asks of the history: the event, numbered by the history itself, with its idempotency key. */
export function nextAppendOf(channel: string, id: string, input: PublishInput, now: number, limits: HistoryLimits): NextAppendRequest {
  const frame = eventFrameParts(channel, id, input, now);
  const expiresAt = expiryOf(input, now, limits);
  const once = onceKey(input, limits);
  return once === undefined ? { frame, id, at: now, expiresAt } : { frame, id, at: now, expiresAt, dedupe: once };
}

/** The publish's answer (§2): the new event's, or the first attempt's for a repeated idempotency key. */
export function publishAnswerOf(id: string, out: NextAppendOutcome): PublishAnswer & { duplicate: boolean } {
  switch (out.kind) {
    case 'appended':
      return { id, offset: out.offset, epoch: out.epoch, duplicate: false };
    case 'duplicate': {
      const first = JSON.parse(out.answer) as PublishAnswer;
      return { id: first.id, offset: first.offset, epoch: first.epoch, duplicate: true };
    }
  }
}

export function historyBoundsOf(limits: HistoryLimits): HistoryBounds {
  return { maxLen: limits.historySize, ttlMs: limits.historyTtlMs };
}

/** An event is held for the channel's history age, or its own ttl_s when shorter. */
export function expiryOf(input: PublishInput, now: number, limits: HistoryLimits): number {
  const ttlMs = input.ttl_s === undefined ? limits.historyTtlMs : Math.min(limits.historyTtlMs, input.ttl_s * 1000);
  return now + ttlMs;
}
