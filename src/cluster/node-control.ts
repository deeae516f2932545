// Control requests between nodes (admin and stats across the cluster): what
// one node asks another about its own connections, carried by the mailboxes
// (RemoteMailboxes.ask) and answered by `answerControl` on the node asked.
// Requests are validated on arrival: a peer of another version, or garbage,
// gets bad_request, never a crash.
import { z } from 'zod';
import { assertNever } from '../actors/wire.ts';
import { HaatError } from '../errors.ts';
import type { AnalyticsSnapshot } from '../metrics/analytics.ts';

export const controlRequest = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('disconnect'), user_id: z.string().optional(), session_id: z.string().optional(), reason: z.string(), by: z.string().optional() }),
  z.strictObject({ op: z.literal('connections'), from: z.number().int().min(0), limit: z.number().int().min(1).max(500) }),
  z.strictObject({ op: z.literal('stats') }),
  z.strictObject({ op: z.literal('users'), after: z.string().nullable(), limit: z.number().int().min(1).max(501) }),
  // Notification frames from a user actor on another node for this node's sessions of that user.
  z.strictObject({
    op: z.literal('deliver'),
    sessions: z.array(z.string()).max(1000),
    // The languages of the sessions they are for (at least one).
    frames: z.strictObject({ en: z.array(z.string()).max(1000).optional(), bn: z.array(z.string()).max(1000).optional() }).refine((f) => f.en !== undefined || f.bn !== undefined, 'frames in at least one language'),
  }),
]);

export type ControlRequest = z.infer<typeof controlRequest>;

/** One node's own figures for GET stats. */
export interface NodeStats {
  node: string;
  connections: number;
  channels: number;
  messages_in_per_s: number;
  messages_out_per_s: number;
  /** CPU utilization of the node (0..1 of its cores), for the scaling signal. */
  cpu?: number;
  /** The node's analytics (metrics/analytics.ts); the asking node sums them. */
  analytics?: AnalyticsSnapshot;
}

export interface ConnectionPage {
  items: object[];
  /** Offset of the next page on that node, null at its end. */
  next: number | null;
}

/** What a node answers about itself (the gateway and the node's meters). */
export interface LocalNode {
  disconnect(target: { user_id?: string | undefined; session_id?: string | undefined }, reason: string, by?: string): number;
  listConnections(from: number, limit: number): ConnectionPage;
  stats(): NodeStats;
  /** Writes notification frames to this node's sessions (each in its language); answers how many sessions got them. */
  deliver(sessions: readonly string[], frames: { en?: readonly string[]; bn?: readonly string[] }): number;
  /** Signed-in users connected here, sorted, after `after` (exclusive), at most `limit`. */
  usersAfter(after: string | null, limit: number): string[];
}

export type ControlAnswer = { disconnected: number } | ConnectionPage | NodeStats | { delivered: number } | { users: string[] };

export function answerControl(local: LocalNode, raw: unknown): Promise<ControlAnswer> {
  const parsed = controlRequest.safeParse(raw);
  if (!parsed.success) return Promise.reject(new HaatError('bad_request', `not a control request: ${parsed.error.issues[0]?.message ?? 'invalid'}`));
  const req = parsed.data;
  switch (req.op) {
    case 'disconnect':
      return Promise.resolve({ disconnected: local.disconnect({ user_id: req.user_id, session_id: req.session_id }, req.reason, req.by) });
    case 'connections':
      return Promise.resolve(local.listConnections(req.from, req.limit));
    case 'stats':
      return Promise.resolve(local.stats());
    case 'users':
      return Promise.resolve({ users: local.usersAfter(req.after, req.limit) });
    case 'deliver':
      return Promise.resolve({ delivered: local.deliver(req.sessions, req.frames) });
    default:
      return assertNever(req);
  }
}
