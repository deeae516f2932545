// The redis engine's key space, in one place (the table is KEYS.md). Every key
// that one Lua script or multi-key command touches carries the same hash tag
// `{...}`, so the engine runs unchanged on a Redis Cluster. All keys of one
// channel share the prefix `P:{ch:NAME`, so they share a tag even when NAME
// itself contains a brace.

export class KeySpace {
  constructor(readonly prefix: string) {}

  /** A node incarnation's users (SOCKET_USER per node); see rosters.ts. */
  roster(name: string): string {
    return `${this.prefix}:{roster:${name}}`;
  }

  // history (CHANNEL)
  channelStream(ch: string): string {
    return `${this.prefix}:{ch:${ch}}:s`;
  }
  channelMeta(ch: string): string {
    return `${this.prefix}:{ch:${ch}}:m`;
  }
  channelDedupe(ch: string, key: string): string {
    return `${this.prefix}:{ch:${ch}}:d:${key}`;
  }
  /** Sharded pub/sub topic of the channel (SPUBLISH/SSUBSCRIBE); same slot as its keys. */
  channelTopic(ch: string): string {
    return `${this.prefix}:{ch:${ch}}:t`;
  }
  /** The channel name of a topic, or undefined when the topic is not one of ours. */
  channelOfTopic(topic: string): string | undefined {
    const head = `${this.prefix}:{ch:`;
    if (!topic.startsWith(head) || !topic.endsWith('}:t')) return undefined;
    return topic.slice(head.length, -3);
  }

  // actor state
  actorState(address: string): string {
    return `${this.prefix}:{a:${address}}`;
  }

  // membership: one key group
  membersInfo(): string {
    return `${this.prefix}:{members}:info`;
  }
  membersBeat(): string {
    return `${this.prefix}:{members}:beat`;
  }
  membersLive(): string {
    return `${this.prefix}:{members}:live`;
  }
  membersEpoch(): string {
    return `${this.prefix}:{members}:epoch`;
  }

  // node mailboxes
  mailbox(node: string): string {
    return `${this.prefix}:{mb:${node}}`;
  }
  /** Sharded pub/sub topic of the answers to the node's asks (SPUBLISH/SSUBSCRIBE); same slot as its mailbox. */
  answerTopic(node: string): string {
    return `${this.prefix}:{mb:${node}}:r`;
  }

  // counters (REALTIME_STATS, USER_CONNECTIONS) and token buckets (RATE_LIMIT)
  counter(key: string): string {
    return `${this.prefix}:{c:${key}}`;
  }
  bucket(key: string): string {
    return `${this.prefix}:{rl:${key}}`;
  }

  // reminders: one sorted set
  reminders(): string {
    return `${this.prefix}:{reminders}:due`;
  }

  // ops logs
  log(name: string): string {
    return `${this.prefix}:{log:${name}}`;
  }
}
