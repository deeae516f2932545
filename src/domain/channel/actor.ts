// A channel actor only sequences (DESIGN.md §1): it numbers each event,
// appends it to the engine's history with that explicit offset, and (memory
// engine) hands the encoded event once to the gateway, which publishes it to
// the uWS topic; the redis engine's append publishes it to the interested
// nodes itself. Nothing here is per subscriber.
import { nanoid } from 'nanoid';
import { defineBehaviour, isThenable, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import type { AppendOutcome, ChannelHistory, Maybe, SinceResult, StreamPosition } from '../../engines/channel-history.ts';
import type { ChannelMessage, PublishResult, SequencedEvent } from './messages.ts';
import { encodeEvent, expiryOf, type HistoryLimits, type JoinAnswer, type PublishInput } from './rules.ts';

export interface ChannelDeps {
  history: ChannelHistory;
  limits: HistoryLimits;
  /** Passivate idle channel actors; their history stays with the engine. */
  idleMs?: number;
}

interface ChannelState {
  channel: string;
  /** The newest position this actor knows (it is the channel's single writer). */
  pos: StreamPosition;
  /** Nodes with local subscribers (memory engine: only they are handed events). */
  watchers: Set<string>;
}

type Result = HandlerResult<ChannelState>;

/** Applies `f` at once when the engine answered synchronously (memory), else after it. */
function then<T, R>(v: Maybe<T>, f: (t: T) => R | Promise<R>): R | Promise<R> {
  return isThenable(v) ? v.then(f) : f(v);
}

// A stale append means another writer moved the stream (a takeover, or the
// history was lost); the actor renumbers from the engine's top once more.
const APPEND_ATTEMPTS = 3;

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

export function channelBehaviour(deps: ChannelDeps) {
  const { history, limits } = deps;
  const bounds = { maxLen: limits.historySize, ttlMs: limits.historyTtlMs };

  function onceKey(msg: PublishInput): { key: string; ttlMs: number } | undefined {
    if (msg.dedupe !== undefined) return { key: msg.dedupe, ttlMs: limits.idempotencyTtlMs };
    if (msg.via !== undefined) return { key: `~${msg.via}`, ttlMs: REDELIVERY_TTL_MS };
    return undefined;
  }

  function publish(state: ChannelState, msg: PublishInput, ctx: ActorContext, attempt: number): Result | Promise<Result> {
    const now = ctx.now();
    const pos = { epoch: state.pos.epoch, offset: state.pos.offset + 1 };
    const id = `ev_${nanoid(10)}`;
    const frame = encodeEvent(state.channel, pos, id, msg, now);
    const expiresAt = expiryOf(msg, now, limits);
    const once = onceKey(msg);
    const req =
      once === undefined
        ? { epoch: pos.epoch, offset: pos.offset, frame, at: now, expiresAt }
        : { epoch: pos.epoch, offset: pos.offset, frame, at: now, expiresAt, dedupe: { key: once.key, answer: JSON.stringify({ id, offset: pos.offset, epoch: pos.epoch }), ttlMs: once.ttlMs } };
    return then(history.append(state.channel, req, bounds), (out: AppendOutcome): Result | Promise<Result> => {
      switch (out.kind) {
        case 'appended': {
          state.pos = pos;
          // Memory engine: handed only to nodes that have subscribers.
          if (!history.publishesOnAppend && state.watchers.size > 0) {
            const ev: SequencedEvent = { k: 'event', channel: state.channel, epoch: pos.epoch, offset: pos.offset, frame, at: now };
            ctx.emit(ev);
          }
          const reply: PublishResult = { id, offset: pos.offset, epoch: pos.epoch, duplicate: false };
          return { state, reply };
        }
        case 'duplicate': {
          const first = JSON.parse(out.answer) as { id: string; offset: number; epoch: string };
          const reply: PublishResult = { id: first.id, offset: first.offset, epoch: first.epoch, duplicate: true };
          return { state, reply };
        }
        case 'stale':
          state.pos = out.top;
          if (attempt + 1 >= APPEND_ATTEMPTS) return { state, error: { code: 'unavailable', message: `channel ${state.channel} is moving between writers; retry` } };
          return publish(state, msg, ctx, attempt + 1);
        default:
          return assertNever(out);
      }
    });
  }

  function join(state: ChannelState, since: StreamPosition | undefined, ctx: ActorContext): Result | Promise<Result> {
    if (since === undefined) {
      return then(history.top(state.channel), (top): Result => {
        state.pos = top;
        const reply: JoinAnswer = { epoch: top.epoch, offset: top.offset, recovered: false, replay: [] };
        return { state, reply };
      });
    }
    return then(history.readSince(state.channel, since, ctx.now()), (read: SinceResult): Result => {
      state.pos = read.top;
      const reply: JoinAnswer = { epoch: read.top.epoch, offset: read.top.offset, recovered: read.entries !== undefined, replay: read.entries?.map((e) => e.frame) ?? [] };
      return { state, reply };
    });
  }

  return defineBehaviour<ChannelState, ChannelMessage>({
    kind: 'channel',
    messageTypes: ['publish', 'join', 'watch', 'unwatch', 'info'],
    ...(deps.idleMs === undefined ? {} : { idleMs: deps.idleMs }),
    init(ctx) {
      return then(history.top(ctx.id), (pos) => ({ channel: ctx.id, pos, watchers: new Set<string>() }));
    },
    // An idle channel no node watches gives its history back if it holds
    // nothing worth keeping (memory engine): otherwise the engine would keep
    // one for every channel ever used. Its next event starts a new epoch.
    passivate(state, ctx) {
      if (state.watchers.size === 0) history.forgetIfEmpty?.(state.channel, ctx.now());
    },
    handle(state, msg, ctx) {
      switch (msg.type) {
        case 'publish':
          return publish(state, msg, ctx, 0);
        case 'join':
          state.watchers.add(msg.node);
          return join(state, msg.since, ctx);
        case 'watch':
          state.watchers.add(msg.node);
          return { state };
        case 'unwatch':
          state.watchers.delete(msg.node);
          return { state };
        case 'info':
          return { state, reply: { epoch: state.pos.epoch, offset: state.pos.offset, watchers: [...state.watchers] } };
        default:
          return assertNever(msg);
      }
    },
  });
}
