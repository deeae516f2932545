import type { PresenceRecord, UserPresence } from '../user-presence.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';

// One string per status for every record: a record is kept per user ever
// seen, and a status parsed from a message is a fresh copy each time.
const STATUSES = new Map<string, PresenceRecord['status']>(['online', 'away', 'busy', 'invisible', 'offline'].map((s) => [s, s as PresenceRecord['status']]));

/** The caller's record may change after put: a copy, sharing the strings (immutable) and cloning the objects. */
function keep(r: PresenceRecord): PresenceRecord {
  return {
    user_id: r.user_id,
    status: STATUSES.get(r.status) ?? r.status,
    current_page: r.current_page,
    shopping_activity: r.shopping_activity === null || typeof r.shopping_activity !== 'object' ? r.shopping_activity : structuredClone(r.shopping_activity),
    devices: r.devices,
    location: r.location === null ? null : { ...r.location },
    last_seen: r.last_seen,
    updated_at: r.updated_at,
  };
}

export class MemoryPresence implements UserPresence {
  private readonly byUser = new Map<string, PresenceRecord>();

  async put(record: PresenceRecord): Promise<void> {
    this.byUser.set(record.user_id, keep(record));
  }

  async get(userId: string): Promise<PresenceRecord | null> {
    const r = this.byUser.get(userId);
    return r ? structuredClone(r) : null;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, PresenceRecord>> {
    const out = new Map<string, PresenceRecord>();
    for (const id of userIds) {
      const r = this.byUser.get(id);
      if (r) out.set(id, structuredClone(r));
    }
    return out;
  }

  async listNotOffline(page: PageRequest = {}): Promise<Page<PresenceRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0] as string | undefined;
    const fetched = [...this.byUser.values()]
      .filter((r) => r.status !== 'offline' && (after === undefined || r.user_id > after))
      .sort((a, b) => (a.user_id < b.user_id ? -1 : 1))
      .slice(0, limit + 1)
      .map((r) => structuredClone(r));
    return pageOf(fetched, limit, (r) => [r.user_id]);
  }
}
