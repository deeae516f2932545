// The default store: everything in this process, gone when it stops.
import type { Store, StoreHealth } from '../store.ts';
import { MemoryConnections } from './memory-connections.ts';
import { MemoryEvents } from './memory-events.ts';
import { MemoryPresence } from './memory-presence.ts';
import { MemoryChatRooms } from './memory-chat-rooms.ts';
import { MemoryNotifications } from './memory-notifications.ts';

export function createMemoryStore(): Store {
  const health: StoreHealth = { ok: true, detail: 'ok (memory: in this process)' };
  return {
    kind: 'memory',
    connections: new MemoryConnections(),
    events: new MemoryEvents(),
    presence: new MemoryPresence(),
    chatRooms: new MemoryChatRooms(),
    notifications: new MemoryNotifications(),
    health: () => health,
    flush: async () => {},
    close: async () => {},
  };
}
