// Actor state with fencing: a hash per actor (s = state JSON, v = version,
// r = ring epoch, p:NAME = a part of the state) and a Lua compare-and-set that
// refuses a save from an older ring epoch or against a version that moved on;
// the parts a save names are written (or deleted) by the same script.
import { checkPartName, encodedState, type ActorStateEngine, type SaveOutcome, type SaveRequest, type StoredState } from '../actor-state.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type ScriptDef } from './connection.ts';

/** Hash field prefix of a state part. */
const PART = 'p:';

/** The script's part arguments: n, n (field, JSON) pairs to set, then the fields to delete. */
function partArgs(req: SaveRequest): string[] {
  if (req.parts === undefined) return [];
  const set: string[] = [];
  const drop: string[] = [];
  for (const [name, json] of Object.entries(req.parts)) {
    checkPartName(name);
    if (json === null) drop.push(PART + name);
    else set.push(PART + name, json);
  }
  return [String(set.length / 2), ...set, ...drop];
}

type Run = (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

export const ACTOR_STATE_SCRIPTS: readonly ScriptDef[] = [
  {
    name: 'haatStateSave',
    keys: 1,
    // ARGV: ringEpoch, expectVersion, state JSON, n, then n pairs (part field, JSON) to set,
    // then the part fields to delete. Answers {1, version} or {0, storedVersion, storedRingEpoch}.
    lua: `
local cur = redis.call('HMGET', KEYS[1], 'v', 'r')
local v = tonumber(cur[1] or '0')
local r = tonumber(cur[2] or '0')
if r > tonumber(ARGV[1]) or v ~= tonumber(ARGV[2]) then return {0, v, r} end
redis.call('HSET', KEYS[1], 'v', v + 1, 'r', ARGV[1], 's', ARGV[3])
local n = tonumber(ARGV[4] or '0')
for i = 0, n - 1 do redis.call('HSET', KEYS[1], ARGV[5 + 2 * i], ARGV[6 + 2 * i]) end
for i = 5 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
return {1, v + 1}
`,
  },
];

export class RedisActorState implements ActorStateEngine {
  constructor(
    private readonly run: Run,
    private readonly keys: KeySpace,
    private readonly hgetall: (key: string) => Promise<Record<string, string>>,
    private readonly del: (...keys: string[]) => Promise<number>,
  ) {}

  load(address: string): Promise<StoredState | undefined> {
    return guarded(async () => {
      const h = await this.hgetall(this.keys.actorState(address));
      const s = h.s;
      if (s === undefined) return undefined;
      const stored: StoredState = { state: JSON.parse(s) as unknown, version: Number(h.v), ringEpoch: Number(h.r) };
      for (const [field, json] of Object.entries(h)) {
        if (!field.startsWith(PART)) continue;
        (stored.parts ??= {})[field.slice(PART.length)] = JSON.parse(json) as unknown;
      }
      return stored;
    });
  }

  /**
   * All saves are issued in the same tick: on one Redis ioredis writes them
   * back to back; on a Cluster auto-pipelining sends one pipeline per master.
   * Either way one round trip, outcomes in request order.
   */
  saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    return guarded(() => {
      // Every part name is checked before anything is written, as the memory engine does.
      const parts = reqs.map(partArgs);
      return Promise.all(
        reqs.map(async (req, i): Promise<SaveOutcome> => {
          const json = encodedState(req);
          const r = (await this.run('haatStateSave', [this.keys.actorState(req.address)], [req.ringEpoch, req.expectVersion, json, ...parts[i]!])) as number[];
          if (r[0] === 1) return { ok: true, version: r[1]! };
          return { ok: false, reason: 'fenced', stored: { version: r[1]!, ringEpoch: r[2]! } };
        }),
      );
    });
  }

  drop(address: string): Promise<void> {
    return guarded(async () => {
      await this.del(this.keys.actorState(address));
    });
  }
}
