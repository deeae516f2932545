// The one catalogue of WebSocket close codes (PROTOCOL.md §9), beside the
// error catalogue of errors.ts: every close the server makes names an entry
// here, so the number and its meaning cannot drift apart.

export const CLOSE_CODES = {
  unauthorized: { code: 4001, reason: 'unauthorized' },
  forbidden: { code: 4003, reason: 'forbidden' },
  policy_violation: { code: 4008, reason: 'policy violation' },
  slow_consumer: { code: 4009, reason: 'slow consumer' },
  too_many_connections: { code: 4029, reason: 'too many connections' },
  draining: { code: 1001, reason: 'server draining' },
  too_large: { code: 1009, reason: 'frame far over max_frame_bytes' },
  internal: { code: 1011, reason: 'internal error' },
} as const satisfies Record<string, { code: number; reason: string }>;

export type CloseKind = keyof typeof CLOSE_CODES;

/** A close reason travels in the close frame, whose payload is at most 125 bytes (2 for the code). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** The reason to send: `detail` when given (cut to fit a close frame), else the catalogue's. */
export function closeReason(kind: CloseKind, detail?: string): string {
  if (detail === undefined || detail.length === 0) return CLOSE_CODES[kind].reason;
  if (Buffer.byteLength(detail) <= MAX_CLOSE_REASON_BYTES) return detail;
  let cut = detail.slice(0, MAX_CLOSE_REASON_BYTES);
  while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -1);
  return cut;
}
