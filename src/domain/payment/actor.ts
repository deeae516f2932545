// The payment actor: one per payment of a provider (`payment:{provider}:{payment_id}`),
// so the webhook calls of one payment are serialized and the first one wins on
// every node. The first call is saved (fenced by ring epoch and version)
// before it is answered; its `payment_status_update` event and notification
// leave through the outbox after the save commits, and are sent again on the
// next activation if the node died in between (the channel and the user
// actor drop what they have seen).
import { defineBehaviour, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import { outboxEntry, activateWithOutbox, sendOutbox, type Outbox, type OutboxEntry } from '../commerce/outbox.ts';
import { notify } from '../notification/notify.ts';
import type { Payment, PaymentMessage, ProcessAnswer } from './messages.ts';
import { judge, paymentChannel, paymentDedupe, paymentEventData, paymentNotificationParams } from './rules.ts';
import type { EventSink } from '../channel/event-sink.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';

export interface PaymentDeps {
  /** How long channels remember a publish's dedupe key (the outbox is replayed only within it). */
  dedupeTtlMs: number;
  idleMs: number;
  /** How the actor's events reach their channel (event-sink.ts); through the channel actors unless given. */
  events?: EventSink;
}

interface PaymentState {
  /** The first call's payment; null until one came. */
  processed: Payment | null;
  outbox: Outbox | null;
}

type Result = HandlerResult<PaymentState, ProcessAnswer>;

function processCall(state: PaymentState, p: Payment, ctx: ActorContext, events: EventSink): Result {
  const verdict = judge(state.processed, p);
  switch (verdict.kind) {
    case 'duplicate':
      return { state, reply: { duplicate: true, differs: verdict.differs } };
    case 'first': {
      const now = ctx.now();
      const data = paymentEventData(p);
      const entries: OutboxEntry[] = [
        outboxEntry(paymentChannel(p), 'payment_status_update', data, 'high', paymentDedupe(p)),
        notify(p.user_id, 'payment_status_update', paymentNotificationParams(p), paymentDedupe(p), { data: { ...data, action_url: `/orders/${p.order_id}` }, now }),
      ];
      sendOutbox(ctx, entries, events);
      return { state: { processed: p, outbox: { at: now, entries } }, reply: { duplicate: false, differs: [] }, persist: true };
    }
    default:
      return assertNever(verdict);
  }
}

export function paymentBehaviour(deps: PaymentDeps) {
  const sink = deps.events ?? actorEventSink;
  return defineBehaviour<PaymentState, PaymentMessage, ProcessAnswer>({
    kind: 'payment',
    messageTypes: ['process'],
    idleMs: deps.idleMs,
    init(ctx) {
      return activateWithOutbox<PaymentState>(ctx, { processed: null, outbox: null }, deps.dedupeTtlMs, sink);
    },
    handle(state, msg, ctx) {
      switch (msg.type) {
        case 'process':
          return processCall(state, msg.payment, ctx, sink);
        default:
          return assertNever(msg.type);
      }
    },
  });
}
