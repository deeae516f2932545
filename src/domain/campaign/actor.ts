// The campaign actor (`campaign:{id}`): a durable actor that fires once, at
// its window's start, by a persisted reminder, so a campaign created weeks
// before Eid goes out on time across passivation, restarts and takeovers.
// Its sends leave as an outbox after the save commits, and are replayed on
// the next activation if the node died in between (user actors ignore a
// notification id they have seen; channels a dedupe key they remember).
import { defineBehaviour, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import { activateWithOutbox, sendOutbox, type Outbox } from '../commerce/outbox.ts';
import type { CampaignMessage } from './messages.ts';
import { campaignView, fire, markMissed, markSent, newCampaign, type Campaign } from './rules.ts';
import type { EventSink } from '../channel/event-sink.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';

export interface CampaignDeps {
  /** How long channels remember a dedupe key (the outbox is replayed only within it). */
  dedupeTtlMs: number;
  idleMs: number;
  /** How the actor's events reach their channel (event-sink.ts); through the channel actors unless given. */
  events?: EventSink;
}

interface CampaignState {
  campaign: Campaign | undefined;
  outbox: Outbox | null;
}

type Result = HandlerResult<CampaignState>;

const START = 'start';
/** Drops the sent outbox once a replay could no longer be deduplicated anyway (a 10,000-user outbox is megabytes). */
const FORGET = 'forget';

export function campaignBehaviour(deps: CampaignDeps) {
  const sink = deps.events ?? actorEventSink;
  function onReminder(state: CampaignState, name: string, ctx: ActorContext): Result {
    const c = state.campaign;
    if (name === FORGET) {
      ctx.cancelReminder(FORGET);
      return state.outbox === null ? { state } : { state: { campaign: c, outbox: null }, persist: true };
    }
    if (c === undefined) {
      ctx.cancelReminder(START);
      return { state };
    }
    const now = ctx.now();
    const v = fire(c, now);
    switch (v.kind) {
      case 'early':
        ctx.setReminder(START, c.startsAt);
        return { state };
      case 'done':
        ctx.cancelReminder(START);
        return { state };
      case 'missed':
        markMissed(c);
        ctx.cancelReminder(START);
        return { state, persist: true };
      case 'send':
        sendOutbox(ctx, v.entries, sink);
        markSent(c, v.entries.length, now);
        ctx.cancelReminder(START);
        ctx.setReminder(FORGET, now + deps.dedupeTtlMs / 2 + 1);
        return { state: { campaign: c, outbox: { at: now, entries: v.entries } }, persist: true };
      default:
        return assertNever(v);
    }
  }

  return defineBehaviour<CampaignState, CampaignMessage>({
    kind: 'campaign',
    messageTypes: ['create', 'get', 'reminder'],
    idleMs: deps.idleMs,
    init(ctx) {
      return activateWithOutbox<CampaignState>(ctx, { campaign: undefined, outbox: null }, deps.dedupeTtlMs, sink);
    },
    handle(state, msg, ctx) {
      const c = state.campaign;
      switch (msg.type) {
        case 'create': {
          if (c !== undefined) return { state, error: { code: 'conflict', message: `campaign ${ctx.id} already exists` } };
          if (msg.spec.id !== ctx.id) return { state, error: { code: 'bad_request', message: `campaign id ${msg.spec.id} sent to ${ctx.address}` } };
          const created = newCampaign(msg.spec, ctx.now());
          // Due at once when the window has begun: the reminder service delivers it on its next poll.
          ctx.setReminder(START, Math.max(created.startsAt, ctx.now()));
          return { state: { campaign: created, outbox: null }, reply: campaignView(created), persist: true };
        }
        case 'get':
          if (c === undefined) return { state, error: { code: 'not_found', message: `no campaign ${ctx.id}` } };
          return { state, reply: campaignView(c) };
        case 'reminder':
          return onReminder(state, msg.name, ctx);
        default:
          return assertNever(msg);
      }
    },
  });
}
