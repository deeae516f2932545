// Membership on the Redis server's clock: one Lua script writes the node's
// entry, forgets members silent for forgetMs, computes the live set (heartbeat
// within deadMs) and bumps the ring epoch when that set changed. Keys share
// the `{members}` tag: info (id -> JSON), beat (id -> ms), live (the sorted
// live set, to compare) and epoch (a counter).
import type { MemberInfo, MembershipEngine, MembershipView } from '../membership.ts';
import type { KeySpace } from './keys.ts';
import { connectClient, defineScripts, guarded, type ConnectionOptions, type RedisClient, type ScriptDef, type ServerAddress } from './connection.ts';

type Run = (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

export const MEMBERSHIP_SCRIPTS: readonly ScriptDef[] = [
  {
    name: 'haatMembership',
    keys: 4,
    // KEYS: info, beat, live, epoch. ARGV: mode (beat|view|leave), id, info JSON, deadMs, forgetMs.
    // Answers {now, epoch, alive[], members[id, heartbeatAt, info JSON, ...]}.
    lua: `
local info, beat, live, epochKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local mode, id = ARGV[1], ARGV[2]
local deadMs, forgetMs = tonumber(ARGV[4]), tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if mode == 'beat' then
  redis.call('HSET', info, id, ARGV[3])
  redis.call('HSET', beat, id, now)
elseif mode == 'leave' then
  redis.call('HDEL', info, id)
  redis.call('HDEL', beat, id)
end
local beats = redis.call('HGETALL', beat)
local alive, members = {}, {}
for i = 1, #beats, 2 do
  local mid, at = beats[i], tonumber(beats[i + 1])
  if now - at > forgetMs then
    redis.call('HDEL', beat, mid)
    redis.call('HDEL', info, mid)
  else
    members[#members + 1] = mid
    members[#members + 1] = at
    members[#members + 1] = redis.call('HGET', info, mid) or '{}'
    if now - at <= deadMs then alive[#alive + 1] = mid end
  end
end
table.sort(alive)
local set = table.concat(alive, '\\n')
local epoch
if (redis.call('GET', live) or '') ~= set then
  epoch = redis.call('INCR', epochKey)
  redis.call('SET', live, set)
else
  epoch = tonumber(redis.call('GET', epochKey) or '0')
end
return {now, epoch, alive, members}
`,
  },
];

export class RedisMembership implements MembershipEngine {
  constructor(
    private readonly run: Run,
    private readonly keys: KeySpace,
    private readonly forgetMs: number,
  ) {}

  private call(mode: 'beat' | 'view' | 'leave', id: string, info: string, deadMs: number): Promise<MembershipView> {
    return guarded(async () => {
      const k = this.keys;
      const r = (await this.run('haatMembership', [k.membersInfo(), k.membersBeat(), k.membersLive(), k.membersEpoch()], [mode, id, info, deadMs, this.forgetMs])) as [number, number, string[], (string | number)[]];
      const members: MemberInfo[] = [];
      const flat = r[3];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const rest = JSON.parse(String(flat[i + 2])) as Omit<MemberInfo, 'id' | 'heartbeatAt'>;
        members.push({ ...rest, id: String(flat[i]), heartbeatAt: Number(flat[i + 1]) });
      }
      members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { members, alive: r[2], ringEpoch: r[1], now: r[0] };
    });
  }

  heartbeat(info: Omit<MemberInfo, 'heartbeatAt'>, deadMs: number): Promise<MembershipView> {
    const { id, ...rest } = info;
    return this.call('beat', id, JSON.stringify(rest), deadMs);
  }

  view(deadMs: number): Promise<MembershipView> {
    return this.call('view', '', '', deadMs);
  }

  leave(id: string, deadMs: number): Promise<MembershipView> {
    return this.call('leave', id, '', deadMs);
  }
}

/**
 * Membership on a connection of its own, opened on the first call: on the
 * auto-pipelined commands connection a beat waits behind everything queued
 * before it, and in a burst (100,000 buyers' first frames, leases and saves at
 * once) that wait passed deadMs, so the other nodes took over the actors of
 * nodes that were only busy. The beat thread (src/cluster/heartbeat-thread.ts)
 * opens one of these for itself.
 */
export function redisMembershipOnOwnConnection(addrs: readonly ServerAddress[], conn: ConnectionOptions, keys: KeySpace, forgetMs: number): { membership: RedisMembership; close(): Promise<void> } {
  let client: Promise<RedisClient> | undefined;
  let run: Promise<Run> | undefined;
  const lazyRun: Run = async (name, ks, args) => {
    run ??= (client = connectClient(addrs, 'membership', { ...conn, waitForConnection: false, readyWithinMs: conn.connectTimeoutMs })).then((c) => defineScripts(c, MEMBERSHIP_SCRIPTS));
    return (await run)(name, ks, args);
  };
  return {
    membership: new RedisMembership(lazyRun, keys, forgetMs),
    close: async () => {
      await client?.then(
        (c) => c.disconnect(),
        () => undefined,
      );
    },
  };
}
