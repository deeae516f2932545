// The default store: everything in this process, gone when it stops. It
// forgets what MongoDB's TTL indexes would delete, and keeps less than
// MongoDB would where a process heap needs it (retention.ts).
import type { Store, StoreHealth } from '../store.ts';
import type { Clock } from '../../time/clock.ts';
import { systemClock } from '../../time/clock.ts';
import { MemoryConnections } from './memory-connections.ts';
import { MemoryEvents } from './memory-events.ts';
import { MemoryPresence } from './memory-presence.ts';
import { MemoryChatRooms } from './memory-chat-rooms.ts';
import { MemoryNotifications } from './memory-notifications.ts';
import { DEFAULT_MEMORY_RETENTION, type MemoryRetention, type Sweepable } from './retention.ts';

export interface MemoryStoreOptions {
  retention?: MemoryRetention;
  clock?: Clock;
}

export function createMemoryStore(o: MemoryStoreOptions = {}): Store {
  const retention = o.retention ?? DEFAULT_MEMORY_RETENTION;
  const clock = o.clock ?? systemClock;
  const health: StoreHealth = { ok: true, detail: 'ok (memory: in this process)' };
  const connections = new MemoryConnections(retention.disconnectedKeepMs);
  const events = new MemoryEvents();
  const notifications = new MemoryNotifications(retention.notificationsPerUser);
  const swept: Sweepable[] = [connections, events, notifications];
  const sweeper = setInterval(() => {
    const now = clock.now();
    for (const c of swept) c.sweep(now);
  }, retention.sweepMs);
  sweeper.unref();
  return {
    kind: 'memory',
    connections,
    events,
    presence: new MemoryPresence(),
    chatRooms: new MemoryChatRooms(),
    notifications,
    health: () => health,
    flush: async () => {},
    close: async () => {
      clearInterval(sweeper);
    },
  };
}
