import type { PresenceRecord, UserPresence } from '../user-presence.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';

// One string per status for every record: a record is kept per user ever
// seen, and a status parsed from a message is a fresh copy each time.
const STATUSES = new Map<string, PresenceRecord['status']>(['online', 'away', 'busy', 'invisible', 'offline'].map((s) => [s, s as PresenceRecord['status']]));

/** What most records leave at null (and an updated_at far from last_seen): one object for them, absent when none is set. */
interface Rare {
  current_page: string | null;
  shopping_activity: unknown;
  location: PresenceRecord['location'];
  /** Set when updated_at − last_seen is not a small integer (then `updatedDelta` is null). */
  updatedAt?: number;
}

/**
 * A record as kept: one per user ever seen, so its size is most of what a
 * user's presence costs this store. The user id is the map's key, the rarely
 * set fields share one slot, and `updated_at` is kept as its distance from
 * `last_seen` (a small integer, stored inline, where a second timestamp is a
 * heap number of its own): 64 bytes and one number instead of 88 and two.
 */
class Kept {
  constructor(
    readonly status: PresenceRecord['status'],
    readonly devices: number,
    readonly lastSeen: number,
    /** updated_at − last_seen when that is a small integer, else null and updated_at is `rare.updatedAt`. */
    readonly updatedDelta: number | null,
    readonly rare: Rare | null,
  ) {}
}

const SMALL = 2 ** 30;

/** The caller's record may change after put: a copy, sharing the strings (immutable) and cloning the objects. */
function keep(r: PresenceRecord): Kept {
  const delta = r.updated_at - r.last_seen;
  const small = Number.isInteger(delta) && delta > -SMALL && delta < SMALL;
  let rare: Rare | null = null;
  if (r.current_page !== null || r.shopping_activity !== null || r.location !== null || !small) {
    rare = {
      current_page: r.current_page,
      shopping_activity: r.shopping_activity === null || typeof r.shopping_activity !== 'object' ? r.shopping_activity : structuredClone(r.shopping_activity),
      location: r.location === null ? null : { ...r.location },
    };
    if (!small) rare.updatedAt = r.updated_at;
  }
  return new Kept(STATUSES.get(r.status) ?? r.status, r.devices, r.last_seen, small ? delta : null, rare);
}

/** The record back, a fresh copy the caller may change. */
function record(userId: string, k: Kept): PresenceRecord {
  const activity = k.rare === null ? null : k.rare.shopping_activity;
  return {
    user_id: userId,
    status: k.status,
    current_page: k.rare?.current_page ?? null,
    shopping_activity: activity !== null && typeof activity === 'object' ? structuredClone(activity) : activity,
    devices: k.devices,
    location: k.rare?.location ? { ...k.rare.location } : null,
    last_seen: k.lastSeen,
    updated_at: k.updatedDelta !== null ? k.lastSeen + k.updatedDelta : k.rare!.updatedAt!,
  };
}

export class MemoryPresence implements UserPresence {
  private readonly byUser = new Map<string, Kept>();

  async put(record: PresenceRecord): Promise<void> {
    this.byUser.set(record.user_id, keep(record));
  }

  async get(userId: string): Promise<PresenceRecord | null> {
    const k = this.byUser.get(userId);
    return k ? record(userId, k) : null;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, PresenceRecord>> {
    const out = new Map<string, PresenceRecord>();
    for (const id of userIds) {
      const k = this.byUser.get(id);
      if (k) out.set(id, record(id, k));
    }
    return out;
  }

  async listNotOffline(page: PageRequest = {}): Promise<Page<PresenceRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0] as string | undefined;
    const fetched = [...this.byUser]
      .filter(([id, k]) => k.status !== 'offline' && (after === undefined || id > after))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit + 1)
      .map(([id, k]) => record(id, k));
    return pageOf(fetched, limit, (r) => [r.user_id]);
  }
}
