// Channel history in Redis streams (after Centrifuge's
// broker_history_add_stream.lua). One Lua script checks the idempotency key,
// the epoch and the next offset, appends with the offset as the stream id
// (`<offset>-1`: Redis itself refuses an id not above the last one), moves the
// meta, remembers the answer, refreshes the TTLs and publishes the event to the
// channel's sharded topic: numbering, appending and publishing are one step.
import { nanoid } from 'nanoid';
import type { AppendOutcome, AppendRequest, ChannelHistory, HistoryBounds, HistoryEntry, NextAppendOutcome, NextAppendRequest, SinceResult, StreamPosition } from '../channel-history.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type ScriptDef } from './connection.ts';
import { busMessageLua } from './bus-message.ts';

type Run = (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

// Meta hash fields: e = epoch, o = newest offset, n = maxLen of the last append.
const ENSURE_META = `
local function ensure_meta(meta, candidate, ttl)
  local e = redis.call('HGET', meta, 'e')
  if e then return e, redis.call('HGET', meta, 'o') or '0' end
  redis.call('HSET', meta, 'e', candidate, 'o', '0')
  redis.call('PEXPIRE', meta, ttl)
  return candidate, '0'
end
`;

// What both append scripts do before and after their XADD: answer a repeated
// idempotency key, and move the meta and the keys' TTLs to the new entry.
const APPEND_STEPS = `${ENSURE_META}
local function seen(has_dedupe, dkey)
  if has_dedupe == '1' then return redis.call('GET', dkey) end
  return false
end
local function moved(stream, meta, offset, max_len, ttl)
  redis.call('HSET', meta, 'o', offset, 'n', max_len)
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', stream, ttl)
end
`;

export const HISTORY_SCRIPTS: readonly ScriptDef[] = [
  {
    name: 'haatHistoryAppend',
    keys: 3,
    // KEYS: stream, meta, dedupe key. ARGV: epoch, offset, frame, at, expiresAt,
    // maxLen, keyTtlMs, hasDedupe, answer, dedupeTtlMs, candidate epoch, topic.
    lua: `${APPEND_STEPS}
local stream, meta, dkey = KEYS[1], KEYS[2], KEYS[3]
local first = seen(ARGV[8], dkey)
if first then return {'duplicate', first} end
local epoch, top = ensure_meta(meta, ARGV[11], ARGV[7])
if epoch ~= ARGV[1] or tonumber(ARGV[2]) ~= tonumber(top) + 1 then
  return {'stale', epoch, top}
end
local added = redis.pcall('XADD', stream, 'MAXLEN', '~', ARGV[6], ARGV[2] .. '-1', 'f', ARGV[3], 'a', ARGV[4], 'x', ARGV[5])
if type(added) == 'table' and added.err then
  return {'stale', epoch, top, added.err}
end
moved(stream, meta, ARGV[2], ARGV[6], ARGV[7])
if ARGV[8] == '1' then redis.call('SET', dkey, ARGV[9], 'PX', ARGV[10]) end
redis.call('SPUBLISH', ARGV[12], ${busMessageLua('ARGV[1]', 'ARGV[2]', 'ARGV[4]', 'ARGV[3]')})
return {'appended'}
`,
  },
  {
    name: 'haatHistoryAppendNext',
    keys: 3,
    // KEYS: stream, meta, dedupe key. ARGV: frame head, frame middle, frame
    // tail, id, at, expiresAt, maxLen, keyTtlMs, hasDedupe, dedupeTtlMs,
    // candidate epoch, topic. The script numbers the event: any node may call it.
    lua: `${APPEND_STEPS}
local stream, meta, dkey = KEYS[1], KEYS[2], KEYS[3]
local first = seen(ARGV[9], dkey)
if first then return {'duplicate', first} end
local epoch, top = ensure_meta(meta, ARGV[11], ARGV[8])
local offset = string.format('%d', tonumber(top) + 1)
local frame = ARGV[1] .. epoch .. ARGV[2] .. offset .. ARGV[3]
local added = redis.pcall('XADD', stream, 'MAXLEN', '~', ARGV[7], offset .. '-1', 'f', frame, 'a', ARGV[5], 'x', ARGV[6])
if type(added) == 'table' and added.err then
  -- The stream is ahead of its meta (the meta expired or was restored
  -- apart from it): which offsets the clients saw is unknown, so the
  -- channel starts a new epoch (they are told recovered:false), never
  -- reusing an offset under the old one.
  redis.call('DEL', stream)
  epoch, offset = ARGV[11], '1'
  redis.call('HSET', meta, 'e', epoch)
  frame = ARGV[1] .. epoch .. ARGV[2] .. offset .. ARGV[3]
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[7], offset .. '-1', 'f', frame, 'a', ARGV[5], 'x', ARGV[6])
end
moved(stream, meta, offset, ARGV[7], ARGV[8])
if ARGV[9] == '1' then
  redis.call('SET', dkey, '{"id":"' .. ARGV[4] .. '","offset":' .. offset .. ',"epoch":"' .. epoch .. '"}', 'PX', ARGV[10])
end
redis.call('SPUBLISH', ARGV[12], ${busMessageLua('epoch', 'offset', 'ARGV[5]', 'frame')})
return {'appended', epoch, offset}
`,
  },
  {
    name: 'haatHistoryTop',
    keys: 1,
    // KEYS: meta. ARGV: candidate epoch, keyTtlMs.
    lua: `${ENSURE_META}
local e, o = ensure_meta(KEYS[1], ARGV[1], ARGV[2])
return {e, o}
`,
  },
  {
    name: 'haatHistorySince',
    keys: 2,
    // KEYS: stream, meta. ARGV: candidate epoch, keyTtlMs, since epoch, since offset, first id wanted.
    // Answers {epoch, top, maxLen, entries?}; entries only when the epoch matches and the since is behind the top.
    lua: `${ENSURE_META}
local e, o = ensure_meta(KEYS[2], ARGV[1], ARGV[2])
local n = redis.call('HGET', KEYS[2], 'n') or '0'
local since = tonumber(ARGV[4])
if e ~= ARGV[3] or since >= tonumber(o) then return {e, o, n} end
if tonumber(o) - since > tonumber(n) then return {e, o, n} end
return {e, o, n, redis.call('XRANGE', KEYS[1], ARGV[5], '+')}
`,
  },
];

export interface RedisHistoryOptions {
  /** Channel keys live at least this long after the last append (or after `top` created them). */
  channelIdleMs: number;
}

export class RedisChannelHistory implements ChannelHistory {
  readonly publishesOnAppend = true;

  constructor(
    private readonly run: Run,
    private readonly keys: KeySpace,
    private readonly get: (key: string) => Promise<string | null>,
    private readonly del: (...keys: string[]) => Promise<number>,
    private readonly opts: RedisHistoryOptions,
  ) {}

  top(channel: string): Promise<StreamPosition> {
    return guarded(async () => {
      const r = (await this.run('haatHistoryTop', [this.keys.channelMeta(channel)], [nanoid(10), this.opts.channelIdleMs])) as [string, string];
      return { epoch: r[0], offset: Number(r[1]) };
    });
  }

  append(channel: string, req: AppendRequest, bounds: HistoryBounds): Promise<AppendOutcome> {
    return guarded(async () => {
      const d = req.dedupe;
      const keys = [this.keys.channelStream(channel), this.keys.channelMeta(channel), this.keys.channelDedupe(channel, d?.key ?? '')];
      const args = [
        req.epoch,
        req.offset,
        req.frame,
        req.at,
        req.expiresAt,
        bounds.maxLen,
        Math.max(bounds.ttlMs, this.opts.channelIdleMs),
        d ? '1' : '0',
        d?.answer ?? '',
        d?.ttlMs ?? 0,
        nanoid(10),
        this.keys.channelTopic(channel),
      ];
      const r = (await this.run('haatHistoryAppend', keys, args)) as string[];
      switch (r[0]) {
        case 'appended':
          return { kind: 'appended' };
        case 'duplicate':
          return { kind: 'duplicate', answer: r[1]! };
        case 'stale':
          return { kind: 'stale', top: { epoch: r[1]!, offset: Number(r[2]) } };
        default:
          throw new Error(`history append script answered ${JSON.stringify(r)}`);
      }
    });
  }

  appendNext(channel: string, req: NextAppendRequest, bounds: HistoryBounds): Promise<NextAppendOutcome> {
    return guarded(async () => {
      const d = req.dedupe;
      const keys = [this.keys.channelStream(channel), this.keys.channelMeta(channel), this.keys.channelDedupe(channel, d?.key ?? '')];
      const args = [
        req.frame[0],
        req.frame[1],
        req.frame[2],
        req.id,
        req.at,
        req.expiresAt,
        bounds.maxLen,
        Math.max(bounds.ttlMs, this.opts.channelIdleMs),
        d ? '1' : '0',
        d?.ttlMs ?? 0,
        nanoid(10),
        this.keys.channelTopic(channel),
      ];
      const r = (await this.run('haatHistoryAppendNext', keys, args)) as string[];
      switch (r[0]) {
        case 'appended':
          return { kind: 'appended', epoch: r[1]!, offset: Number(r[2]) };
        case 'duplicate':
          return { kind: 'duplicate', answer: r[1]! };
        default:
          throw new Error(`history appendNext script answered ${JSON.stringify(r)}`);
      }
    });
  }

  dedupeAnswer(channel: string, key: string): Promise<string | undefined> {
    return guarded(async () => (await this.get(this.keys.channelDedupe(channel, key))) ?? undefined);
  }

  /**
   * Entries only when the stream still holds every one after `since` for its
   * epoch, within the last maxLen, and none has aged out by `now`. A `since`
   * equal to the top missed nothing: [] even when every entry aged out.
   */
  readSince(channel: string, since: StreamPosition, now: number): Promise<SinceResult> {
    return guarded(async () => {
      const args = [nanoid(10), this.opts.channelIdleMs, since.epoch, since.offset, `${since.offset + 1}-0`];
      const r = (await this.run('haatHistorySince', [this.keys.channelStream(channel), this.keys.channelMeta(channel)], args)) as [string, string, string, [string, string[]][]?];
      const top = { epoch: r[0], offset: Number(r[1]) };
      if (since.epoch !== top.epoch || since.offset > top.offset) return { top, entries: undefined };
      if (since.offset === top.offset) return { top, entries: [] };
      const raw = r[3];
      if (raw === undefined || raw.length !== top.offset - since.offset) return { top, entries: undefined };
      const entries: HistoryEntry[] = [];
      let expect = since.offset + 1;
      for (const [id, fields] of raw) {
        const e = parseEntry(id, fields);
        if (e.offset !== expect || e.expiresAt <= now) return { top, entries: undefined };
        entries.push(e);
        expect++;
      }
      return { top, entries };
    });
  }

  drop(channel: string): Promise<void> {
    return guarded(async () => {
      await this.del(this.keys.channelStream(channel), this.keys.channelMeta(channel));
    });
  }
}

function parseEntry(id: string, fields: string[]): HistoryEntry {
  let frame = '';
  let at = 0;
  let expiresAt = 0;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1]!;
    switch (fields[i]) {
      case 'f':
        frame = v;
        break;
      case 'a':
        at = Number(v);
        break;
      case 'x':
        expiresAt = Number(v);
        break;
    }
  }
  return { offset: Number(id.slice(0, id.indexOf('-'))), frame, at, expiresAt };
}
