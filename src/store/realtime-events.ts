// `realtime_events`: the record of a published event and how its delivery
// went; delivery counts are added on the hot path (batched on MongoDB).
import type { Page, PageRequest } from './page.ts';

export type EventPriority = 'low' | 'normal' | 'high' | 'critical';

export interface DeliveryStatus {
  total: number;
  delivered: number;
  failed: number;
}

export interface RealtimeEventRecord {
  id: string;
  event_type: string;
  channel: string;
  data: unknown;
  priority: EventPriority;
  ttl_s: number;
  created_at: number;
  /** created_at + ttl_s: the TTL index removes the record after it. */
  expires_at: number;
  delivery: DeliveryStatus;
}

export interface RealtimeEvents {
  /** Records a new event; `conflict` when the id exists. */
  insert(record: RealtimeEventRecord): Promise<void>;
  get(id: string): Promise<RealtimeEventRecord | null>;
  /** Adds to the delivery counts of an event (increments sum up; unknown ids are ignored). */
  addDelivery(id: string, delta: Partial<DeliveryStatus>): Promise<void>;
  /** A channel's events, newest first. */
  listByChannel(channel: string, page?: PageRequest): Promise<Page<RealtimeEventRecord>>;
}
