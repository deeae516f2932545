// The pure part of a user actor: who sees which presence (PROTOCOL.md §10),
// and the notification queue (§5): statuses only move forward, queued →
// delivered → acked, queued or delivered → expired; a bounded queue drops its
// oldest unacked entries (as expired) rather than grow without end.
import { decodeCursor, encodeCursor } from '../../store/page.ts';
import { partitionPoint } from '../../sorted-search.ts';
import type { Lang, NewNotification, NotificationStatus, PresenceStatus, ShownStatus } from './messages.ts';

export interface Device {
  node: string;
  lang: Lang;
  device: string | null;
  since: number;
}

export interface StoredNotification extends NewNotification {
  /** Order of arrival at the user's actor (it names the state part the entry is saved in). */
  seq: number;
  status: NotificationStatus;
  delivered_at: number | null;
  acked_at: number | null;
}

/**
 * Each entry is saved as a state part of its own, `e{seq}`: a change writes
 * the entries it touched, not the whole list. A notify to a full queue then
 * writes the new entry and the one it evicted (and drops the oldest final
 * one), not every entry of the pages they sit in: with pages of four (parts
 * `n{page}`, which earlier releases saved and which are still read) it
 * re-encoded up to twelve, and an outbid notification cost about 15% more
 * CPU in all (an in-process probe of accepted bids, 300 against 265 µs).
 */
export function entryPart(seq: number): string {
  return `e${seq}`;
}

const ENTRY_PART = /^e\d+$/;
/** Pages of entries, as earlier releases saved them. */
const PAGE_PART = /^n\d+$/;

/** The parts of the entries numbered `seqs`: each entry, or null when it is gone (the part is dropped). `list` is in seq order. */
export function entryParts(list: readonly StoredNotification[], seqs: ReadonlySet<number>): Record<string, StoredNotification | null> {
  const parts: Record<string, StoredNotification | null> = {};
  for (const seq of seqs) {
    const i = partitionPoint(list, (n) => n.seq < seq);
    parts[entryPart(seq)] = i < list.length && list[i]!.seq === seq ? list[i]! : null;
  }
  return parts;
}

/**
 * The list back from its saved parts (any order), in seq order, and the
 * names of the pages an earlier release saved (the next save writes their
 * entries as entry parts and drops them). Parts of other names are ignored.
 */
export function fromParts(parts: Readonly<Record<string, unknown>>): { list: StoredNotification[]; pages: string[] } {
  // By seq: an entry's own part wins over a page that still holds an older copy of it.
  const bySeq = new Map<number, StoredNotification>();
  const pages: string[] = [];
  const take = (n: StoredNotification, own: boolean): void => {
    if (own || !bySeq.has(n.seq)) bySeq.set(n.seq, entry(n, n.seq, n.status, n.delivered_at, n.acked_at));
  };
  for (const [name, v] of Object.entries(parts)) {
    if (ENTRY_PART.test(name) && v !== null && typeof v === 'object') take(v as StoredNotification, true);
    else if (PAGE_PART.test(name) && Array.isArray(v)) {
      pages.push(name);
      for (const n of v as StoredNotification[]) take(n, false);
    }
  }
  return { list: [...bySeq.values()].sort((a, b) => a.seq - b.seq), pages };
}

export interface Presence {
  /** By session id: the user's connected devices on every node. */
  devices: Record<string, Device>;
  /** What the user chose (a connected user who never chose is `online`). */
  status: PresenceStatus;
  current_page: string | null;
  shopping_activity: unknown;
  /** When the last device left (null while one is connected or never seen). */
  left_at: number | null;
  /** Last time the user was seen connected (null: never). */
  last_seen: number | null;
  /** The language of the user's last connection (REST listings use it). */
  lang: Lang | null;
  /**
   * While `invisible`: when others last saw the user (connected as it turned
   * invisible, or its last_seen then). Others are shown this as last_seen: a
   * time that moved on while the user is connected would give it away.
   */
  hidden_at: number | null;
}

export function newPresence(): Presence {
  return { devices: {}, status: 'online', current_page: null, shopping_activity: null, left_at: null, last_seen: null, lang: null, hidden_at: null };
}

export function deviceCount(p: Presence): number {
  let n = 0;
  for (const _ in p.devices) n++;
  return n;
}

/**
 * The status the user has now, for a viewer that may (the user, an admin) or
 * may not see through `invisible`. A user whose last
 * device left keeps its status for `graceMs` (a phone switching cells
 * reconnects within it), then is `offline`.
 */
export function shownStatus(p: Presence, now: number, graceMs: number, seesInvisible: boolean): ShownStatus {
  const connected = deviceCount(p) > 0 || (p.left_at !== null && now < p.left_at + graceMs);
  if (!connected) return 'offline';
  if (p.status === 'invisible' && !seesInvisible) return 'offline';
  return p.status;
}

export interface QueueLimits {
  /** Unacked (queued or delivered) entries kept. */
  queueMax: number;
  /** Final (acked or expired) entries kept for listings. */
  historyMax: number;
}

/** Queued or delivered: not yet acked or expired. */
export const isOpen = (n: StoredNotification): boolean => n.status === 'queued' || n.status === 'delivered';

/** Marks open entries whose time has come as expired; answers them. */
export function expireDue(list: StoredNotification[], now: number): StoredNotification[] {
  const expired: StoredNotification[] = [];
  for (const n of list) {
    if (isOpen(n) && n.expires_at <= now) {
      n.status = 'expired';
      expired.push(n);
    }
  }
  return expired;
}

/**
 * What enqueue knows of a list without reading it: its ids, how many entries
 * are open, and where the first open one is (`list.length` when none).
 * Valid only for the list it was made for and only while nothing but enqueue
 * changed it; the caller drops it when anything else may have (an ack, an
 * expiry), and enqueue then reads the list once to make a new one.
 */
export interface QueueIndex {
  ids: Set<string>;
  open: number;
  firstOpen: number;
}

function indexOf(list: readonly StoredNotification[]): QueueIndex {
  const ix: QueueIndex = { ids: new Set(), open: 0, firstOpen: list.length };
  for (let i = 0; i < list.length; i++) {
    const n = list[i]!;
    ix.ids.add(n.id);
    if (!isOpen(n)) continue;
    ix.open++;
    if (ix.firstOpen === list.length) ix.firstOpen = i;
  }
  return ix;
}

/**
 * Appends the notifications whose id is new (a sender retrying is harmless),
 * numbered from `nextSeq`, and trims to the limits: past `queueMax` open
 * entries the oldest expire; past `historyMax` final entries the oldest are
 * forgotten (`dropped`). Mutates `list`, and `index` when given (see
 * QueueIndex); answers the index that is valid after the call.
 *
 * It runs on every notification of a user whose list may hold queueMax +
 * historyMax entries, scattered over the heap: reading each of them costs
 * a cache miss or more, so with a valid index a notify to a full queue reads
 * only the entries it evicts and drops, at the list's front.
 */
export function enqueue(
  list: StoredNotification[],
  incoming: readonly NewNotification[],
  limits: QueueLimits,
  nextSeq: number,
  index?: QueueIndex,
): { added: StoredNotification[]; evicted: StoredNotification[]; dropped: StoredNotification[]; index: QueueIndex } {
  const ix = index ?? indexOf(list);
  const added: StoredNotification[] = [];
  let seq = nextSeq;
  for (const n of incoming) {
    if (ix.ids.has(n.id)) continue; // known, or a repeat within `incoming`
    const s = entry(n, seq++, 'queued', null, null);
    added.push(s);
    list.push(s);
    ix.ids.add(s.id);
    ix.open++; // firstOpen needs no change: with none open it was list.length, this entry's index
  }
  const evicted: StoredNotification[] = [];
  let i = ix.firstOpen;
  for (; i < list.length && ix.open > limits.queueMax; i++) {
    const n = list[i]!;
    if (!isOpen(n)) continue;
    n.status = 'expired';
    evicted.push(n);
    ix.open--;
  }
  while (i < list.length && !isOpen(list[i]!)) i++;
  ix.firstOpen = i;
  const dropped: StoredNotification[] = [];
  let excess = list.length - ix.open - limits.historyMax;
  if (excess > 0) {
    // The oldest final entries go, the rest keep their order: first those at
    // the front (one splice), then any further in (an ack of a newer entry).
    let k = 0;
    while (k < list.length && excess > 0 && !isOpen(list[k]!)) {
      dropped.push(list[k]!);
      k++;
      excess--;
    }
    if (k > 0) list.splice(0, k);
    ix.firstOpen -= k;
    if (excess > 0) {
      let w = 0;
      for (let r = 0; r < list.length; r++) {
        const n = list[r]!;
        if (excess > 0 && !isOpen(n)) {
          dropped.push(n);
          excess--;
        } else list[w++] = n;
      }
      list.length = w;
      ix.firstOpen = list.findIndex(isOpen);
      if (ix.firstOpen < 0) ix.firstOpen = list.length;
    }
    for (const n of dropped) ix.ids.delete(n.id);
  }
  return { added, evicted, dropped, index: ix };
}

/**
 * A stored entry in one fixed shape (the same members in the same order,
 * whatever shape its source had: a spread of a message, a parsed page).
 * Every notify scans the user's list (up to queueMax + historyMax entries),
 * and those scans run several times faster over one shape than over the
 * mix of shapes that spreads and JSON.parse give.
 */
function entry(n: NewNotification, seq: number, status: NotificationStatus, delivered_at: number | null, acked_at: number | null): StoredNotification {
  const s: StoredNotification = { id: n.id, notification_type: n.notification_type, title: n.title, message: n.message, data: n.data, priority: n.priority, created_at: n.created_at, expires_at: n.expires_at, seq, status, delivered_at, acked_at };
  if (n.event_id !== undefined) s.event_id = n.event_id;
  return s;
}

/** Open entries not yet expired, oldest first: what a device that connects is sent. */
export function pending(list: readonly StoredNotification[], now: number): StoredNotification[] {
  return list.filter((n) => isOpen(n) && n.expires_at > now);
}

export function markDelivered(items: readonly StoredNotification[], now: number): StoredNotification[] {
  const changed: StoredNotification[] = [];
  for (const n of items) {
    if (n.status !== 'queued') continue;
    n.status = 'delivered';
    n.delivered_at = now;
    changed.push(n);
  }
  return changed;
}

/** `ack` (§5): stops redelivery; answers the entries it moved to acked (unknown or final ids are not counted). */
export function ack(list: StoredNotification[], ids: readonly string[], now: number): StoredNotification[] {
  const wanted = new Set(ids);
  const acked: StoredNotification[] = [];
  for (const n of list) {
    if (!wanted.has(n.id) || !isOpen(n) || n.expires_at <= now) continue;
    n.status = 'acked';
    n.acked_at = now;
    acked.push(n);
  }
  return acked;
}

/** The earliest expiry among open entries (for the expiry reminder), or null. */
export function nextExpiry(list: readonly StoredNotification[]): number | null {
  let min: number | null = null;
  for (const n of list) if (isOpen(n) && (min === null || n.expires_at < min)) min = n.expires_at;
  return min;
}

/** One page of GET notifications: newest first, optionally of one status; the cursor is the last item's (created_at, id). */
export function listPage(list: readonly StoredNotification[], status: NotificationStatus | undefined, limit: number, cursor: string | null): { items: StoredNotification[]; next_cursor: string | null } {
  const after = decodeCursor(cursor, 2);
  const sorted = list.filter((n) => status === undefined || n.status === status).sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const from = after === null ? sorted : sorted.filter((n) => n.created_at < (after[0] as number) || (n.created_at === after[0] && n.id < (after[1] as string)));
  const items = from.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: from.length > limit && last !== undefined ? encodeCursor([last.created_at, last.id]) : null };
}
