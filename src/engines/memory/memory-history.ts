import { nanoid } from 'nanoid';
import type { ChannelHistory } from '../history.ts';
import type { ChannelLog } from '../../domain/channel/log.ts';
import { FrameRing } from '../../domain/channel/frame-ring.ts';
import { ChunkPool } from '../../domain/channel/chunk-pool.ts';

/**
 * Logs live as long as the thread: they survive a channel actor's crash and
 * passivation, not the death of the host thread (then the epoch changes, and
 * clients that resume are told recovered:false, as PROTOCOL.md §4 asks).
 */
export class MemoryChannelHistory implements ChannelHistory {
  private readonly logs = new Map<string, ChannelLog>();
  /** One per host thread: every channel's history bytes come from it. */
  private readonly pool = new ChunkPool();

  constructor(private readonly historySize: number) {}

  open(channel: string): ChannelLog {
    let log = this.logs.get(channel);
    if (!log) {
      log = { channel, epoch: nanoid(8), offset: 0, history: new FrameRing(this.historySize, this.pool), dedupe: new Map(), watchers: new Set() };
      this.logs.set(channel, log);
    }
    return log;
  }

  /** Drops a channel's log; the next open starts a new epoch. */
  forget(channel: string): void {
    this.logs.get(channel)?.history.release();
    this.logs.delete(channel);
  }

  get size(): number {
    return this.logs.size;
  }
}
