// The user actor (`user:{id}`): one per user, wherever the ring places it,
// holding the user's devices on every node, the presence the user chose, the
// notifications not yet acked (the offline queue of §5) and the rooms the
// user takes part in. Every change is saved (fenced) before it is answered
// and before its effects leave: frames to devices and records for the store
// go to the main thread (ctx.emit), presence changes to the user's rooms.
// Notifications are saved beside the rest of the state, as state parts of
// one entry each: a change writes only the entries it touched.
import { defineBehaviour, type ActorContext, type HandlerResult } from '../../actors/behaviour.ts';
import { assertNever } from '../../actors/wire.ts';
import { toDhakaIso } from '../../time/clock.ts';
import { framesOf, notificationFrame, notificationRecord, notificationView, type DeliverEmit, type UserStoreEmit } from './effects.ts';
import type { Lang, NewNotification, ShownStatus, UserMessage } from './messages.ts';
import { addHeld, holdForPrayer, nextRelease, releaseDue, type Held, type PrayerQuietConfig } from './quiet.ts';
import { parseDivision, type Division } from '../../time/divisions.ts';
import { packCore, unpackCore } from './saved-state.ts';
import { SortedStrings } from '../../sorted-strings.ts';
import { createHash } from 'node:crypto';
import { ack, deviceCount, enqueue, type QueueIndex, expireDue, entryParts, fromParts, isOpen, listPage, markDelivered, newPresence, nextExpiry, pending, shownStatus, type Presence, type QueueLimits, type StoredNotification } from './rules.ts';
import type { EventSink } from '../channel/event-sink.ts';
import { actorEventSink } from '../channel/actor-event-sink.ts';

export interface UserDeps {
  offlineGraceMs: number;
  limits: QueueLimits;
  idleMs: number;
  /** Low-priority promotions wait for the end of a prayer's quiet window (quiet.ts). */
  prayerQuiet: PrayerQuietConfig;
  /** How the actor's events reach their channel (event-sink.ts); through the channel actors unless given. */
  events?: EventSink;
}

interface UserState {
  presence: Presence;
  /** In seq order; saved an entry a part (state parts), not with the rest of the state. */
  notifications: StoredNotification[];
  /** The seq of the next notification queued. */
  nseq: number;
  /**
   * Loaded from a state an earlier release saved (the list inside the state,
   * or pages of entries): the next save writes every entry as its own part
   * and drops these parts. Not saved.
   */
  oldParts?: string[];
  /**
   * In id order; saved a room a part (roomPart), not with the rest of
   * the state: the list only grows (a support agent joins every room it
   * helps in), and every save wrote all of it again.
   */
  rooms: SortedStrings;
  /** Loaded from a state that holds its rooms (saved before room parts): the next save writes each as a part. Not saved. */
  roomsInState?: true;
  /** The status others were last told (presence_change events go out only when it changes). */
  told: ShownStatus;
  /** The division of the user's last connection that named one (null: never; Dhaka's prayer times then). */
  division?: Division | null;
  /** Promotions waiting for a prayer's quiet window to end (absent in states saved before). */
  held?: Held[];
  /** Where this activation set the expiry reminder (null: cancelled; undefined: not known yet). Not saved. */
  expiryAt?: number | null;
  /** What enqueue knows of `notifications` (rules.ts QueueIndex); dropped when anything else changes the list. Not saved. */
  queueIndex?: QueueIndex;
}

type Result = HandlerResult<UserState>;

const OFFLINE = 'offline';
const EXPIRE = 'expire';
const QUIET = 'quiet';

export function userBehaviour(deps: UserDeps) {
  const sink = deps.events ?? actorEventSink;
  const user = (ctx: ActorContext): string => ctx.id;
  /** The seqs of the entries the message being handled changed (handlers are synchronous: one message at a time per thread). */
  const touched = new Set<number>();
  const touch = (items: readonly StoredNotification[]): void => {
    for (const n of items) touched.add(n.seq);
  };

  /** The store's copy of the user's presence (what GET online-users and analytics read). */
  function storePresence(s: UserState, ctx: ActorContext): UserStoreEmit['presence'] {
    const p = s.presence;
    const now = ctx.now();
    return {
      user_id: user(ctx),
      status: shownStatus(p, now, deps.offlineGraceMs, true),
      current_page: p.current_page,
      shopping_activity: p.shopping_activity,
      devices: deviceCount(p),
      location: null,
      last_seen: p.last_seen ?? now,
      updated_at: now,
    };
  }

  /**
   * After a change of presence: the store gets the new record, and when what
   * others see changed, the user's rooms get a low-priority presence_change
   * (only people who share a room with the user learn it, never the world).
   */
  function presenceChanged(s: UserState, ctx: ActorContext): void {
    ctx.emit({ k: 'user_store', presence: storePresence(s, ctx) } satisfies UserStoreEmit);
    const shown = shownStatus(s.presence, ctx.now(), deps.offlineGraceMs, false);
    if (shown === s.told) return;
    s.told = shown;
    const data_json = JSON.stringify({ user_id: user(ctx), status: shown });
    for (const room of s.rooms.after(null, Infinity)) sink.publish(ctx, `chat:${room}`, { event_type: 'presence_change', data_json, priority: 'low' });
  }

  /** scheduleExpiry after entries were added, without a scan of the whole list: only new entries can bring the earliest expiry forward. */
  function expiryAfterAdding(s: UserState, added: readonly StoredNotification[], ctx: ActorContext): void {
    if (s.expiryAt === undefined) return scheduleExpiry(s, ctx);
    let soonest = Infinity;
    for (const n of added) if (isOpen(n) && n.expires_at < soonest) soonest = n.expires_at;
    if (soonest === Infinity || (s.expiryAt !== null && s.expiryAt <= soonest)) return;
    ctx.setReminder(EXPIRE, soonest);
    s.expiryAt = soonest;
  }

  /**
   * The expiry reminder at the earliest open entry's expiry. It is moved only
   * when that comes sooner than where it is set (while this activation knows
   * where that is): a full queue evicts its oldest entry on every notify, and
   * moving the reminder later each time would cost an engine write per
   * notification. A reminder that fires early finds nothing due and is set again.
   */
  function scheduleExpiry(s: UserState, ctx: ActorContext): void {
    const next = nextExpiry(s.notifications);
    if (next === null) {
      if (s.expiryAt !== null) ctx.cancelReminder(EXPIRE);
      s.expiryAt = null;
    } else if (s.expiryAt === undefined || s.expiryAt === null || next < s.expiryAt) {
      ctx.setReminder(EXPIRE, next);
      s.expiryAt = next;
    }
  }

  /**
   * Sends `items` (just queued) to every connected device (frames leave after
   * the save) and marks them delivered; the store gets them once, as they are
   * then (delivered ones with their delivered_at), not inserted as queued and
   * then moved to delivered by a second write.
   */
  function deliverAndStore(s: UserState, items: StoredNotification[], ctx: ActorContext): void {
    if (deviceCount(s.presence) > 0) {
      const targets: Record<string, string[]> = {};
      const langs = new Set<Lang>();
      for (const [session, d] of Object.entries(s.presence.devices)) {
        (targets[d.node] ??= []).push(session);
        langs.add(d.lang);
      }
      const events = items.flatMap((n) => (n.event_id !== undefined && n.status === 'queued' ? [n.event_id] : []));
      ctx.emit({ k: 'deliver', user: user(ctx), targets, frames: framesOf(items, langs), events } satisfies DeliverEmit);
      markDelivered(items, ctx.now());
    }
    ctx.emit({ k: 'user_store', inserted: items.map((n) => notificationRecord(user(ctx), n)) } satisfies UserStoreEmit);
  }

  /** Queues new notifications (by id), stores and delivers them; answers how many were new. */
  function queueAndDeliver(s: UserState, items: readonly NewNotification[], ctx: ActorContext): number {
    const now = ctx.now();
    // The expiry reminder is never later than the earliest open expiry (scheduleExpiry): before it, nothing is due.
    if (s.expiryAt === undefined || (s.expiryAt !== null && now >= s.expiryAt)) {
      const expired = expireDue(s.notifications, now);
      if (expired.length > 0) delete s.queueIndex;
      touch(expired);
    }
    const { added, evicted, dropped, index } = enqueue(s.notifications, items.filter((n) => n.expires_at > now), deps.limits, s.nseq, s.queueIndex);
    s.queueIndex = index;
    s.nseq += added.length;
    touch(added);
    touch(evicted);
    touch(dropped);
    if (added.length === 0) return 0;
    deliverAndStore(s, added, ctx);
    expiryAfterAdding(s, added, ctx);
    return added.length;
  }

  function scheduleRelease(s: UserState, ctx: ActorContext): void {
    const next = nextRelease(s.held ?? []);
    if (next === null) ctx.cancelReminder(QUIET);
    else ctx.setReminder(QUIET, next);
  }

  /** The last device left (or its node died): offline after the grace period, told by a reminder. */
  function lastLeft(s: UserState, ctx: ActorContext): void {
    const now = ctx.now();
    s.presence.left_at = now;
    s.presence.last_seen = now;
    ctx.setReminder(OFFLINE, now + deps.offlineGraceMs);
  }

  function removeDevices(s: UserState, ctx: ActorContext, which: (session: string, node: string) => boolean): Result {
    let removed = 0;
    for (const [session, d] of Object.entries(s.presence.devices)) {
      if (!which(session, d.node)) continue;
      delete s.presence.devices[session];
      removed++;
    }
    if (removed === 0) return { state: s };
    if (deviceCount(s.presence) === 0) lastLeft(s, ctx);
    presenceChanged(s, ctx);
    return { state: s, persist: true };
  }

  function handle(s: UserState, msg: UserMessage, ctx: ActorContext): Result {
    const now = ctx.now();
    switch (msg.type) {
      case 'connect': {
        s.presence.devices[msg.session] = { node: msg.node, lang: msg.lang, device: msg.device, since: now };
        s.presence.left_at = null;
        s.presence.last_seen = now;
        s.presence.lang = msg.lang;
        const division = parseDivision(msg.division);
        if (division !== undefined) s.division = division;
        ctx.cancelReminder(OFFLINE);
        touch(expireDue(s.notifications, now));
        // Everything not acked goes to the device that connected (at-least-once, §5).
        const due = pending(s.notifications, now);
        const frames = due.map((n) => notificationFrame(n, msg.lang));
        const events = due.flatMap((n) => (n.event_id !== undefined && n.status === 'queued' ? [n.event_id] : []));
        const changed = markDelivered(due, now);
        touch(changed);
        if (changed.length > 0) ctx.emit({ k: 'user_store', statuses: changed.map((n) => ({ user_id: user(ctx), id: n.id, status: 'delivered' as const, at: now })) } satisfies UserStoreEmit);
        presenceChanged(s, ctx);
        return { state: s, reply: { pending: frames, events }, persist: true };
      }
      case 'disconnect':
        return removeDevices(s, ctx, (session) => session === msg.session);
      case 'node_down':
        return removeDevices(s, ctx, (_session, node) => node === msg.node);
      case 'presence': {
        const p = s.presence;
        if (msg.status === 'invisible' && p.status !== 'invisible') p.hidden_at = deviceCount(p) > 0 ? now : p.last_seen;
        if (msg.status !== 'invisible') p.hidden_at = null;
        p.status = msg.status;
        if (msg.current_page !== undefined) p.current_page = msg.current_page;
        if (msg.shopping_activity !== undefined) p.shopping_activity = msg.shopping_activity;
        presenceChanged(s, ctx);
        return { state: s, reply: { ok: true }, persist: true };
      }
      case 'get_presence': {
        const p = s.presence;
        const view: Record<string, unknown> = {
          user_id: user(ctx),
          status: shownStatus(p, now, deps.offlineGraceMs, msg.viewer.invisible),
          devices: deviceCount(p),
          last_seen: deviceCount(p) > 0 ? toDhakaIso(now) : p.last_seen === null ? null : toDhakaIso(p.last_seen),
        };
        // Invisible to this viewer: last seen when it turned invisible, like a user who left then.
        if (p.status === 'invisible' && !msg.viewer.invisible) view.last_seen = p.hidden_at === null ? null : toDhakaIso(p.hidden_at);
        // An invisible user looks offline to others: no devices either.
        if (view.status === 'offline') view.devices = 0;
        if (msg.viewer.details) {
          view.current_page = p.current_page;
          view.shopping_activity = p.shopping_activity;
        }
        return { state: s, reply: view };
      }
      case 'notify': {
        if (msg.only_if_offline === true && deviceCount(s.presence) > 0) return { state: s, reply: { queued: 0 } };
        const { go, wait } = holdForPrayer(msg.notifications, s.division ?? null, now, deps.prayerQuiet);
        const held = wait.length === 0 ? 0 : addHeld((s.held ??= []), wait, deps.limits.queueMax);
        if (held > 0) scheduleRelease(s, ctx);
        const queued = queueAndDeliver(s, go, ctx);
        return { state: s, reply: held > 0 ? { queued, held } : { queued }, persist: queued > 0 || held > 0 };
      }
      case 'ack': {
        const acked = ack(s.notifications, msg.ids, now);
        if (acked.length === 0) return { state: s, reply: { acked: 0 } };
        touch(acked);
        ctx.emit({ k: 'user_store', statuses: acked.map((n) => ({ user_id: user(ctx), id: n.id, status: 'acked' as const, at: now })) } satisfies UserStoreEmit);
        // The trim of final entries happens on the next enqueue; expiry follows the open ones.
        scheduleExpiry(s, ctx);
        return { state: s, reply: { acked: acked.length }, persist: true };
      }
      case 'list_notifications': {
        const expiredNow = expireDue(s.notifications, now);
        touch(expiredNow);
        const expired = expiredNow.length > 0;
        const page = listPage(s.notifications, msg.status, msg.limit, msg.cursor);
        return { state: s, reply: { notifications: page.items.map((n) => notificationView(n, msg.lang ?? s.presence.lang ?? 'en')), next_cursor: page.next_cursor }, persist: expired };
      }
      case 'room_joined': {
        if (!s.rooms.add(msg.room_id)) return { state: s, reply: { ok: true } };
        return { state: s, reply: { ok: true }, parts: { [roomPart(msg.room_id)]: msg.room_id } };
      }
      case 'list_rooms':
        return { state: s, reply: { rooms: s.rooms.after(msg.after ?? null, msg.limit ?? Infinity) } };
      case 'reminder':
      case 'timer':
        if (msg.name === OFFLINE) {
          // Offline now (unless a device came back): the store and the rooms learn it.
          if (deviceCount(s.presence) > 0) return { state: s };
          presenceChanged(s, ctx);
          ctx.cancelReminder(OFFLINE);
          return { state: s, persist: true };
        }
        if (msg.name === QUIET) {
          // The quiet window ended: the promotions that waited for it are queued and delivered now.
          // A reminder late enough to land in the next window holds them again.
          const held = (s.held ??= []);
          const { go, wait } = holdForPrayer(releaseDue(held, now), s.division ?? null, now, deps.prayerQuiet);
          addHeld(held, wait, deps.limits.queueMax);
          scheduleRelease(s, ctx);
          queueAndDeliver(s, go, ctx);
          return { state: s, persist: true };
        }
        if (msg.name === EXPIRE) {
          touch(expireDue(s.notifications, now));
          s.expiryAt = undefined; // a reminder fires once: none is set now
          scheduleExpiry(s, ctx);
          return { state: s, persist: true };
        }
        return { state: s };
      default:
        return assertNever(msg);
    }
  }

  return defineBehaviour<UserState, UserMessage>({
    kind: 'user',
    messageTypes: ['connect', 'disconnect', 'node_down', 'presence', 'get_presence', 'notify', 'ack', 'list_notifications', 'room_joined', 'list_rooms', 'reminder', 'timer'],
    idleMs: deps.idleMs,
    async init(ctx) {
      const { state, parts } = await ctx.loadPersistedWithParts();
      if (state === undefined) return { presence: newPresence(), notifications: [], nseq: 0, rooms: new SortedStrings(), told: 'offline', division: null, held: [] };
      const saved = state as Record<string, unknown>;
      const { rooms: roomsInState, ...core } = unpackCore(saved);
      const rooms = roomsOf(roomsInState, parts);
      if (core.nseq === undefined) {
        // Saved before parts: the list was part of the state. Number it; the next save writes it in parts.
        const notifications = ((saved.notifications as Omit<StoredNotification, 'seq'>[] | undefined) ?? []).map((n, seq) => ({ ...n, seq }));
        return { ...core, rooms, ...(roomsInState.length > 0 ? { roomsInState: true as const } : {}), notifications, nseq: notifications.length, oldParts: [] };
      }
      const { list, pages } = fromParts(parts);
      return { ...core, rooms, ...(roomsInState.length > 0 ? { roomsInState: true as const } : {}), nseq: core.nseq, notifications: list, ...(pages.length > 0 ? { oldParts: pages } : {}) };
    },
    core: ({ notifications: _list, oldParts: _oldParts, expiryAt: _expiryAt, queueIndex: _queueIndex, rooms: _rooms, roomsInState: _roomsInState, ...core }) => packCore({ ...core, rooms: [] }),
    handle(s, msg, ctx) {
      touched.clear();
      // Only notifies (and the quiet window's release, which queues) keep the queue's index: every other message may change the list.
      if (msg.type !== 'notify' && !(msg.type === 'reminder' && msg.name === QUIET)) delete s.queueIndex;
      const oldParts = s.oldParts;
      if (oldParts !== undefined) {
        touch(s.notifications);
        delete s.oldParts;
      }
      const r = handle(s, msg, ctx);
      // A state that held its rooms is saved without them: its first save writes them as parts.
      const roomsMoved = r.state.roomsInState === true && (r.persist === true || r.parts !== undefined || touched.size > 0);
      if (touched.size === 0 && !roomsMoved) return r;
      const parts: Record<string, unknown> = { ...r.parts };
      for (const name of oldParts ?? []) parts[name] = null;
      Object.assign(parts, entryParts(r.state.notifications, touched));
      touched.clear();
      if (roomsMoved) {
        for (const room of r.state.rooms.after(null, Infinity)) parts[roomPart(room)] = room;
        delete r.state.roomsInState;
      }
      return { ...r, parts };
    },
  });
}

/** A part's name is at most 64 of [A-Za-z0-9_.-] (engines/actor-state.ts); a room id is at most 128 of them. */
const ROOM_PART = /^rh?\./;

/** The state part that records one room of the user (its value is the room's id): `r.{id}`, or `rh.{hash}` for a long id. */
function roomPart(roomId: string): string {
  return roomId.length <= 62 ? `r.${roomId}` : `rh.${createHash('sha256').update(roomId).digest('base64url')}`;
}

/** The user's rooms: those a state saved before room parts holds, and one a part. */
function roomsOf(inState: readonly string[], parts: Readonly<Record<string, unknown>>): SortedStrings {
  const rooms = new SortedStrings();
  for (const room of inState) rooms.add(room);
  for (const name in parts) {
    const room = parts[name];
    if (ROOM_PART.test(name) && typeof room === 'string') rooms.add(room);
  }
  return rooms;
}
