// Reminders: one sorted set (member = JSON [address, name], score = dueAt).
// One key, so one slot on a Cluster: fine at our reminder rates (auction
// closes, hold expiries); shard it by address hash when it is not.
import type { Reminder, ReminderEngine } from '../reminders.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type RedisClient } from './connection.ts';

export class RedisReminders implements ReminderEngine {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  set(r: Reminder): Promise<void> {
    return guarded(async () => {
      await this.client.zadd(this.keys.reminders(), r.dueAt, JSON.stringify([r.address, r.name]));
    });
  }

  cancel(address: string, name: string): Promise<void> {
    return guarded(async () => {
      await this.client.zrem(this.keys.reminders(), JSON.stringify([address, name]));
    });
  }

  due(now: number, limit: number): Promise<Reminder[]> {
    return guarded(async () => {
      const flat = await this.client.zrangebyscore(this.keys.reminders(), '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit);
      const out: Reminder[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [address, name] = JSON.parse(flat[i]!) as [string, string];
        out.push({ address, name, dueAt: Number(flat[i + 1]) });
      }
      return out;
    });
  }
}
