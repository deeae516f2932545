// Actor state with fencing: a hash per actor (s = state JSON, v = version,
// r = ring epoch) and a Lua compare-and-set that refuses a save from an older
// ring epoch or against a version that moved on.
import { encodedState, type ActorStateEngine, type SaveOutcome, type SaveRequest, type StoredState } from '../actor-state.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type ScriptDef } from './connection.ts';

type Run = (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

export const ACTOR_STATE_SCRIPTS: readonly ScriptDef[] = [
  {
    name: 'haatStateSave',
    keys: 1,
    // ARGV: ringEpoch, expectVersion, state JSON. Answers {1, version} or {0, storedVersion, storedRingEpoch}.
    lua: `
local cur = redis.call('HMGET', KEYS[1], 'v', 'r')
local v = tonumber(cur[1] or '0')
local r = tonumber(cur[2] or '0')
if r > tonumber(ARGV[1]) or v ~= tonumber(ARGV[2]) then return {0, v, r} end
redis.call('HSET', KEYS[1], 'v', v + 1, 'r', ARGV[1], 's', ARGV[3])
return {1, v + 1}
`,
  },
];

export class RedisActorState implements ActorStateEngine {
  constructor(
    private readonly run: Run,
    private readonly keys: KeySpace,
    private readonly hmget: (key: string, ...fields: string[]) => Promise<(string | null)[]>,
    private readonly del: (...keys: string[]) => Promise<number>,
  ) {}

  load(address: string): Promise<StoredState | undefined> {
    return guarded(async () => {
      const [s, v, r] = await this.hmget(this.keys.actorState(address), 's', 'v', 'r');
      if (s === null || s === undefined) return undefined;
      return { state: JSON.parse(s) as unknown, version: Number(v), ringEpoch: Number(r) };
    });
  }

  /**
   * All saves are issued in the same tick: on one Redis ioredis writes them
   * back to back; on a Cluster auto-pipelining sends one pipeline per master.
   * Either way one round trip, outcomes in request order.
   */
  saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    return guarded(() =>
      Promise.all(
        reqs.map(async (req): Promise<SaveOutcome> => {
          const json = encodedState(req);
          const r = (await this.run('haatStateSave', [this.keys.actorState(req.address)], [req.ringEpoch, req.expectVersion, json])) as number[];
          if (r[0] === 1) return { ok: true, version: r[1]! };
          return { ok: false, reason: 'fenced', stored: { version: r[1]!, ringEpoch: r[2]! } };
        }),
      ),
    );
  }

  drop(address: string): Promise<void> {
    return guarded(async () => {
      await this.del(this.keys.actorState(address));
    });
  }
}
