// The sale actor (PROTOCOL.md §8): one per flash sale owns all of its stock,
// so reservations are serialized and never exceed it. Every reservation,
// release, confirm and expiry is saved (fenced by ring epoch and version)
// before it is answered, so a node killed mid-sale neither oversells nor
// loses an acknowledged reservation. Holds expire by a persisted reminder,
// also with nobody connected; a reserve also expires due holds first, so
// stock comes back on time even when the reminder is late.
//
// Each reservation is saved as a state part of its own (persisted.ts): a
// commit writes the reservations it changed, not every hold of the sale.
//
// Stock events are conflated per SKU: the first change in a window goes out
// at once, later ones wait for the window's end and go out as one event with
// the figures of that moment, so the newest figures always come last.
import { defineBehaviour, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import { saleChannel, type SaleMessage } from './messages.ts';
import { confirm, expireHolds, forgetOld, newSale, release, reservationReply, reserve, reserveKey, saleView, stockData, type ReserveRefusal, type Sale } from './rules.ts';
import { RefusalMemory } from '../commerce/refusal-memory.ts';
import { toDhakaIso } from '../../time/clock.ts';
import { replayOutbox, sendOutbox, type Outbox } from '../commerce/outbox.ts';
import { allReservationIds, coreOf, isCore, reservationParts, restoreSale, withKeys } from './persisted.ts';
import { register, takeStartNotifications, type RemindedSale } from './start-reminders.ts';
import type { EventSink } from '../channel/event-sink.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';
import { HoldExpiries } from './hold-expiries.ts';

export interface SaleDeps {
  /** How long a `client_req_id` and a finished reservation are remembered. */
  idempotencyTtlMs: number;
  /** Refused keyed reserves whose first answer is remembered, by all the sales of a host thread together (in memory, for idempotencyTtlMs). */
  refusalsMax: number;
  /** At most one `product_stock_update` per SKU per this window. */
  stockConflateMs: number;
  idleMs: number;
  /** How the actor's events reach their channel (event-sink.ts); through the channel actors unless given. */
  events?: EventSink;
}

interface SaleState {
  sale: Sale | undefined;
  /**
   * The start notifications of the last message, replayed on activation if the
   * node died before they left; the next save drops it (saved() builds a new state).
   */
  outbox?: Outbox | null;
}

/** What one activation keeps beside the persisted state (lost on passivation, rebuilt from the state). */
interface Volatile {
  /** When each SKU's last stock event went out. */
  lastSent: Map<string, number>;
  /** SKUs changed since, waiting for the window to end. */
  dirty: Set<string>;
  /** The holds by expiry, built from the sale's holds on first use in an activation (hold-expiries.ts). */
  expiries: HoldExpiries | undefined;
  /** The earliest hold expiry, and where the reminder is set. */
  nextExpiry: number | undefined;
  reminderAt: number | undefined;
  lastPrune: number;
  /** Reservations changed since the last save: the next one writes their parts. */
  touched: Set<string>;
  /** Loaded as a sale saved whole (before parts): the next save writes every reservation's part. */
  saveAll: boolean;
}

type Result = HandlerResult<SaleState>;

/** What a commit did to the holds' expiries: one added, or one removed. */
type ExpiryChange = { added: number; removed?: undefined } | { added?: undefined; removed: number };

const HOLDS = 'holds';
const STOCK = 'stock';
/** Due at the sale's start: `flash_sale_starting` to the users who asked (start-reminders.ts). */
const START = 'start';
const PRUNE_EVERY_MS = 60_000;

export function saleBehaviour(deps: SaleDeps) {
  const sink = deps.events ?? actorEventSink;
  const volatile = new Map<string, Volatile>();
  /** The first answers of refused keyed reserves, of every sale of this host thread (refusal-memory.ts). */
  const refused = new RefusalMemory<ReserveRefusal>(deps.idempotencyTtlMs, deps.refusalsMax);

  function vol(ctx: ActorContext): Volatile {
    let v = volatile.get(ctx.address);
    if (!v) volatile.set(ctx.address, (v = { lastSent: new Map(), dirty: new Set(), expiries: undefined, nextExpiry: undefined, reminderAt: undefined, lastPrune: ctx.now(), touched: new Set(), saveAll: false }));
    return v;
  }

  /** The holds by expiry: built from the sale's holds once per activation, then kept by reserve. */
  function expiries(ctx: ActorContext, sale: Sale): HoldExpiries {
    const v = vol(ctx);
    return (v.expiries ??= HoldExpiries.of(sale.holds));
  }

  /** The earliest expiry of a hold still held. */
  function nextExpiry(ctx: ActorContext, sale: Sale): number | undefined {
    return expiries(ctx, sale).earliest(sale.holds);
  }

  /** A stock change of `sku`: its event now, or at the end of its window. */
  function stockChanged(ctx: ActorContext, sale: Sale, sku: string): void {
    const v = vol(ctx);
    const now = ctx.now();
    const last = v.lastSent.get(sku);
    if (last === undefined || now - last >= deps.stockConflateMs) {
      v.lastSent.set(sku, now);
      v.dirty.delete(sku);
      publishStock(ctx, sale, sku);
      return;
    }
    v.dirty.add(sku);
    ctx.setTimer(STOCK, last + deps.stockConflateMs - now);
  }

  /** Stock events carry no dedupe key: each is a snapshot, and a repeat of the newest figures is harmless. */
  function publishStock(ctx: ActorContext, sale: Sale, sku: string): void {
    sink.publish(ctx, saleChannel(sale.id), { event_type: 'product_stock_update', data_json: JSON.stringify(stockData(sale, sku)), priority: 'normal' });
  }

  /** Conflated SKUs whose window has ended go out with the figures of now. */
  function flushStock(ctx: ActorContext, sale: Sale): void {
    const v = vol(ctx);
    const now = ctx.now();
    let wait: number | undefined;
    for (const sku of [...v.dirty]) {
      const due = (v.lastSent.get(sku) ?? 0) + deps.stockConflateMs;
      if (due <= now) {
        v.dirty.delete(sku);
        v.lastSent.set(sku, now);
        publishStock(ctx, sale, sku);
      } else if (wait === undefined || due - now < wait) wait = due - now;
    }
    if (wait !== undefined) ctx.setTimer(STOCK, wait);
  }

  /** Keeps the hold reminder at the earliest expiry (set only when it moves). */
  /**
   * Keeps the hold reminder at the earliest expiry. `change` says what moved,
   * so that a reserve or a release of a later hold costs nothing: a scan of
   * every hold per request would make a big sale quadratic.
   */
  function followExpiry(ctx: ActorContext, sale: Sale, change?: ExpiryChange): void {
    const v = vol(ctx);
    if (change === undefined) v.nextExpiry = nextExpiry(ctx, sale);
    else if (change.added !== undefined) v.nextExpiry = v.nextExpiry === undefined ? change.added : Math.min(v.nextExpiry, change.added);
    else if (change.removed === v.nextExpiry) v.nextExpiry = nextExpiry(ctx, sale);
    if (v.nextExpiry === v.reminderAt) return;
    if (v.nextExpiry === undefined) ctx.cancelReminder(HOLDS);
    else ctx.setReminder(HOLDS, v.nextExpiry);
    v.reminderAt = v.nextExpiry;
  }

  /** Returns due holds to stock and forgets old idempotency records (in place); true when the sale changed. */
  function expire(ctx: ActorContext, sale: Sale): boolean {
    const v = vol(ctx);
    const now = ctx.now();
    let changed = false;
    if (v.nextExpiry !== undefined && v.nextExpiry <= now) {
      const { expired } = expireHolds(sale, expiries(ctx, sale).takeDue(sale.holds, now), now);
      changed = expired.length > 0;
      for (const h of expired) v.touched.add(h.id);
      for (const sku of new Set(expired.map((h) => h.sku))) stockChanged(ctx, sale, sku);
      if (!changed) v.nextExpiry = nextExpiry(ctx, sale);
    }
    if (now - v.lastPrune >= PRUNE_EVERY_MS) {
      v.lastPrune = now;
      const forgotten = forgetOld(sale, now, deps.idempotencyTtlMs);
      for (const id of forgotten) v.touched.add(id);
      if (forgotten.size > 0) changed = true;
    }
    return changed;
  }

  function saved(sale: Sale, ctx: ActorContext, reply?: unknown, change?: ExpiryChange): Result {
    followExpiry(ctx, sale, change);
    const state: SaleState = { sale };
    const parts = changedParts(ctx, sale);
    return reply === undefined ? { state, persist: true, parts } : { state, reply, persist: true, parts };
  }

  /** The parts of the reservations changed since the last save (all of them after a load of a sale saved whole). */
  function changedParts(ctx: ActorContext, sale: Sale): Record<string, unknown> {
    const v = vol(ctx);
    const parts = reservationParts(sale, v.saveAll ? allReservationIds(sale) : v.touched);
    v.touched.clear();
    v.saveAll = false;
    return parts;
  }

  /** An answer that changes nothing itself: saved only when expire() changed the sale on the way. */
  function answer(state: SaleState, sale: Sale, changed: boolean, ctx: ActorContext, out: { reply: unknown } | { error: Result['error'] }): Result {
    return changed ? { ...saved(sale, ctx), ...out } : { state, ...out };
  }

  function notFound(ctx: ActorContext): Result {
    return { state: { sale: undefined }, error: { code: 'sale_not_found', message: `no sale ${ctx.id}` } };
  }

  return defineBehaviour<SaleState, SaleMessage>({
    kind: 'sale',
    messageTypes: ['create', 'get', 'reserve', 'release', 'confirm', 'remind', 'reminder', 'timer'],
    idleMs: deps.idleMs,
    async init(ctx) {
      volatile.delete(ctx.address);
      const loaded = await ctx.loadPersistedWithParts();
      const state: SaleState = (loaded.state as SaleState | undefined) ?? { sale: undefined };
      if (state.sale !== undefined) {
        if (isCore(state.sale)) state.sale = restoreSale(state.sale, loaded.parts);
        else {
          state.sale = withKeys(state.sale);
          vol(ctx).saveAll = true;
        }
      }
      replayOutbox(ctx, state.outbox ?? null, deps.idempotencyTtlMs, sink);
      if (state.sale !== undefined) {
        const v = vol(ctx);
        // The reminder is set where the last save put it; a stock event lost to a crash is sent again (the newest figures).
        v.nextExpiry = nextExpiry(ctx, state.sale);
        v.reminderAt = v.nextExpiry;
        for (const sku of Object.keys(state.sale.skus)) stockChanged(ctx, state.sale, sku);
      }
      return state;
    },
    passivate(_state, ctx) {
      volatile.delete(ctx.address);
    },
    core: (state) => (state.sale === undefined ? state : { ...state, sale: coreOf(state.sale) }),
    handle(state, msg, ctx) {
      const sale = state.sale;
      switch (msg.type) {
        case 'create': {
          if (sale !== undefined) return { state, error: { code: 'conflict', message: `sale ${ctx.id} already exists` } };
          if (msg.spec.id !== ctx.id) return { state, error: { code: 'bad_request', message: `sale id ${msg.spec.id} sent to ${ctx.address}` } };
          const created: RemindedSale = newSale(msg.spec, ctx.now());
          if (msg.remind !== undefined) {
            const r = register(created, msg.remind.user_ids, msg.remind.discount_percentage, ctx.now());
            if (r.kind === 'refused') return { state, error: { code: r.code, message: r.message } };
            ctx.setReminder(START, created.startsAt);
          }
          return saved(created, ctx, saleView(created, ctx.now()));
        }
        case 'get': {
          if (sale === undefined) return notFound(ctx);
          const changed = expire(ctx, sale);
          return answer(state, sale, changed, ctx, { reply: saleView(sale, ctx.now()) });
        }
        case 'reserve': {
          if (sale === undefined) return notFound(ctx);
          const changed = expire(ctx, sale);
          const key = reserveKey(msg.user, msg.client_req_id);
          const refusedBefore = key === null ? undefined : refused.get(ctx.address, key, ctx.now());
          if (refusedBefore !== undefined) return answer(state, sale, changed, ctx, { error: refusedBefore });
          const v = reserve(sale, { user: msg.user, sku: msg.sku, qty: msg.qty, clientReqId: msg.client_req_id }, ctx.now());
          switch (v.kind) {
            case 'reserved':
              vol(ctx).touched.add(v.reservation.id);
              expiries(ctx, v.sale).push(v.reservation.id, v.reservation.expiresAt);
              stockChanged(ctx, v.sale, msg.sku);
              return saved(v.sale, ctx, reservationReply(v.reservation), changed ? undefined : { added: v.reservation.expiresAt });
            case 'duplicate':
              return answer(state, sale, changed, ctx, { reply: reservationReply(v.reservation) });
            case 'refused':
              if (key !== null) refused.remember(ctx.address, key, v.refusal, ctx.now());
              return answer(state, sale, changed, ctx, { error: v.refusal });
            default:
              return assertNever(v);
          }
        }
        case 'release': {
          if (sale === undefined) return notFound(ctx);
          const changed = expire(ctx, sale);
          const r = release(sale, msg.user, msg.reservation_id, ctx.now());
          switch (r.kind) {
            case 'released':
              vol(ctx).touched.add(r.hold.id);
              stockChanged(ctx, r.sale, r.hold.sku);
              return saved(r.sale, ctx, {}, changed ? undefined : { removed: r.hold.expiresAt });
            case 'already':
              return answer(state, sale, changed, ctx, { reply: {} });
            case 'refused':
              return answer(state, sale, changed, ctx, { error: r.refusal });
            default:
              return assertNever(r);
          }
        }
        case 'confirm': {
          if (sale === undefined) return notFound(ctx);
          const changed = expire(ctx, sale);
          const c = confirm(sale, msg.reservation_id, ctx.now());
          switch (c.kind) {
            case 'confirmed':
              vol(ctx).touched.add(c.hold.id);
              stockChanged(ctx, c.sale, c.hold.sku);
              return saved(c.sale, ctx, { ...confirmedReply(c.hold.id, c.hold), confirmed_at: toDhakaIso(ctx.now()) }, changed ? undefined : { removed: c.hold.expiresAt });
            case 'already':
              return answer(state, sale, changed, ctx, { reply: confirmedReply(msg.reservation_id, c) });
            case 'refused':
              return answer(state, sale, changed, ctx, { error: c.refusal });
            default:
              return assertNever(c);
          }
        }
        case 'remind': {
          if (sale === undefined) return notFound(ctx);
          const r = register(sale, msg.user_ids, msg.discount_percentage, ctx.now());
          if (r.kind === 'refused') return { state, error: { code: r.code, message: r.message } };
          if (r.added === 0) return { state, reply: { ok: true, registered: 0, total: r.total } };
          ctx.setReminder(START, sale.startsAt);
          return saved(sale, ctx, { ok: true, registered: r.added, total: r.total });
        }
        case 'reminder': {
          if (msg.name === START) {
            ctx.cancelReminder(START);
            if (sale === undefined) return { state };
            const entries = takeStartNotifications(sale, ctx.now());
            if (entries.length === 0) return { state };
            sendOutbox(ctx, entries, sink);
            followExpiry(ctx, sale);
            return { state: { sale, outbox: { at: ctx.now(), entries } }, persist: true, parts: changedParts(ctx, sale) };
          }
          if (sale === undefined) {
            ctx.cancelReminder(HOLDS);
            return { state };
          }
          // After a restart the reminder is the only copy of where it was set.
          const v = vol(ctx);
          v.nextExpiry = nextExpiry(ctx, sale);
          v.reminderAt = msg.due_at;
          if (expire(ctx, sale)) return saved(sale, ctx);
          followExpiry(ctx, sale);
          return { state };
        }
        case 'timer':
          if (sale !== undefined && msg.name === STOCK) flushStock(ctx, sale);
          return { state };
        default:
          return assertNever(msg);
      }
    },
  });
}

/** The answer to POST sales/:id/confirm (and to a repeat of it). */
function confirmedReply(id: string, h: { user: string; sku: string; qty: number }): { ok: true; reservation: Record<string, unknown> } {
  return { ok: true, reservation: { id, user_id: h.user, sku: h.sku, qty: h.qty, status: 'confirmed' } };
}
