// Ops logs (supervision, security): a stream per log, trimmed approximately
// (MAXLEN ~, cheap), read newest first with an exclusive cursor.
import type { LogEngine, LogEntry } from '../logs.ts';
import { HaatError } from '../../errors.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type RedisClient } from './connection.ts';

const STREAM_ID = /^\d+-\d+$/;

export class RedisLogs implements LogEngine {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  append(log: string, fields: Record<string, unknown>, maxLen: number): Promise<void> {
    return guarded(async () => {
      await this.client.xadd(this.keys.log(log), 'MAXLEN', '~', maxLen, '*', 'j', JSON.stringify(fields));
    });
  }

  read(log: string, limit: number, before?: string): Promise<LogEntry[]> {
    if (before !== undefined && !STREAM_ID.test(before)) {
      return Promise.reject(new HaatError('bad_request', `log cursor must look like <ms>-<seq>, got ${JSON.stringify(before)}`));
    }
    return guarded(async () => {
      const end = before === undefined ? '+' : `(${before}`;
      const raw = (await this.client.xrevrange(this.keys.log(log), end, '-', 'COUNT', limit)) as [string, string[]][];
      return raw.map(([id, f]) => {
        const i = f.indexOf('j');
        return { id, fields: i >= 0 ? (JSON.parse(f[i + 1]!) as Record<string, unknown>) : {} };
      });
    });
  }
}
