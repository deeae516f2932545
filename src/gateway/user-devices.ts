// The gateway's side of presence and notifications (PROTOCOL.md §5, §10): a
// signed-in connection tells its user actor when it opens and closes, and
// the notifications that waited for it (the offline queue) come back in the
// answer to `connect`; live ones arrive through `deliver`.
import type { Logger } from 'pino';
import type { ActorSystem } from '../actors/system.ts';
import { userAddress, type Lang } from '../domain/user/messages.ts';
import { stateOf, type ConnState, type Socket } from './connection.ts';
import type { Writer } from './writer.ts';

export interface UserDevicesDeps {
  actors: ActorSystem;
  writer: Writer;
  nodeId: string;
  askTimeoutMs: number;
  logger: Logger;
  /** Sockets by session id (the hub). */
  session: (sessionId: string) => Socket | undefined;
  /** realtime_events ids whose delivered count goes up (POST notifications). */
  delivered: (eventIds: readonly string[]) => void;
}

const CONNECT_ATTEMPTS = 3;

interface ConnectAnswer {
  pending: string[];
  events: string[];
}

export class UserDevices {
  constructor(private readonly d: UserDevicesDeps) {}

  opened(ws: Socket, s: ConnState, attempt = 1): void {
    const user = s.principal.userId;
    if (user === null) return;
    const msg = { type: 'connect', session: s.sessionId, node: this.d.nodeId, lang: s.lang, device: s.device ?? null, division: s.division ?? null };
    this.d.actors.request<ConnectAnswer>(userAddress(user), msg, this.d.askTimeoutMs, (err, answer) => {
      if (err || !answer) {
        // The device still works, but it is missing from presence and its queue waits: try again
        // (connect is idempotent per session), a few times, while the connection lasts.
        this.d.logger.warn({ user, session: s.sessionId, attempt, err: err?.message }, 'user actor did not answer connect');
        if (attempt < CONNECT_ATTEMPTS && !s.closed) setTimeout(() => !s.closed && this.opened(ws, s, attempt + 1), 250 * attempt).unref();
        return;
      }
      this.d.logger.debug({ user, session: s.sessionId, pending: answer.pending.length, closed: s.closed }, 'device connected to its user actor');
      if (s.closed || answer.pending.length === 0) return;
      for (const f of answer.pending) this.d.writer.sendRaw(ws, f);
      if (answer.events.length > 0) this.d.delivered(answer.events);
    });
  }

  closed(s: ConnState): void {
    const user = s.principal.userId;
    if (user === null || !s.admitted) return;
    try {
      this.d.actors.send(userAddress(user), { type: 'disconnect', session: s.sessionId });
    } catch (err) {
      // Nobody can tell the owner now (the cluster engine is unreachable): the close must still go
      // through; the device stays in presence until this node's roster is read after its death.
      this.d.logger.warn({ user, session: s.sessionId, err: (err as Error).message }, 'could not tell the user actor that a device left');
    }
  }

  /** Writes notification frames to this node's sessions, each in its connection's language; answers how many sessions got them. */
  deliver(sessions: readonly string[], frames: Readonly<Partial<Record<Lang, readonly string[]>>>): number {
    // Outside a uWS handler: the writer queues and corks each socket once per turn.
    let n = 0;
    for (const id of sessions) {
      const ws = this.d.session(id);
      if (ws === undefined) {
        this.d.logger.debug({ session: id }, 'notification for a session no longer here');
        continue;
      }
      const s = stateOf(ws);
      if (s.closed) continue;
      // The actor renders the languages of the devices it knows; a device it has not heard of yet gets whichever came.
      for (const f of frames[s.lang] ?? frames.en ?? frames.bn ?? []) this.d.writer.sendRaw(ws, f);
      n++;
    }
    return n;
  }
}
