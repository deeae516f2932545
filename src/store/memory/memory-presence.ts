import type { PresenceRecord, UserPresence } from '../user-presence.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';

export class MemoryPresence implements UserPresence {
  private readonly byUser = new Map<string, PresenceRecord>();

  async put(record: PresenceRecord): Promise<void> {
    this.byUser.set(record.user_id, structuredClone(record));
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
