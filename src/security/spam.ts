// Spam rules for chat messages (README "Spam and abuse"): per user and room,
// repeated identical or near-identical messages, link spam and phone-number
// spam; per user, bursts from brand-new accounts; and repeat offenders (N
// spam refusals within T), whom the gateway closes with 4008. Pure: the
// caller gives the time; state is in this process (a node's view: in a
// cluster each node judges what reaches it).
//
// Account age: a user is "new" for `newAccountMs` after this node first saw
// them send a chat message (not the token's `iat`, which is the age of the
// login, not of the account: every fresh login would look new). At most
// `maxTrackedUsers` first-seen times are kept; the oldest are forgotten
// first, and a forgotten user who comes back counts as new again.
import { findLinks, findPhones, normalizeForRepeat, similarity } from './spam-text.ts';
import { AgeOrderedMap } from '../age-ordered-map.ts';

export interface SpamConfig {
  enabled: boolean;
  /** How far back a user's messages in a room are compared. */
  windowMs: number;
  /** Messages remembered per user and room (the newest). */
  historyMax: number;
  /** A message is a repeat when at least this many earlier messages in the window are similar to it. */
  maxRepeats: number;
  /** Similar: Dice coefficient of character bigrams of the normalized texts at least this (0..1]. */
  similarity: number;
  /** Normalized texts shorter than this ("ok", "thanks #") are never repeats. */
  minRepeatChars: number;
  /** Links allowed in one message. */
  maxLinksPerMessage: number;
  /** Messages with links allowed per user and room within the window. */
  maxLinkMessages: number;
  /** Distinct phone numbers allowed in one message. */
  maxPhonesPerMessage: number;
  /** Messages with phone numbers allowed per user and room within the window. */
  maxPhoneMessages: number;
  /** A user first seen less than this long ago is new. */
  newAccountMs: number;
  /** Chat messages a new user may send (all rooms) within newAccountWindowMs. */
  newAccountMaxMessages: number;
  newAccountWindowMs: number;
  /** Links a new user may send at all while new (0: none). */
  newAccountMaxLinks: number;
  /** Repeat offenders: this many spam refusals within offenderWindowMs close the user's connections (4008). */
  offenderRefusals: number;
  offenderWindowMs: number;
  /** Users whose first-seen time is kept. */
  maxTrackedUsers: number;
}

export type SpamRule = 'repeat' | 'links' | 'phones' | 'new_account_burst' | 'new_account_links';

export type SpamVerdict = { spam: false } | { spam: true; rule: SpamRule; detail: string; offender: boolean };

interface Sent {
  at: number;
  norm: string;
  links: number;
  phones: number;
  clientMsgId: string | undefined;
}

interface UserState {
  firstSeen: number;
  /** Times of this user's messages (all rooms), for the new-account burst. */
  recent: number[];
  /** Times of this user's spam refusals. */
  refusals: number[];
  linksWhileNew: number;
}

const OK: SpamVerdict = { spam: false };

export class SpamGuard {
  /** Age-ordered: past maxTrackedUsers every new user forgets the oldest, in constant steps (age-ordered-map.ts). */
  private readonly users = new AgeOrderedMap<string, UserState>();
  private readonly rooms = new Map<string, Sent[]>();
  private checks = 0;

  constructor(private readonly c: SpamConfig) {}

  /**
   * Judges one chat message of `user` in `room` at `now` and remembers it
   * (refused ones too: a spammer stays refused while the burst goes on). A
   * retry with a `clientMsgId` already seen in this room is not judged again
   * (it publishes nothing new; the room answers with the first reply).
   */
  check(user: string, room: string, text: string, now: number, clientMsgId?: string): SpamVerdict {
    if (!this.c.enabled) return OK;
    if (++this.checks % 1024 === 0) this.sweep(now);
    const c = this.c;
    const key = `${user}\u0000${room}`;
    let history = this.rooms.get(key);
    if (!history) this.rooms.set(key, (history = []));
    const since = now - c.windowMs;
    while (history.length > 0 && (history[0]!.at <= since || history.length > c.historyMax)) history.shift();
    if (clientMsgId !== undefined && history.some((h) => h.clientMsgId === clientMsgId)) return OK;

    const u = this.user(user, now);
    const norm = normalizeForRepeat(text);
    const links = findLinks(text).length;
    const phones = findPhones(text).length;
    history.push({ at: now, norm, links, phones, clientMsgId });
    const isNew = now - u.firstSeen < c.newAccountMs;
    const burstSince = now - c.newAccountWindowMs;
    while (u.recent.length > 0 && u.recent[0]! <= burstSince) u.recent.shift();
    u.recent.push(now);
    if (isNew && links > 0) u.linksWhileNew += links;

    const earlier = history.length - 1;
    let rule: SpamRule | undefined;
    let detail = '';
    if (isNew && u.recent.length > c.newAccountMaxMessages) {
      rule = 'new_account_burst';
      detail = `${u.recent.length} messages within ${c.newAccountWindowMs} ms from an account first seen ${now - u.firstSeen} ms ago (limit ${c.newAccountMaxMessages})`;
    } else if (isNew && links > 0 && u.linksWhileNew > c.newAccountMaxLinks) {
      rule = 'new_account_links';
      detail = `${u.linksWhileNew} links from an account first seen ${now - u.firstSeen} ms ago (limit ${c.newAccountMaxLinks})`;
    } else if (links > c.maxLinksPerMessage) {
      rule = 'links';
      detail = `${links} links in one message (limit ${c.maxLinksPerMessage})`;
    } else if (links > 0 && countWhere(history, earlier, (h) => h.links > 0) >= c.maxLinkMessages) {
      rule = 'links';
      detail = `more than ${c.maxLinkMessages} messages with links within ${c.windowMs} ms`;
    } else if (phones > c.maxPhonesPerMessage) {
      rule = 'phones';
      detail = `${phones} phone numbers in one message (limit ${c.maxPhonesPerMessage})`;
    } else if (phones > 0 && countWhere(history, earlier, (h) => h.phones > 0) >= c.maxPhoneMessages) {
      rule = 'phones';
      detail = `more than ${c.maxPhoneMessages} messages with phone numbers within ${c.windowMs} ms`;
    } else if (norm.length >= c.minRepeatChars) {
      const similar = countWhere(history, earlier, (h) => h.norm.length >= c.minRepeatChars && similarity(h.norm, norm) >= c.similarity);
      if (similar >= c.maxRepeats) {
        rule = 'repeat';
        detail = `${similar} similar messages within ${c.windowMs} ms before this one (limit ${c.maxRepeats})`;
      }
    }
    if (rule === undefined) return OK;
    const offSince = now - c.offenderWindowMs;
    while (u.refusals.length > 0 && u.refusals[0]! <= offSince) u.refusals.shift();
    u.refusals.push(now);
    const offender = u.refusals.length >= c.offenderRefusals;
    if (offender) u.refusals.length = 0;
    return { spam: true, rule, detail, offender };
  }

  private user(user: string, now: number): UserState {
    let u = this.users.get(user);
    if (!u) {
      if (this.users.size >= this.c.maxTrackedUsers) this.users.dropOldest();
      this.users.set(user, (u = { firstSeen: now, recent: [], refusals: [], linksWhileNew: 0 }));
    }
    return u;
  }

  /** Forgets room histories with nothing left in the window (first-seen times stay, up to maxTrackedUsers). */
  sweep(now: number): void {
    const since = now - this.c.windowMs;
    for (const [key, h] of this.rooms) if (h.length === 0 || h[h.length - 1]!.at <= since) this.rooms.delete(key);
  }

  /** Room histories held (for tests and ops). */
  get trackedRooms(): number {
    return this.rooms.size;
  }
}

/** How many of the first `n` entries satisfy `p`. */
function countWhere(history: readonly Sent[], n: number, p: (h: Sent) => boolean): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (p(history[i]!)) k++;
  return k;
}
