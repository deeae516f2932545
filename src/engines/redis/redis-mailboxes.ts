// Node mailboxes: one stream per node with one consumer group ('g'); the node
// reads as consumer <node>. An entry is acknowledged and deleted together
// (XACK + XDEL in one script), so a mailbox holds only what is unread or
// pending. Blocking reads (XREADGROUP BLOCK) run on connections of their own,
// never on the shared command connection, which they would hold up.
//
// Answers go by sharded pub/sub: SPUBLISH on the command connection to the
// node's answer topic (hash-tagged like its mailbox, so the same slot of a
// Redis Cluster), received on the engine's subscriber connection (shared with
// the bus; each ignores the other's topics). After that connection comes back
// the topics are subscribed again; answers published in between are lost, and
// the asks they answered time out (at most once, see mailboxes.ts).
import type { AnswerListener, MailboxEngine, MailboxEntry } from '../mailboxes.ts';
import type { KeySpace } from './keys.ts';
import { guarded, type RedisClient, type ScriptDef } from './connection.ts';
import type { Logger } from '../../log/logger.ts';
import { Cluster } from 'ioredis';

type Run = (name: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

const GROUP = 'g';

export const MAILBOX_SCRIPTS: readonly ScriptDef[] = [
  {
    name: 'haatMailboxAck',
    keys: 1,
    // ARGV: group, ids...
    lua: `
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
return #ids
`,
  },
];

type RawEntries = [string, string[] | null][];

function toEntries(raw: RawEntries): MailboxEntry[] {
  const out: MailboxEntry[] = [];
  // XAUTOCLAIM (Redis < 7) and XREADGROUP of deleted entries give null fields: skip them.
  for (const [id, fields] of raw) {
    if (!fields) continue;
    const i = fields.indexOf('b');
    out.push({ id, body: i >= 0 ? fields[i + 1] ?? '' : '' });
  }
  return out;
}

export class RedisMailboxes implements MailboxEngine {
  /** Mailboxes whose group this process has created (or found). */
  private readonly groups = new Set<string>();
  private readonly idle: RedisClient[] = [];
  private readonly all = new Set<RedisClient>();
  /** Answer listeners by topic. */
  private readonly answerListeners = new Map<string, AnswerListener>();
  private readonly lostListeners: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly run: Run,
    private readonly keys: KeySpace,
    private readonly client: RedisClient,
    private readonly openBlocking: () => Promise<RedisClient>,
    private readonly sub: RedisClient,
    private readonly log: Logger,
  ) {
    sub.on('smessage', (topic: string, msg: string) => this.answerListeners.get(topic)?.(msg));
    // SSUBSCRIBE is idempotent: subscribing again what ioredis's subscriber group already restored is harmless.
    // Every ready seen here is taken for the end of a drop (answers may have been lost): the first one, plain
    // or cluster, comes before this engine listens (answers-lost.test.ts); were one to come later, asks then
    // waiting would fail once more than needed, and be retried.
    sub.on(sub instanceof Cluster ? 'subscribersReady' : 'ready', () => void this.resubscribe());
  }

  enqueue(node: string, body: string): Promise<string> {
    return guarded(async () => {
      const id = await this.client.xadd(this.keys.mailbox(node), '*', 'b', body);
      if (id === null) throw new Error('XADD answered no id');
      return id;
    });
  }

  private async ensureGroup(key: string): Promise<void> {
    if (this.groups.has(key)) return;
    try {
      await this.client.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
    this.groups.add(key);
  }

  private async borrow(): Promise<RedisClient> {
    const c = this.idle.pop();
    if (c) return c;
    const fresh = await this.openBlocking();
    this.all.add(fresh);
    return fresh;
  }

  consume(node: string, count: number, blockMs: number): Promise<MailboxEntry[]> {
    return guarded(async () => {
      const key = this.keys.mailbox(node);
      await this.ensureGroup(key);
      const read = async (): Promise<MailboxEntry[]> => {
        if (blockMs <= 0) {
          // No BLOCK at all: BLOCK 0 would mean "forever".
          const r = (await this.client.xreadgroup('GROUP', GROUP, node, 'COUNT', count, 'STREAMS', key, '>')) as [string, RawEntries][] | null;
          return r ? toEntries(r[0]![1]) : [];
        }
        const conn = await this.borrow();
        try {
          const r = (await conn.xreadgroup('GROUP', GROUP, node, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, '>')) as [string, RawEntries][] | null;
          this.idle.push(conn);
          return r ? toEntries(r[0]![1]) : [];
        } catch (err) {
          // A connection that failed mid-read is not reused.
          this.all.delete(conn);
          conn.disconnect();
          throw err;
        }
      };
      try {
        return await read();
      } catch (err) {
        // The mailbox (and its group) went away, e.g. Redis restarted empty: create it again once.
        if (!(err instanceof Error && err.message.startsWith('NOGROUP'))) throw err;
        this.groups.delete(key);
        await this.ensureGroup(key);
        return read();
      }
    });
  }

  ack(node: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return guarded(async () => {
      await this.run('haatMailboxAck', [this.keys.mailbox(node)], [GROUP, ...ids]);
    });
  }

  claim(deadNode: string, claimer: string, minIdleMs: number, count: number): Promise<MailboxEntry[]> {
    return guarded(async () => {
      const key = this.keys.mailbox(deadNode);
      const out: MailboxEntry[] = [];
      let cursor = '0-0';
      // XAUTOCLAIM scans COUNT pending entries per call; follow its cursor until enough or the end.
      for (let rounds = 0; rounds < 100 && out.length < count; rounds++) {
        let r: [string, RawEntries, string[]?];
        try {
          r = (await this.client.xautoclaim(key, GROUP, claimer, minIdleMs, cursor, 'COUNT', count - out.length)) as [string, RawEntries, string[]?];
        } catch (err) {
          // No mailbox or no group: nothing was pending.
          if (err instanceof Error && err.message.startsWith('NOGROUP')) return out;
          throw err;
        }
        out.push(...toEntries(r[1]));
        cursor = r[0];
        if (cursor === '0-0') break;
      }
      return out;
    });
  }

  drop(node: string): Promise<void> {
    return guarded(async () => {
      const key = this.keys.mailbox(node);
      await this.client.del(key);
      this.groups.delete(key);
    });
  }

  answer(node: string, body: string): Promise<void> {
    return guarded(async () => {
      await this.client.spublish(this.keys.answerTopic(node), body);
    });
  }

  onAnswers(node: string, listener: AnswerListener): Promise<void> {
    const topic = this.keys.answerTopic(node);
    this.answerListeners.set(topic, listener);
    return guarded(async () => {
      await this.sub.ssubscribe(topic);
    });
  }

  async offAnswers(node: string, listener: AnswerListener): Promise<void> {
    const topic = this.keys.answerTopic(node);
    if (this.answerListeners.get(topic) !== listener) return;
    this.answerListeners.delete(topic);
    await guarded(async () => {
      await this.sub.sunsubscribe(topic);
    });
  }

  onAnswersLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  private async resubscribe(): Promise<void> {
    const topics = [...this.answerListeners.keys()];
    if (topics.length === 0 || this.closed) return;
    try {
      await Promise.all(topics.map((t) => this.sub.ssubscribe(t)));
      this.log.info({ topics: topics.length }, 'answer topics subscribed again after a reconnect');
      // Answers published while the subscriber was away are gone: whoever waits for one is told now, not at its deadline.
      for (const l of this.lostListeners) l();
    } catch (err) {
      // The connection dropped again: its next ready event retries.
      this.log.warn({ err: err instanceof Error ? err.message : String(err), topics: topics.length }, 'answer topics resubscribe failed');
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.disconnect();
    this.all.clear();
    this.idle.length = 0;
  }
}

