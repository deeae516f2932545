// Rosters as Redis sets, one key (one slot) per roster: `P:{roster:NAME}`.
import type { RosterEngine } from '../rosters.ts';
import type { KeySpace } from './keys.ts';
import type { RedisClient } from './connection.ts';

export class RedisRosters implements RosterEngine {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  async add(roster: string, member: string): Promise<void> {
    await this.client.sadd(this.keys.roster(roster), member);
  }

  async remove(roster: string, member: string): Promise<void> {
    await this.client.srem(this.keys.roster(roster), member);
  }

  members(roster: string): Promise<string[]> {
    return this.client.smembers(this.keys.roster(roster));
  }

  async drop(roster: string): Promise<void> {
    await this.client.del(this.keys.roster(roster));
  }
}
