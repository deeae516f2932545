// join_channel (PROTOCOL.md §2, §4). The order of what a joining connection
// sees is the contract: `channels_joined` first, then the missed events of
// each recovered channel in offset order, then live events, with no gap and
// no duplicate. It holds because
//  - a Capture on the channel starts before the join is asked, so every event
//    the actor emits after answering is kept until the connection subscribes;
//  - answers arrive through ActorSystem.request, whose callback runs as the
//    answer is read, before anything emitted after it is published;
//  - the subscription, `channels_joined` and the replay are written in one
//    synchronous block, so no publish can slip between them.
// Across nodes (redis engine) answers and events come by different roads (the
// asker's answer topic, the channel bus), so JoinSync restores the same argument:
// the node subscribes to the channel's topic before the actor is asked (no
// event after the answer can pass by), and the join completes only once the
// node's ordered feed has delivered up to the answer's offset (no older event
// can reach the new subscriber after channels_joined); the feed itself
// passes each offset once and fills holes from history.
import type { ActorSystem } from '../actors/system.ts';
import { channelAddress, type JoinAnswer } from '../domain/channel/messages.ts';
import type { Since } from '../domain/channel/rules.ts';
import type { ErrorCode } from '../errors.ts';
import { forClient, HaatError, toHaatError } from '../errors.ts';
import { IN_ORDER, type JoinSync } from './join-sync.ts';
import type { Capture, Fanout } from './fanout.ts';

export interface JoinedChannel {
  channel: string;
  epoch: string;
  offset: number;
  recovered: boolean;
}

export interface DeniedChannel {
  channel: string;
  code: ErrorCode;
  message: string;
  /** `internal` only: the id of the log line that has the details (PROTOCOL.md §9). */
  id?: string;
}

/** An `internal` denial's details, for the caller to log under the id the client got. */
export interface JoinFailure {
  id: string;
  channel: string;
  err: unknown;
}

export interface JoinOutcome {
  joined: JoinedChannel[];
  denied: DeniedChannel[];
  /** Frames to write after `channels_joined`, in order. */
  replay: string[];
  /** Channels to subscribe (not already subscribed). */
  subscribe: string[];
  /** The internal failures among `denied`, with their details (never sent to the client). */
  failures: JoinFailure[];
}

interface Pending {
  channel: string;
  since: Since | undefined;
  capture: Capture;
  answer?: JoinAnswer;
  error?: HaatError;
}

/**
 * Where a channel of the join stands when the answers are in: the connection
 * is `subscribed` already (another join got there first), still `wanted`, or
 * `left` while the join was in flight (a leave_channel cancelled it).
 */
export type JoinStatus = 'subscribed' | 'wanted' | 'left';

/**
 * Asks the channel actors of `allowed` and calls `complete` once, synchronously
 * with the last answer. `status` is read at completion time.
 */
export function askJoins(
  actors: ActorSystem,
  fanout: Fanout,
  node: string,
  allowed: { channel: string; since: Since | undefined }[],
  timeoutMs: number,
  status: (channel: string) => JoinStatus,
  complete: (outcome: JoinOutcome) => void,
  sync: JoinSync = IN_ORDER,
): void {
  const pending: Pending[] = allowed.map(({ channel, since }) => ({ channel, since, capture: fanout.capture(channel) }));
  let remaining = pending.length;
  const finish = (): void => {
    const out: JoinOutcome = { joined: [], denied: [], replay: [], subscribe: [], failures: [] };
    for (const p of pending) {
      fanout.release(p.channel, p.capture);
      settle(p, status(p.channel), out);
    }
    complete(out);
  };
  if (remaining === 0) {
    finish();
    return;
  }
  // Once every answer is in, wait (if need be) until this node has delivered
  // each channel up to its answer; the last of those runs finish, between two
  // deliveries, so the subscription lands exactly after the answer's offset.
  const answered = (): void => {
    let waiting = 1;
    let done = false;
    const reached = new Set<Pending>();
    // The node may not catch up (its engine went away meanwhile): a bounded wait, then the rest are denied unavailable.
    let timer: NodeJS.Timeout | undefined;
    const complete = (): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      finish();
    };
    const one = (p?: Pending): void => {
      if (p) reached.add(p);
      if (--waiting === 0) complete();
    };
    for (const p of pending) {
      if (!p.answer) continue;
      waiting++;
      sync.whenAt(p.channel, { epoch: p.answer.epoch, offset: p.answer.offset }, () => one(p));
    }
    if (waiting > 1) {
      timer = setTimeout(() => {
        for (const p of pending) {
          if (p.answer && !reached.has(p)) {
            p.answer = undefined;
            p.error = new HaatError('unavailable', 'this node could not catch up with the channel in time; retry', { retryAfterMs: 1000 });
          }
        }
        complete();
      }, timeoutMs);
    }
    one();
  };
  const ask = (): void => {
    for (const p of pending) {
      const msg = p.since === undefined ? { type: 'join', node } : { type: 'join', node, since: p.since };
      actors.request<JoinAnswer>(channelAddress(p.channel), msg, timeoutMs, (err, answer) => {
        if (err) p.error = err;
        else p.answer = answer;
        if (--remaining === 0) answered();
      });
    }
  };
  const prepared = sync.prepare(pending.map((p) => p.channel));
  if (prepared === undefined) return ask();
  prepared.then(ask, (err: unknown) => {
    const e = toHaatError(err);
    for (const p of pending) p.error = e;
    finish();
  });
}

function settle(p: Pending, status: JoinStatus, out: JoinOutcome): void {
  // Left meanwhile: neither joined nor denied, nothing replayed, not subscribed.
  if (status === 'left') return;
  const a = p.answer;
  if (p.error || !a) {
    const raw = p.error ?? new HaatError('internal', 'no answer');
    // An internal failure (a crashed channel actor, say) reaches the client only as the generic message and an id.
    const e = forClient(raw);
    if (e.code !== 'internal' || e.id === undefined) out.denied.push({ channel: p.channel, code: e.code, message: e.message });
    else {
      out.denied.push({ channel: p.channel, code: e.code, message: e.message, id: e.id });
      out.failures.push({ id: e.id, channel: p.channel, err: raw });
    }
    return;
  }
  // Events sequenced after the actor answered; earlier ones are in the answer or before the join.
  const later = p.capture.events.filter((e) => e.offset > a.offset);
  const contiguous = later.every((e, i) => e.epoch === a.epoch && e.offset === a.offset + 1 + i);
  if (p.capture.overflow || !contiguous) {
    out.denied.push({ channel: p.channel, code: 'unavailable', message: 'the channel moved while joining; retry' });
    return;
  }
  const offset = a.offset + later.length;
  if (status === 'subscribed') {
    // It has been receiving live events; nothing is replayed twice.
    out.joined.push({ channel: p.channel, epoch: a.epoch, offset, recovered: false });
    return;
  }
  out.joined.push({ channel: p.channel, epoch: a.epoch, offset, recovered: a.recovered });
  if (a.recovered) {
    out.replay.push(...a.replay);
    for (const e of later) out.replay.push(e.frame);
  }
  out.subscribe.push(p.channel);
}
