// Pure rules of a channel: sequencing, history bounds, recovery (PROTOCOL.md §4)
// and publish idempotency. No I/O, no clock of their own.
import type { ChannelLog, LoggedEvent, PublishAnswer } from './log.ts';
import { toDhakaIso } from '../../time/clock.ts';

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
}

export type AppendOutcome = { duplicate: true; answer: PublishAnswer } | { duplicate: false; answer: PublishAnswer; event: LoggedEvent };

export function append(log: ChannelLog, input: PublishInput, now: number, id: string, limits: HistoryLimits): AppendOutcome {
  prune(log, now, limits);
  if (input.dedupe !== undefined) {
    const seen = log.dedupe.get(input.dedupe);
    if (seen) return { duplicate: true, answer: seen.answer };
  }
  const offset = log.offset + 1;
  const frame = encodeEvent(log, offset, id, input, now);
  const ttlMs = input.ttl_s === undefined ? limits.historyTtlMs : Math.min(limits.historyTtlMs, input.ttl_s * 1000);
  const event: LoggedEvent = { offset, id, frame, at: now, expiresAt: now + ttlMs };
  const answer: PublishAnswer = { id, offset, epoch: log.epoch };
  log.offset = offset;
  log.history.push(offset, frame, now, event.expiresAt); // the ring drops the oldest past historySize
  if (input.dedupe !== undefined) log.dedupe.set(input.dedupe, { answer, at: now });
  return { duplicate: false, answer, event };
}

// Fixed key order: clients and the conflation of slow links (§6) may rely on it.
// Built by concatenation around the pre-encoded data; every other member goes
// through JSON.stringify, so nothing reaches the frame unescaped.
function encodeEvent(log: ChannelLog, offset: number, id: string, input: PublishInput, now: number): string {
  return `{"type":"event","channel":${JSON.stringify(log.channel)},"epoch":${JSON.stringify(log.epoch)},"offset":${offset},"id":${JSON.stringify(id)},"event_type":${JSON.stringify(input.event_type)},"priority":${JSON.stringify(input.priority)},"data":${input.data_json},"ts":"${toDhakaIso(now)}"}`;
}

export function prune(log: ChannelLog, now: number, limits: HistoryLimits): void {
  for (let at = log.history.oldestAt(); at !== undefined && at + limits.historyTtlMs <= now; at = log.history.oldestAt()) {
    log.history.dropOldest();
  }
  for (const [key, v] of log.dedupe) {
    if (v.at + limits.idempotencyTtlMs > now) break;
    log.dedupe.delete(key);
  }
}

export interface Since {
  epoch: string;
  offset: number;
}

export interface JoinAnswer {
  epoch: string;
  offset: number;
  recovered: boolean;
  /** Frames since.offset+1 .. offset when recovered, else empty. */
  replay: string[];
}

/** §4 "Exactly": same epoch and everything after since.offset still held, or no replay at all. */
export function recover(log: ChannelLog, since: Since | undefined, now: number, limits: HistoryLimits): JoinAnswer {
  prune(log, now, limits);
  const base = { epoch: log.epoch, offset: log.offset };
  if (since === undefined || since.epoch !== log.epoch || since.offset > log.offset || since.offset < 0) {
    return { ...base, recovered: false, replay: [] };
  }
  if (since.offset === log.offset) return { ...base, recovered: true, replay: [] };
  const oldest = log.history.oldestOffset;
  if (oldest === undefined || oldest > since.offset + 1) return { ...base, recovered: false, replay: [] };
  const replay: string[] = [];
  for (const e of log.history.since(since.offset)) {
    if (e.expiresAt <= now) return { ...base, recovered: false, replay: [] };
    replay.push(e.frame);
  }
  return { ...base, recovered: true, replay };
}
