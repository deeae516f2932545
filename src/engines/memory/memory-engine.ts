// The memory engine as a whole: one process, no setup (the embedded default).
// Its history lives in host threads (each builds its own MemoryChannelHistory);
// this object, on the main thread, serves the other verbs and, for tests and
// the engine suite, a history of its own.
import type { Engine } from '../engine.ts';
import type { Clock } from '../../time/clock.ts';
import { MemoryChannelHistory } from './memory-history.ts';
import { MemoryActorStateEngine } from './memory-actor-state.ts';
import { MemoryMembership } from './memory-membership.ts';
import { MemoryMailboxes } from './memory-mailboxes.ts';
import { MemoryCounters } from './memory-counters.ts';
import { MemoryReminderEngine } from './memory-reminders.ts';
import { MemoryLogs } from './memory-logs.ts';
import { MemoryRosters } from './memory-rosters.ts';

export function createMemoryEngine(clock: Clock): Engine {
  return {
    name: 'memory',
    history: new MemoryChannelHistory(clock),
    state: new MemoryActorStateEngine(),
    membership: new MemoryMembership(clock),
    mailboxes: new MemoryMailboxes(clock),
    counters: new MemoryCounters(clock),
    reminders: new MemoryReminderEngine(),
    logs: new MemoryLogs(clock),
    rosters: new MemoryRosters(),
    bus: undefined,
    // Nothing to reach: the verbs are in this process.
    ping: async () => {},
    close: async () => {},
  };
}
