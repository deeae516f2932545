// Collects the items of one event-loop turn and posts them as one string,
// or at once when `max` items are waiting, so a busy sender never builds one
// huge batch (STACK.md: flush per turn, with a cap).
//
// 'microtask' flushes when the current callback's microtasks run: right for
// a host thread, whose turn is one inbound batch. 'immediate' flushes after
// the poll phase: right for the main thread, where uWS.js runs microtasks
// after every socket callback, so a microtask flush would post one batch per
// client frame and every frame would pay a thread wake-up.

export type FlushOn = 'microtask' | 'immediate';

export interface Port {
  postMessage(value: string): void;
}

export class Batcher<T> {
  private items: string[] = [];
  private scheduled = false;
  private readonly flushBound = (): void => this.flush();
  /** Called first thing in every flush: its owner may add a last item (e.g. a credit count) to the batch. */
  beforeFlush: (() => void) | undefined;

  constructor(
    private port: Port,
    private readonly max: number,
    private readonly flushOn: FlushOn = 'microtask',
  ) {}

  push(item: T): void {
    this.pushEncoded(JSON.stringify(item));
  }

  /** For a caller that already encoded the item (to catch unserialisable values itself). */
  pushEncoded(encoded: string): void {
    this.items.push(encoded);
    if (this.items.length >= this.max) this.flush();
    else this.schedule();
  }

  /** Makes sure a flush comes at the end of this turn (beforeFlush runs then, even with nothing queued yet). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.flushOn === 'microtask') queueMicrotask(this.flushBound);
    else setImmediate(this.flushBound);
  }

  flush(): void {
    this.scheduled = false;
    this.beforeFlush?.();
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    // The brackets go on the first and last items (small copies), not around
    // the joined batch: `[${joined}]` would copy the whole batch once more
    // when the message is serialised.
    batch[0] = `[${batch[0]!}`;
    batch[batch.length - 1] += ']';
    this.port.postMessage(batch.join(','));
  }

  /** Points the batcher at a new port (a replaced host) and drops what was queued for the old one. */
  retarget(port: Port): number {
    const dropped = this.items.length;
    this.items = [];
    this.port = port;
    return dropped;
  }
}

export function decodeBatch<T>(data: unknown): T[] {
  if (typeof data !== 'string') throw new TypeError(`expected a batch string, got ${typeof data}`);
  return JSON.parse(data) as T[];
}
