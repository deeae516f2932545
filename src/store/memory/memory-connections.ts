import type { ConnectionQuality, ConnectionRecord, Connections } from '../connections.ts';
import { clampLimit, decodeCursor, pageOf, type Page, type PageRequest } from '../page.ts';
import type { Sweepable } from './retention.ts';

export class MemoryConnections implements Connections, Sweepable {
  private readonly bySession = new Map<string, ConnectionRecord>();

  /** @param disconnectedKeepMs how long a disconnected session's record is kept (retention.ts) */
  constructor(private readonly disconnectedKeepMs = Infinity) {}

  async upsert(record: ConnectionRecord): Promise<void> {
    this.bySession.set(record.session_id, structuredClone(record));
  }

  async touch(sessionId: string, at: number, quality?: ConnectionQuality): Promise<void> {
    const r = this.bySession.get(sessionId);
    if (!r) return;
    r.last_activity = Math.max(r.last_activity, at);
    if (quality) r.quality = { ...quality };
  }

  async setChannels(sessionId: string, channels: readonly string[]): Promise<void> {
    const r = this.bySession.get(sessionId);
    if (r) r.channels = [...channels];
  }

  async disconnect(sessionId: string, at: number): Promise<void> {
    const r = this.bySession.get(sessionId);
    if (!r) return;
    r.status = 'disconnected';
    r.disconnected_at = at;
  }

  async get(sessionId: string): Promise<ConnectionRecord | null> {
    const r = this.bySession.get(sessionId);
    return r ? structuredClone(r) : null;
  }

  async listConnectedByUser(userId: string): Promise<ConnectionRecord[]> {
    return [...this.bySession.values()]
      .filter((r) => r.user_id === userId && r.status === 'connected')
      .sort((a, b) => a.connected_at - b.connected_at || a.session_id.localeCompare(b.session_id))
      .map((r) => structuredClone(r));
  }

  async listConnectedByNode(nodeId: string, page: PageRequest = {}): Promise<Page<ConnectionRecord>> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor(page.cursor, 1)?.[0] as string | undefined;
    const fetched = [...this.bySession.values()]
      .filter((r) => r.node_id === nodeId && r.status === 'connected' && (after === undefined || r.session_id > after))
      .sort((a, b) => (a.session_id < b.session_id ? -1 : 1))
      .slice(0, limit + 1)
      .map((r) => structuredClone(r));
    return pageOf(fetched, limit, (r) => [r.session_id]);
  }

  /** Deletes the records of sessions disconnected longer than disconnectedKeepMs ago (MongoDB: its TTL index, a day). */
  sweep(now: number): number {
    let n = 0;
    for (const r of this.bySession.values()) {
      if (r.status !== 'disconnected' || r.disconnected_at === null || r.disconnected_at + this.disconnectedKeepMs > now) continue;
      this.bySession.delete(r.session_id);
      n++;
    }
    return n;
  }
}
