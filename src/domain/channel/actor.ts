// A channel actor appends the events that actors publish (and, memory engine,
// the gateway's) to the engine's history, which numbers them, and (memory
// engine) hands each encoded event once to the gateway, which publishes it to
// the uWS topic; the redis engine's append publishes it to the interested
// nodes itself. It also answers joins. Nothing here is per subscriber.
import { defineBehaviour, isThenable, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import type { ChannelHistory, Maybe, SinceResult, StreamPosition } from '../../engines/channel-history.ts';
import type { ChannelMessage, PublishResult, SequencedEvent } from './messages.ts';
import { newEventId } from './event-appender.ts';
import { historyBoundsOf, nextAppendOf, publishAnswerOf, type HistoryLimits, type JoinAnswer, type PublishInput } from './rules.ts';

export interface ChannelDeps {
  history: ChannelHistory;
  limits: HistoryLimits;
  /** Passivate idle channel actors; their history stays with the engine. */
  idleMs?: number;
}

interface ChannelState {
  channel: string;
  /** The newest position this actor has seen (other writers may have appended since: redis engine). */
  pos: StreamPosition;
  /** Nodes with local subscribers (memory engine: only they are handed events). */
  watchers: Set<string>;
}

type Result = HandlerResult<ChannelState>;

/** Applies `f` at once when the engine answered synchronously (memory), else after it. */
function then<T, R>(v: Maybe<T>, f: (t: T) => R | Promise<R>): R | Promise<R> {
  return isThenable(v) ? v.then(f) : f(v);
}

export function channelBehaviour(deps: ChannelDeps) {
  const { history, limits } = deps;
  const bounds = historyBoundsOf(limits);

  // The history numbers the event (appendNext): with the redis engine the
  // gateways of every node append to it too, without this actor.
  function publish(state: ChannelState, msg: PublishInput, ctx: ActorContext): Result | Promise<Result> {
    const now = ctx.now();
    const id = newEventId();
    return then(history.appendNext(state.channel, nextAppendOf(state.channel, id, msg, now, limits), bounds), (out): Result => {
      if (out.kind === 'appended') {
        state.pos = { epoch: out.epoch, offset: out.offset };
        // Memory engine: handed only to nodes that have subscribers.
        if (!history.publishesOnAppend && state.watchers.size > 0 && out.frame !== undefined) {
          const ev: SequencedEvent = { k: 'event', channel: state.channel, epoch: out.epoch, offset: out.offset, frame: out.frame, at: now };
          ctx.emit(ev);
        }
      }
      const reply: PublishResult = publishAnswerOf(id, out);
      return { state, reply };
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
    // Memory engine: the watchers are the only record of which nodes have
    // subscribers (they are handed each event), so a quiet channel that still
    // has some stays active; passivated, it would come back with none and its
    // subscribers would get nothing more. (Redis: the engine's bus reaches the
    // interested nodes, and the actor may passivate.)
    mayPassivate: (state) => history.publishesOnAppend || state.watchers.size === 0,
    // An idle channel no node watches gives its log back if it holds nothing
    // worth keeping (memory engine): otherwise the engine would keep one for
    // every channel ever used. Its position stays (memory-history.ts).
    passivate(state, ctx) {
      if (state.watchers.size === 0) history.forgetIfEmpty?.(state.channel, ctx.now());
    },
    handle(state, msg, ctx) {
      switch (msg.type) {
        case 'publish':
          return publish(state, msg, ctx);
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
