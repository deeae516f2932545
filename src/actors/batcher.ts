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
  /** A batch: its items as one JSON array text, then the texts they name by index (Batcher.blob), when there are any. */
  postMessage(value: string | readonly string[]): void;
}

export class Batcher<T> {
  private items: string[] = [];
  private blobs: string[] = [];
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

  /**
   * Puts `text` beside the batch the next item goes in, and returns its index
   * there for that item to name (see decodeBatchWithBlobs). A long JSON text
   * (an actor's saved state) then crosses as it is: not escaped into the
   * batch here and not parsed out of it on the other side. Call it just
   * before pushing the item that names it, in the same synchronous step.
   */
  blob(text: string): number {
    return this.blobs.push(text) - 1;
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
    const joined = batch.join(',');
    if (this.blobs.length === 0) return this.port.postMessage(joined);
    const blobs = this.blobs;
    this.blobs = [];
    blobs.unshift(joined);
    this.port.postMessage(blobs);
  }

  /** Points the batcher at a new port (a replaced host) and drops what was queued for the old one. */
  retarget(port: Port): number {
    const dropped = this.items.length;
    this.items = [];
    this.blobs = [];
    this.port = port;
    return dropped;
  }
}

/** A batch that carries no blobs (the main thread's batches to a host). */
export function decodeBatch<T>(data: unknown): T[] {
  if (typeof data !== 'string') throw new TypeError(`expected a batch string, got ${Array.isArray(data) ? 'a batch with blobs' : typeof data}`);
  return JSON.parse(data) as T[];
}

const NO_BLOBS: readonly string[] = [];

/** A batch and the texts beside it (Batcher.blob), which its items name by index. */
export function decodeBatchWithBlobs<T>(data: unknown): { items: T[]; blobs: readonly string[] } {
  if (typeof data === 'string') return { items: JSON.parse(data) as T[], blobs: NO_BLOBS };
  if (!Array.isArray(data) || data.length === 0 || !data.every((d) => typeof d === 'string')) throw new TypeError('expected a batch string, or a batch string followed by its blobs');
  return { items: JSON.parse(data[0] as string) as T[], blobs: data.slice(1) as string[] };
}
