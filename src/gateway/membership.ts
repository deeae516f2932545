// join_channel and leave_channel on one connection (PROTOCOL.md §2, §3): the
// channel ACL and channel tokens, the max_channels limit, then the join
// itself through the channel actors (joins.ts) and the subscriptions (hub).
import type { ActorSystem } from '../actors/system.ts';
import { HaatError, type ErrorCode } from '../errors.ts';
import { mayJoin, parseChannel } from './acl.ts';
import type { TokenVerifier } from './auth.ts';
import type { ConnState, Socket } from './connection.ts';
import type { Fanout } from './fanout.ts';
import { withRef, type ClientFrame } from './frames.ts';
import type { Hub } from './hub.ts';
import { askJoins } from './joins.ts';
import type { Writer } from './writer.ts';

export interface MembershipDeps {
  actors: ActorSystem;
  fanout: Fanout;
  hub: Hub;
  writer: Writer;
  verifier: TokenVerifier;
  nodeId: string;
  maxChannels: number;
  askTimeoutMs: number;
}

type JoinFrame = Extract<ClientFrame, { type: 'join_channel' }>;
type LeaveFrame = Extract<ClientFrame, { type: 'leave_channel' }>;

export class Membership {
  constructor(private readonly d: MembershipDeps) {}

  async join(ws: Socket, s: ConnState, frame: JoinFrame): Promise<void> {
    const denied: { channel: string; code: ErrorCode; message: string }[] = [];
    const allowed: { channel: string; since: { epoch: string; offset: number } | undefined }[] = [];
    const deny = (channel: string, code: ErrorCode, message: string): void => void denied.push({ channel, code, message });
    let room = this.d.maxChannels - s.channels.size - (s.joining?.size ?? 0);
    for (const channel of new Set(frame.channels)) {
      const ch = parseChannel(channel);
      if (!ch) {
        deny(channel, 'bad_request', 'channel names are namespace:id with id of [A-Za-z0-9_.-]{1,128}');
        continue;
      }
      let verdict = mayJoin(s.principal, ch, channel);
      if (verdict === 'needs_channel_token') {
        const token = frame.tokens?.[channel];
        verdict = token && s.principal.userId !== null && (await this.channelGrant(token, s.principal.userId, channel)) ? 'allow' : 'forbidden';
      }
      if (verdict !== 'allow') {
        deny(channel, 'forbidden', `may not join ${channel}`);
        continue;
      }
      const already = s.channels.has(channel) || s.joining?.has(channel) === true;
      if (!already && room <= 0) {
        deny(channel, 'channel_limit', `at most ${this.d.maxChannels} channels per connection`);
        continue;
      }
      if (!already) room--;
      allowed.push({ channel, since: frame.since?.[channel] });
    }
    if (s.closed) return;
    const joining = (s.joining ??= new Set());
    for (const a of allowed) joining.add(a.channel);
    const { hub, writer } = this.d;
    askJoins(this.d.actors, this.d.fanout, this.d.nodeId, allowed, this.d.askTimeoutMs, (ch) => s.channels.has(ch), (out) => {
      for (const a of allowed) joining.delete(a.channel);
      if (joining.size === 0 && s.joining === joining) s.joining = undefined;
      // A join that ended without a subscription must not leave this node watching.
      const settleRest = (): void => {
        for (const a of allowed) hub.settleUnused(a.channel);
      };
      if (s.closed) return settleRest();
      // Written now, not at the end of the turn: live events published after
      // this point must find the socket subscribed and these frames ahead of them.
      ws.cork(() =>
        writer.corkedScope(() => {
          for (const ch of out.subscribe) hub.addSub(ws, ch);
          writer.send(ws, withRef({ type: 'channels_joined', channels: out.joined, denied: [...denied, ...out.denied] }, frame.ref));
          for (const f of out.replay) writer.sendRaw(ws, f);
        }),
      );
      settleRest();
    });
  }

  leave(ws: Socket, s: ConnState, frame: LeaveFrame): void {
    const left: string[] = [];
    for (const ch of new Set(frame.channels)) {
      s.joining?.delete(ch);
      if (!s.channels.has(ch)) continue;
      this.d.hub.removeSub(ws, ch);
      left.push(ch);
    }
    this.d.writer.send(ws, withRef({ type: 'channels_left', channels: left }, frame.ref));
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
