// The auction actor (PROTOCOL.md §7): one per auction, so its bids are
// serialized. Every accepted bid is saved (fenced by ring epoch and version)
// before it is answered and before its `bid_placed` leaves; the close comes
// from a persisted reminder (and, while the actor is active, a timer at the
// exact end), so an auction closes on time with nobody connected, after
// passivation and after a takeover.
import { defineBehaviour, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import { replayOutbox, sendOutbox, outboxEntry, type Outbox, type OutboxEntry } from '../commerce/outbox.ts';
import { notify } from '../notification/notify.ts';
import { toTaka } from '../commerce/money.ts';
import { auctionChannel, type AuctionMessage } from './messages.ts';
import { auctionClosedData, auctionView, bidAnswer, bidKey, bidPlacedData, closeIfDue, newAuction, placeBid, type Auction, type BidRefusal, type IdempotencyLimits } from './rules.ts';
import { RefusalMemory } from '../commerce/refusal-memory.ts';
import { allParts, coreOf, rememberedParts, restoreAuction, type SavedAuction } from './persisted.ts';
import type { EventSink } from '../channel/event-sink.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';

export interface AuctionDeps {
  idempotency: IdempotencyLimits;
  /** Refused keyed bids whose first answer is remembered, by all the auctions of a host thread together (in memory, for idempotency.ttlMs). */
  refusalsMax: number;
  /** How long channels remember a publish's dedupe key (the outbox is replayed only within it). */
  dedupeTtlMs: number;
  idleMs: number;
  /** How the actor's events reach their channel (event-sink.ts); through the channel actors unless given. */
  events?: EventSink;
}

interface AuctionState {
  /** undefined until created (an actor woken by a bid for an unknown id). */
  auction: Auction | undefined;
  outbox: Outbox | null;
  /** Loaded as saved before parts: the next save writes every remembered bid's part. Not saved. */
  allParts?: true;
}

/** What is saved as the state itself (the remembered bids are parts: persisted.ts). */
interface SavedState {
  auction: SavedAuction | undefined;
  outbox: Outbox | null;
}

type Result = HandlerResult<AuctionState>;

const CLOSE = 'close';

export function auctionBehaviour(deps: AuctionDeps) {
  const sink = deps.events ?? actorEventSink;
  /** The first answers of refused keyed bids, of every auction of this host thread (refusal-memory.ts). */
  const refused = new RefusalMemory<BidRefusal>(deps.idempotency.ttlMs, deps.refusalsMax);
  /** The close reminder (durable) and, while active, a timer at the exact end. */
  function scheduleClose(ctx: ActorContext, a: Auction): void {
    ctx.setReminder(CLOSE, a.endsAt);
    ctx.setTimer(CLOSE, Math.max(0, a.endsAt - ctx.now()));
  }

  function committed(state: AuctionState, auction: Auction, entries: OutboxEntry[], ctx: ActorContext, reply?: unknown, parts?: Record<string, unknown>): Result {
    sendOutbox(ctx, entries, sink);
    const next: AuctionState = { auction, outbox: { at: ctx.now(), entries } };
    const written = state.allParts ? { ...allParts(auction), ...parts } : parts;
    const result: Result = reply === undefined ? { state: next, persist: true } : { state: next, reply, persist: true };
    if (written !== undefined) result.parts = written;
    return result;
  }

  function bid(state: AuctionState, msg: Extract<AuctionMessage, { type: 'bid' }>, ctx: ActorContext): Result {
    const a = state.auction;
    if (a === undefined) return { state, error: { code: 'auction_not_found', message: `no auction ${ctx.id}` } };
    const now = ctx.now();
    const key = bidKey(msg.bidder, msg.client_bid_id);
    const refusedBefore = key === null ? undefined : refused.get(ctx.address, key, now);
    if (refusedBefore !== undefined) return { state, error: refusedBefore };
    const v = placeBid(a, { bidder: msg.bidder, amount: msg.amount, clientBidId: msg.client_bid_id }, now, deps.idempotency);
    switch (v.kind) {
      case 'refused':
        if (key !== null) refused.remember(ctx.address, key, v.refusal, now);
        return { state, error: v.refusal };
      case 'duplicate':
        return { state, reply: bidAnswer(v.bid) };
      case 'accepted': {
        const next = v.auction;
        const entries: OutboxEntry[] = [outboxEntry(auctionChannel(next.id), 'bid_placed', bidPlacedData(next, v.bid), 'high', `bid|${v.bid.seq}`)];
        if (v.outbid !== null) {
          const amount = toTaka(v.bid.amount);
          const data = { auction_id: next.id, product_id: next.product_id, amount, seq: v.bid.seq, action_url: `/auctions/${next.id}` };
          entries.push(notify(v.outbid, 'auction_outbid', { auction_title: next.title ?? next.product_id, amount }, `auction:${next.id}|outbid|${v.bid.seq}`, { data, now }));
        }
        if (v.extended) scheduleClose(ctx, next);
        return committed(state, next, entries, ctx, bidAnswer(v.bid), rememberedParts(v.remembered, v.forgotten));
      }
      default:
        return assertNever(v);
    }
  }

  /** A reminder or timer: close when the end has come; otherwise the end moved, so follow it. */
  function close(state: AuctionState, ctx: ActorContext): Result {
    const a = state.auction;
    if (a === undefined) {
      ctx.cancelReminder(CLOSE);
      return { state };
    }
    if (a.closed !== null) {
      ctx.cancelReminder(CLOSE);
      return { state };
    }
    const done = closeIfDue(a, ctx.now());
    if (done === undefined) {
      scheduleClose(ctx, a);
      return { state };
    }
    const { auction, outcome } = done;
    const entries: OutboxEntry[] = [outboxEntry(auctionChannel(auction.id), 'auction_closed', auctionClosedData(auction, outcome), 'high', 'closed')];
    if (outcome.winner !== null) {
      const amount = outcome.amount === null ? 0 : toTaka(outcome.amount);
      const data = { auction_id: auction.id, product_id: auction.product_id, amount, action_url: `/auctions/${auction.id}` };
      entries.push(notify(outcome.winner, 'auction_won', { auction_title: auction.title ?? auction.product_id, amount }, `auction:${auction.id}|won`, { data, now: ctx.now() }));
    }
    ctx.cancelReminder(CLOSE);
    return committed(state, auction, entries, ctx);
  }

  return defineBehaviour<AuctionState, AuctionMessage>({
    kind: 'auction',
    messageTypes: ['create', 'get', 'bid', 'reminder', 'timer'],
    idleMs: deps.idleMs,
    async init(ctx) {
      const loaded = await ctx.loadPersistedWithParts();
      const saved = loaded.state as SavedState | undefined;
      const restored = saved?.auction === undefined ? undefined : restoreAuction(saved.auction, loaded.parts);
      const state: AuctionState = { auction: restored?.auction, outbox: saved?.outbox ?? null };
      if (restored?.whole) state.allParts = true;
      replayOutbox(ctx, state.outbox, deps.dedupeTtlMs, sink);
      if (state.auction !== undefined && state.auction.closed === null) ctx.setTimer(CLOSE, Math.max(0, state.auction.endsAt - ctx.now()));
      return state;
    },
    core: (state): SavedState => ({ auction: state.auction === undefined ? undefined : coreOf(state.auction), outbox: state.outbox }),
    handle(state, msg, ctx) {
      switch (msg.type) {
        case 'bid':
          return bid(state, msg, ctx);
        case 'get':
          if (state.auction === undefined) return { state, error: { code: 'auction_not_found', message: `no auction ${ctx.id}` } };
          return { state, reply: auctionView(state.auction, ctx.now()) };
        case 'create': {
          if (state.auction !== undefined) return { state, error: { code: 'conflict', message: `auction ${ctx.id} already exists` } };
          if (msg.spec.id !== ctx.id) return { state, error: { code: 'bad_request', message: `auction id ${msg.spec.id} sent to ${ctx.address}` } };
          const auction = newAuction(msg.spec, ctx.now());
          scheduleClose(ctx, auction);
          return committed(state, auction, [], ctx, auctionView(auction, ctx.now()));
        }
        case 'reminder':
        case 'timer':
          return close(state, ctx);
        default:
          return assertNever(msg);
      }
    },
  });
}
