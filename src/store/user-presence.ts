// `user_presence`: the last known presence of each user, written by the
// user's actor (single writer), read by REST and by other actors.
import type { Location } from './connections.ts';
import type { Page, PageRequest } from './page.ts';

export type PresenceStatus = 'online' | 'away' | 'busy' | 'invisible' | 'offline';

export interface PresenceRecord {
  user_id: string;
  status: PresenceStatus;
  current_page: string | null;
  shopping_activity: unknown;
  devices: number;
  location: Location | null;
  last_seen: number;
  updated_at: number;
}

export interface UserPresence {
  /** Creates or replaces a user's presence. */
  put(record: PresenceRecord): Promise<void>;
  get(userId: string): Promise<PresenceRecord | null>;
  /** The known ones among `userIds` (unknown users are absent, not errors). */
  getMany(userIds: readonly string[]): Promise<Map<string, PresenceRecord>>;
  /** Users whose status is not `offline`, by user id. */
  listNotOffline(page?: PageRequest): Promise<Page<PresenceRecord>>;
}
