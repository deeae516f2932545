// Ops logs in memory: an array per log, trimmed to exactly maxLen, read newest
// first with the same exclusive `<ms>-<seq>` cursor as the redis engine.
import type { LogEngine, LogEntry } from '../logs.ts';
import type { Clock } from '../../time/clock.ts';
import { HaatError } from '../../errors.ts';
import { compareStreamIds, StreamIds } from './stream-id.ts';

const STREAM_ID = /^\d+-\d+$/;

export class MemoryLogs implements LogEngine {
  private readonly logs = new Map<string, LogEntry[]>();
  private readonly ids: StreamIds;

  constructor(clock: Clock) {
    this.ids = new StreamIds(clock);
  }

  async append(log: string, fields: Record<string, unknown>, maxLen: number): Promise<void> {
    let entries = this.logs.get(log);
    if (!entries) {
      entries = [];
      this.logs.set(log, entries);
    }
    // A copy through JSON, as Redis stores it: later changes to `fields` do not leak in.
    entries.push({ id: this.ids.next(), fields: JSON.parse(JSON.stringify(fields)) as Record<string, unknown> });
    if (entries.length > maxLen) entries.splice(0, entries.length - maxLen);
  }

  async read(log: string, limit: number, before?: string): Promise<LogEntry[]> {
    if (before !== undefined && !STREAM_ID.test(before)) {
      throw new HaatError('bad_request', `log cursor must look like <ms>-<seq>, got ${JSON.stringify(before)}`);
    }
    const entries = this.logs.get(log) ?? [];
    const out: LogEntry[] = [];
    for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = entries[i]!;
      if (before !== undefined && compareStreamIds(e.id, before) >= 0) continue;
      out.push(e);
    }
    return out;
  }
}
