// A channel actor only sequences (DESIGN.md §1): it assigns the offset,
// appends to history, and hands the encoded event once to the gateway, which
// publishes it to the uWS topic. Nothing here is per subscriber.
import { nanoid } from 'nanoid';
import { defineBehaviour, type ActorContext } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import type { ChannelLog } from './log.ts';
import type { ChannelMessage, PublishResult, SequencedEvent } from './messages.ts';
import { append, prune, recover, type HistoryLimits } from './rules.ts';
import type { ChannelHistory } from '../../engines/history.ts';

export interface ChannelDeps {
  history: ChannelHistory;
  limits: (ctx: ActorContext) => HistoryLimits;
  /** Passivate idle channel actors; their history stays with the engine. */
  idleMs?: number;
}

export function channelBehaviour(deps: ChannelDeps) {
  return defineBehaviour<{ log: ChannelLog; limits: HistoryLimits }, ChannelMessage>({
    kind: 'channel',
    messageTypes: ['publish', 'join', 'watch', 'unwatch', 'info'],
    ...(deps.idleMs === undefined ? {} : { idleMs: deps.idleMs }),
    async init(ctx) {
      return { log: await deps.history.open(ctx.id), limits: deps.limits(ctx) };
    },
    // An idle channel whose history has all expired, with no idempotency keys
    // and no watcher, gives its log back: otherwise the engine would keep one
    // for every channel ever used. Its next event starts a new epoch.
    async passivate(state, ctx) {
      prune(state.log, ctx.now(), state.limits);
      const log = state.log;
      if (log.history.length === 0 && log.dedupe.size === 0 && log.watchers.size === 0) await deps.history.forget(ctx.id);
    },
    handle(state, msg, ctx) {
      switch (msg.type) {
        case 'publish': {
          // The message has the fields of PublishInput (and `type`, which append ignores).
          const out = append(state.log, msg, ctx.now(), `ev_${nanoid(10)}`, state.limits);
          // Handed only to nodes that have subscribers (one node today; per node once clustered).
          if (!out.duplicate && state.log.watchers.size > 0) {
            const ev: SequencedEvent = { k: 'event', channel: state.log.channel, epoch: state.log.epoch, offset: out.event.offset, frame: out.event.frame, at: out.event.at };
            ctx.emit(ev);
          }
          const answer: PublishResult = { id: out.answer.id, offset: out.answer.offset, epoch: out.answer.epoch, duplicate: out.duplicate };
          return { state, reply: answer };
        }
        case 'join':
          state.log.watchers.add(msg.node);
          return { state, reply: recover(state.log, msg.since, ctx.now(), state.limits) };
        case 'watch':
          state.log.watchers.add(msg.node);
          return { state };
        case 'unwatch':
          state.log.watchers.delete(msg.node);
          return { state };
        case 'info':
          return { state, reply: { epoch: state.log.epoch, offset: state.log.offset, held: state.log.history.length, watchers: [...state.log.watchers] } };
        default:
          return assertNever(msg);
      }
    },
  });
}
