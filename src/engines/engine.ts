// An engine is the sum of its verbs (DESIGN.md §1). `memory` runs one
// process with no setup; `redis` runs a cluster of nodes over one Redis or a
// Redis Cluster. Engines import nothing from src/domain.
import type { RosterEngine } from './rosters.ts';
import type { ActorStateEngine } from './actor-state.ts';
import type { ChannelBus } from './channel-bus.ts';
import type { ChannelHistory } from './channel-history.ts';
import type { CounterEngine } from './counters.ts';
import type { LogEngine } from './logs.ts';
import type { MailboxEngine } from './mailboxes.ts';
import type { MembershipEngine } from './membership.ts';
import type { ReminderEngine } from './reminders.ts';

export interface Engine {
  readonly name: 'memory' | 'redis' | 'redis-cluster';
  readonly history: ChannelHistory;
  readonly state: ActorStateEngine;
  readonly membership: MembershipEngine;
  readonly mailboxes: MailboxEngine;
  readonly counters: CounterEngine;
  readonly reminders: ReminderEngine;
  readonly logs: LogEngine;
  readonly rosters: RosterEngine;
  /** Node interest and live events; absent for the single-process memory engine. */
  readonly bus: ChannelBus | undefined;
  /** A cheap round trip: throws when the engine is unreachable (health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What crosses into a host thread to build its own engine there: a
 * description, never a live object (threads share no sockets or maps).
 */
export type EngineSpec = { kind: 'memory' } | { kind: 'redis'; urls: string[] };
