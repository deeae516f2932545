// Append-only, bounded logs for ops (the supervision stream, the security
// log): newest first when read, paginated by an opaque cursor.

export interface LogEntry {
  /** Stream id (opaque; pass it back as the cursor). */
  id: string;
  fields: Record<string, unknown>;
}

export interface LogEngine {
  append(log: string, fields: Record<string, unknown>, maxLen: number): Promise<void>;
  /** Entries older than `before` (a previous page's last id), newest first. */
  read(log: string, limit: number, before?: string): Promise<LogEntry[]>;
}
