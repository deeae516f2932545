import type { ChunkPool } from './chunk-pool.ts';

// A channel's recent events as bytes in chunks of a thread-wide ChunkPool,
// with their offsets and times in one typed array. Kept as JS objects (an
// object and a string per event), a busy node's history filled the host heap
// with millions of long-lived objects, and every major GC had to mark and
// move them all (measured: 0.3-0.7 s pauses at 1.2 GB). Here a channel costs
// a few objects, whatever its history holds, and growing or shrinking it
// allocates nothing (see chunk-pool.ts).
//
// The bytes form one virtual stream: position p lives in the ring's chunk
// floor(p / chunkBytes), and the oldest chunks go back to the pool as soon as
// no held entry starts before their end. Only a frame larger than a chunk
// spans chunks.

export interface RingEntry {
  offset: number;
  at: number;
  expiresAt: number;
  frame: string;
}

// Per entry, in `meta`: start position, byte length, sequencing time, expiry.
const STRIDE = 4;
const EMPTY_META = new Float64Array(0);

export class FrameRing {
  private meta: Float64Array<ArrayBuffer> = EMPTY_META;
  private capacity = 0;
  /** Index (in entries) of the oldest entry. */
  private first = 0;
  private count = 0;
  /** Offset of the oldest entry. */
  private firstOffset = 0;
  /** Chunk ids for the stream's chunks baseChunk, baseChunk + 1, ... */
  private chunks: number[] = [];
  private baseChunk = 0;
  /** Stream position where the next frame's bytes go. */
  private writePos = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly pool: ChunkPool,
  ) {}

  get length(): number {
    return this.count;
  }

  /** Offset of the oldest entry held, or undefined when empty. */
  get oldestOffset(): number | undefined {
    return this.count === 0 ? undefined : this.firstOffset;
  }

  /** Bytes of pool chunks this ring holds. */
  get capacityBytes(): number {
    return this.chunks.length * this.pool.chunkBytes;
  }

  /** Appends the event with `offset` (one more than the newest held, or any offset when empty). */
  push(offset: number, frame: string, at: number, expiresAt: number): void {
    if (this.count > 0 && offset !== this.firstOffset + this.count) throw new RangeError(`offset ${offset} does not follow ${this.firstOffset + this.count - 1}`);
    if (this.count === this.maxEntries) this.dropOldest();
    else if (this.count === this.capacity) this.growEntries();
    const len = this.write(frame);
    const start = this.writePos - len; // after any skip to a fresh chunk
    if (this.count === 0) this.firstOffset = offset;
    const i = ((this.first + this.count) % this.capacity) * STRIDE;
    this.meta[i] = start;
    this.meta[i + 1] = len;
    this.meta[i + 2] = at;
    this.meta[i + 3] = expiresAt;
    this.count++;
  }

  /** Sequencing time of the oldest entry, for pruning by age. */
  oldestAt(): number | undefined {
    return this.count === 0 ? undefined : this.meta[this.first * STRIDE + 2];
  }

  /** Expiry of the oldest entry, for pruning by age (an entry's ttl may be shorter than the channel's). */
  oldestExpiresAt(): number | undefined {
    return this.count === 0 ? undefined : this.meta[this.first * STRIDE + 3];
  }

  dropOldest(): void {
    if (this.count === 0) return;
    this.first = (this.first + 1) % this.capacity;
    this.count--;
    this.firstOffset++;
    if (this.count === 0) return this.release();
    // Chunks that end at or before the oldest held entry's start hold nothing of use.
    const oldestStart = this.meta[this.first * STRIDE]!;
    const C = this.pool.chunkBytes;
    while ((this.baseChunk + 1) * C <= oldestStart) {
      this.pool.give(this.chunks.shift()!);
      this.baseChunk++;
    }
  }

  /** Gives every chunk back to the pool; the ring is then empty. */
  release(): void {
    for (const id of this.chunks) this.pool.give(id);
    this.chunks = [];
    this.baseChunk = 0;
    this.writePos = 0;
    this.first = 0;
    this.count = 0;
  }

  /** The entries with offset > `after`, oldest first. */
  *since(after: number): Generator<RingEntry> {
    const skip = Math.max(0, after + 1 - this.firstOffset);
    for (let k = skip; k < this.count; k++) {
      const i = ((this.first + k) % this.capacity) * STRIDE;
      yield { offset: this.firstOffset + k, at: this.meta[i + 2]!, expiresAt: this.meta[i + 3]!, frame: this.read(this.meta[i]!, this.meta[i + 1]!) };
    }
  }

  /**
   * Writes `frame` at the write position, taking chunks as needed; returns its
   * byte length. A frame that fits in a chunk is never split: when the current
   * chunk's rest is too short it starts the next chunk (the rest, less than one
   * frame, stays unused). Splitting went through a copy, on the hot path.
   */
  private write(frame: string): number {
    const C = this.pool.chunkBytes;
    let inChunk = this.writePos % C;
    if (this.writePos === (this.baseChunk + this.chunks.length) * C) this.chunks.push(this.pool.take());
    // One pass when even 3 bytes per UTF-16 unit (the UTF-8 worst case) fit.
    if (frame.length * 3 <= C - inChunk) return this.writeInChunk(frame, inChunk, C - inChunk);
    const len = Buffer.byteLength(frame, 'utf8');
    if (len > C) return this.writeSpanning(frame, len);
    if (len > C - inChunk) {
      this.writePos += C - inChunk;
      this.chunks.push(this.pool.take());
      inChunk = 0;
    }
    return this.writeInChunk(frame, inChunk, len);
  }

  private writeInChunk(frame: string, inChunk: number, max: number): number {
    const id = this.chunks[this.chunks.length - 1]!;
    const len = this.pool.slabOf(id).write(frame, this.pool.offsetOf(id) + inChunk, max, 'utf8');
    this.writePos += len;
    return len;
  }

  /** A frame larger than a chunk: encoded once, then copied over as many chunks as it needs. */
  private writeSpanning(frame: string, len: number): number {
    const C = this.pool.chunkBytes;
    const bytes = this.pool.scratch(len);
    bytes.write(frame, 0, len, 'utf8');
    let done = 0;
    while (done < len) {
      const at = this.writePos % C;
      if (at === 0 && this.writePos === (this.baseChunk + this.chunks.length) * C) this.chunks.push(this.pool.take());
      const cid = this.chunks[this.chunks.length - 1]!;
      const n = Math.min(C - at, len - done);
      bytes.copy(this.pool.slabOf(cid), this.pool.offsetOf(cid) + at, done, done + n);
      done += n;
      this.writePos += n;
    }
    return len;
  }

  private read(start: number, len: number): string {
    if (len === 0) return '';
    const C = this.pool.chunkBytes;
    let k = Math.floor(start / C) - this.baseChunk;
    let at = start % C;
    if (at + len <= C) {
      const id = this.chunks[k]!;
      const from = this.pool.offsetOf(id) + at;
      return this.pool.slabOf(id).toString('utf8', from, from + len);
    }
    const bytes = this.pool.scratch(len);
    let done = 0;
    while (done < len) {
      const id = this.chunks[k]!;
      const n = Math.min(C - at, len - done);
      const from = this.pool.offsetOf(id) + at;
      this.pool.slabOf(id).copy(bytes, done, from, from + n);
      done += n;
      k++;
      at = 0;
    }
    return bytes.toString('utf8', 0, len);
  }

  /** Doubles the entry array (up to maxEntries), oldest entry first. */
  private growEntries(): void {
    const n = Math.min(this.maxEntries, Math.max(8, this.capacity * 2));
    const next = new Float64Array(n * STRIDE);
    for (let k = 0; k < this.count; k++) {
      const from = ((this.first + k) % this.capacity) * STRIDE;
      for (let f = 0; f < STRIDE; f++) next[k * STRIDE + f] = this.meta[from + f]!;
    }
    this.meta = next;
    this.capacity = n;
    this.first = 0;
  }
}
