// join_channel and leave_channel on one connection (PROTOCOL.md §2, §3): the
// channel ACL and channel tokens, the max_channels limit, then the join
// itself through the channel actors (joins.ts) and the subscriptions (hub).
//
// A join awaits (channel tokens, then the actors' answers) while the same
// connection sends more frames, so two rules keep it honest:
//  - a channel takes its place against max_channels in the same synchronous
//    step that checks the room (after any await), and holds it until the join
//    ends: concurrent joins cannot both count the same free place;
//  - a leave_channel for a channel whose join is in flight cancels it there:
//    `channels_left` lists it, and the join neither subscribes it nor reports
//    it joined (nor replays or delivers any of its events).
import type { ActorSystem } from '../actors/system.ts';
import type { Logger } from 'pino';
import { forClient, HaatError, type ErrorCode } from '../errors.ts';
import { mayJoin, parseChannel } from './acl.ts';
import type { TokenVerifier } from './auth.ts';
import type { ConnState, PendingJoin, Socket } from './connection.ts';
import type { Fanout } from './fanout.ts';
import { withRef, type ClientFrame } from './frames.ts';
import type { Hub } from './hub.ts';
import { askJoins, type DeniedChannel, type JoinStatus } from './joins.ts';
import type { Writer } from './writer.ts';
import type { JoinSync } from './join-sync.ts';
import { roomAddress } from '../domain/chat/messages.ts';

export interface MembershipDeps {
  actors: ActorSystem;
  fanout: Fanout;
  hub: Hub;
  writer: Writer;
  verifier: TokenVerifier;
  nodeId: string;
  maxChannels: number;
  askTimeoutMs: number;
  /** Lines joins up with live events (redis engine); in order already on one node. */
  joinSync?: JoinSync;
  log: Logger;
}

type JoinFrame = Extract<ClientFrame, { type: 'join_channel' }>;
type LeaveFrame = Extract<ClientFrame, { type: 'leave_channel' }>;

export class Membership {
  constructor(private readonly d: MembershipDeps) {}

  async join(ws: Socket, s: ConnState, frame: JoinFrame): Promise<void> {
    const requested = new Set(frame.channels);
    const pj: PendingJoin = { wanted: new Set(requested), reserved: new Set() };
    (s.joins ??= new Set()).add(pj);
    const denied: DeniedChannel[] = [];
    const allowed: { channel: string; since: { epoch: string; offset: number } | undefined }[] = [];
    const deny = (channel: string, code: ErrorCode, message: string, id?: string): void => {
      pj.wanted.delete(channel);
      denied.push(id === undefined ? { channel, code, message } : { channel, code, message, id });
    };
    try {
      // Places taken (subscribed or reserved); recounted after every await.
      let taken: number | undefined;
      for (const channel of requested) {
        const ch = parseChannel(channel);
        if (!ch) {
          deny(channel, 'bad_request', 'channel names are namespace:id with id of [A-Za-z0-9_.-]{1,128}');
          continue;
        }
        let verdict = mayJoin(s.principal, ch, channel);
        let refusal: { code: ErrorCode; message: string; id?: string } = { code: 'forbidden', message: `may not join ${channel}` };
        if (verdict === 'needs_channel_token' || verdict === 'ask_room') {
          const token = frame.tokens?.[channel];
          const user = s.principal.userId;
          const granted = token !== undefined && user !== null && (await this.channelGrant(token, user, channel));
          if (granted) verdict = 'allow';
          else if (verdict === 'ask_room' && user !== null) {
            const room = await this.roomAdmits(ch.id, user);
            verdict = room === undefined ? 'allow' : 'forbidden';
            if (room !== undefined) refusal = room;
          } else verdict = 'forbidden';
          taken = undefined;
        }
        if (s.closed) break;
        if (!pj.wanted.has(channel)) continue; // left while its token or room was checked
        if (verdict !== 'allow') {
          deny(channel, refusal.code, refusal.message, refusal.id);
          continue;
        }
        if (!s.channels.has(channel)) {
          const free = s.reserved?.has(channel) === true; // another join in flight holds its place
          taken ??= placesTaken(s);
          if (!free && taken >= this.d.maxChannels) {
            deny(channel, 'channel_limit', `at most ${this.d.maxChannels} channels per connection`);
            continue;
          }
          if (!free) taken++;
          reserve(s, pj, channel);
        }
        allowed.push({ channel, since: frame.since?.[channel] });
      }
    } catch (err) {
      this.end(s, pj);
      throw err;
    }
    if (s.closed) return this.end(s, pj);
    const { hub, writer } = this.d;
    const status = (ch: string): JoinStatus => (s.channels.has(ch) ? 'subscribed' : pj.wanted.has(ch) ? 'wanted' : 'left');
    askJoins(this.d.actors, this.d.fanout, this.d.nodeId, allowed, this.d.askTimeoutMs, status, (out) => {
      this.end(s, pj);
      for (const f of out.failures) this.d.log.error({ err: f.err, id: f.id, channel: f.channel }, 'internal error joining a channel');
      // A join that ended without a subscription must not leave this node watching.
      const settleRest = (): void => {
        for (const a of allowed) hub.settleUnused(a.channel);
      };
      if (s.closed) return settleRest();
      // Written now, not at the end of the turn: live events published after
      // this point must find the socket subscribed and these frames ahead of them.
      ws.cork(() =>
        writer.corkedScope(() => {
          for (const ch of out.subscribe) hub.addSub(ws, ch, out.joined.find((j) => j.channel === ch)?.offset ?? 0);
          writer.send(ws, withRef({ type: 'channels_joined', channels: out.joined, denied: [...denied, ...out.denied] }, frame.ref));
          for (const f of out.replay) writer.sendRaw(ws, f);
        }),
      );
      settleRest();
    }, this.d.joinSync);
  }

  leave(ws: Socket, s: ConnState, frame: LeaveFrame): void {
    const left: string[] = [];
    for (const ch of new Set(frame.channels)) {
      let was = false;
      if (s.joins) {
        for (const pj of s.joins) {
          if (!pj.wanted.delete(ch)) continue;
          was = true;
          if (pj.reserved.delete(ch)) unreserve(s, ch);
        }
      }
      if (s.channels.has(ch)) {
        this.d.hub.removeSub(ws, ch);
        was = true;
      }
      if (was) left.push(ch);
    }
    this.d.writer.send(ws, withRef({ type: 'channels_left', channels: left }, frame.ref));
  }

  /** The join is over: its places are given back (the channels it subscribed count as subscribed now). */
  private end(s: ConnState, pj: PendingJoin): void {
    for (const ch of pj.reserved) unreserve(s, ch);
    pj.reserved.clear();
    s.joins?.delete(pj);
    if (s.joins?.size === 0) s.joins = undefined;
  }

  /** `chat:{room_id}`: the room actor admits its participants; undefined when it does, else why not (forbidden, or unavailable while it moves). */
  private async roomAdmits(roomId: string, userId: string): Promise<{ code: ErrorCode; message: string; id?: string } | undefined> {
    try {
      await this.d.actors.ask(roomAddress(roomId), { type: 'may_join_channel', user_id: userId }, { timeoutMs: this.d.askTimeoutMs });
      return undefined;
    } catch (err) {
      if (!(err instanceof HaatError)) throw err;
      if (err.code === 'not_found') return { code: 'forbidden', message: err.message };
      // A failing room actor: the client gets the generic message, the log the details (PROTOCOL.md §9).
      const e = forClient(err);
      if (e.code === 'internal') this.d.log.error({ err, id: e.id, room: roomId }, 'internal error asking a room to admit a user');
      return { code: e.code, message: e.message, ...(e.id !== undefined ? { id: e.id } : {}) };
    }
  }

  private async channelGrant(token: string, userId: string, channel: string): Promise<boolean> {
    try {
      return await this.d.verifier.channelGrant(token, userId, channel);
    } catch (err) {
      if (err instanceof HaatError && err.code === 'unauthorized') return false;
      throw err;
    }
  }
}

/** Subscribed channels, plus the distinct channels joins in flight hold a place for. */
function placesTaken(s: ConnState): number {
  let n = s.channels.size;
  if (s.reserved) for (const ch of s.reserved.keys()) if (!s.channels.has(ch)) n++;
  return n;
}

function reserve(s: ConnState, pj: PendingJoin, channel: string): void {
  if (pj.reserved.has(channel)) return;
  pj.reserved.add(channel);
  const r = (s.reserved ??= new Map());
  r.set(channel, (r.get(channel) ?? 0) + 1);
}

function unreserve(s: ConnState, channel: string): void {
  const r = s.reserved;
  if (!r) return;
  const n = (r.get(channel) ?? 1) - 1;
  if (n > 0) r.set(channel, n);
  else r.delete(channel);
  if (r.size === 0) s.reserved = undefined;
}
