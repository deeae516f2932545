// What lean delivery needs to know of an event, read once per event and node
// (never per subscriber): its offset, priority and conflation key.
export type Priority = 'high' | 'normal' | 'low';

export interface LeanEvent {
  channel: string;
  offset: number;
  priority: Priority;
  /**
   * Events with the same key replace each other within a window (the newest
   * price of a product, the newest stock of a SKU). Undefined: never
   * conflated (chat messages, free-form events with no identifying field).
   */
  key: string | undefined;
  frame: string;
  /** When the channel actor sequenced it (SequencedEvent.at), for the delivery latency; absent when unknown. */
  at?: number;
}

/** Data fields that identify what an event is about, most specific last. */
const KEY_FIELDS = ['product_id', 'promo_id', 'sku'] as const;

/** The key of a price or stock event: its type and the item it is about. */
export function conflationKey(eventType: string, data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  let key: string | undefined;
  for (const f of KEY_FIELDS) {
    const v = d[f];
    if (typeof v === 'string' || typeof v === 'number') key = `${key === undefined ? '' : `${key}|`}${f}=${v}`;
  }
  return key === undefined ? undefined : `${eventType}|${key}`;
}

const PRIORITIES = new Set<string>(['high', 'normal', 'low']);

/** Reads an encoded `event` frame (our own encoder wrote it; throws if it does not parse). */
export function leanEventOf(channel: string, offset: number, frame: string): LeanEvent {
  const parsed: unknown = JSON.parse(frame);
  if (typeof parsed !== 'object' || parsed === null) return { channel, offset, priority: 'normal', key: undefined, frame };
  const ev = parsed as { event_type?: unknown; priority?: unknown; data?: unknown };
  const priority = typeof ev.priority === 'string' && PRIORITIES.has(ev.priority) ? (ev.priority as Priority) : 'normal';
  // High events are never conflated: no key needed.
  const key = priority === 'high' || typeof ev.event_type !== 'string' ? undefined : conflationKey(ev.event_type, ev.data);
  return { channel, offset, priority, key, frame };
}
