// The main thread's side of the user actors' effects (see
// domain/user/effects.ts): notification frames go to this node's sessions or,
// through the cluster's control requests, to the node that holds them; store
// records go to the node's store. A failure here loses no notification: it
// stays unacked in the user's queue and is sent again on the next connection.
import type { Logger } from 'pino';
import type { DeliverEmit, UserStoreEmit } from './domain/user/effects.ts';
import type { Store } from './store/store.ts';
import type { ControlRequest } from './cluster/node-control.ts';

export interface UserEffectsDeps {
  nodeId: string;
  store: Store;
  logger: Logger;
  /** Writes frames to this node's sessions. */
  deliverLocal: (sessions: readonly string[], frames: DeliverEmit['frames']) => number;
  /** A control request to another node (clustered only). */
  askNode?: (node: string, req: ControlRequest) => Promise<unknown>;
}

export function isUserEffect(v: unknown): v is DeliverEmit | UserStoreEmit {
  const k = (v as { k?: unknown } | null)?.k;
  return k === 'deliver' || k === 'user_store';
}

export class UserEffects {
  constructor(private readonly d: UserEffectsDeps) {}

  handle(v: DeliverEmit | UserStoreEmit): void {
    if (v.k === 'deliver') this.deliver(v);
    else this.record(v);
  }

  private deliver(v: DeliverEmit): void {
    if (this.d.logger.isLevelEnabled('debug')) this.d.logger.debug({ user: v.user, targets: v.targets, frames: (v.frames.en ?? v.frames.bn ?? []).length }, 'notification frames for devices');
    for (const [node, sessions] of Object.entries(v.targets)) {
      if (node === this.d.nodeId) this.d.deliverLocal(sessions, v.frames);
      else if (this.d.askNode) {
        this.d.askNode(node, { op: 'deliver', sessions, frames: v.frames }).catch((err: unknown) => {
          this.d.logger.warn({ user: v.user, node, err: (err as Error).message }, 'notification frames did not reach a node; they stay queued until acked');
        });
      } else this.d.logger.warn({ user: v.user, node }, 'notification for a session on another node, but this node is not clustered');
    }
    this.countDelivered(v.events);
  }

  countDelivered(eventIds: readonly string[]): void {
    for (const id of eventIds) this.catching(this.d.store.events.addDelivery(id, { delivered: 1 }), 'delivery count');
  }

  private record(v: UserStoreEmit): void {
    const s = this.d.store;
    if (v.presence) this.catching(s.presence.put(v.presence), 'presence');
    if (v.inserted && v.inserted.length > 0) this.catching(s.notifications.insertMany(v.inserted), 'notifications');
    for (const st of v.statuses ?? []) this.catching(s.notifications.setStatus(st.user_id, st.id, st.status, st.at), 'notification status');
  }

  /** The user actor's own state is the truth it serves from; the store's copy is logged when it fails, never thrown. */
  private catching(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => this.d.logger.error({ err: (err as Error).message, what }, 'store write of a user actor effect failed'));
  }
}
