// Fixed-size chunks of history bytes carved out of large slabs, with a free
// list. A channel's ring takes chunks as its history grows and gives them
// back as old events drop out, so a thread's history memory is allocated once
// and reused. With one Buffer per channel, doubled as the history filled,
// every growth was fresh external memory and the old buffer garbage; V8
// answers external growth with full GCs, and at 50,000 publishes/s over
// 20,000 channels those stalled the host thread for 100-500 ms at a time.
//
// Slabs are kept for the life of the thread: the pool holds its peak, as a
// malloc arena does; `stats()` shows how much of it is in use.

export interface ChunkPoolStats {
  slabs: number;
  chunkBytes: number;
  chunksInUse: number;
  chunksFree: number;
}

export class ChunkPool {
  readonly chunkBytes: number;
  private readonly chunkShift: number;
  private readonly slabShift: number;
  private readonly slabMask: number;
  private readonly slabs: Buffer[] = [];
  private readonly free: number[] = [];
  private scratchBuf: Buffer = Buffer.alloc(0);

  /** `chunkBytes` and `slabBytes` are powers of two, the slab at least one chunk. */
  constructor(chunkBytes = 2048, slabBytes = 1 << 20) {
    if (!isPowerOfTwo(chunkBytes) || !isPowerOfTwo(slabBytes) || slabBytes < chunkBytes) {
      throw new RangeError(`chunkBytes (${chunkBytes}) and slabBytes (${slabBytes}) must be powers of two, slab >= chunk`);
    }
    this.chunkBytes = chunkBytes;
    this.chunkShift = Math.log2(chunkBytes);
    this.slabShift = Math.log2(slabBytes / chunkBytes);
    this.slabMask = slabBytes / chunkBytes - 1;
  }

  /** A free chunk's id; a new slab when none is free. */
  take(): number {
    if (this.free.length === 0) this.addSlab();
    return this.free.pop()!;
  }

  give(id: number): void {
    this.free.push(id);
  }

  /** The slab holding chunk `id`; its bytes start at `offsetOf(id)`. */
  slabOf(id: number): Buffer {
    return this.slabs[id >>> this.slabShift]!;
  }

  offsetOf(id: number): number {
    return (id & this.slabMask) << this.chunkShift;
  }

  /** A buffer of at least `len` bytes for one frame that spans chunks; reused, so copy out before the next call. */
  scratch(len: number): Buffer {
    if (this.scratchBuf.length < len) this.scratchBuf = Buffer.allocUnsafeSlow(Math.max(len, this.scratchBuf.length * 2, 4096));
    return this.scratchBuf;
  }

  stats(): ChunkPoolStats {
    const total = this.slabs.length << this.slabShift;
    return { slabs: this.slabs.length, chunkBytes: this.chunkBytes, chunksInUse: total - this.free.length, chunksFree: this.free.length };
  }

  private addSlab(): void {
    const s = this.slabs.length;
    this.slabs.push(Buffer.allocUnsafeSlow(this.chunkBytes << this.slabShift));
    // Pushed high to low, so take() hands out a slab's chunks in order.
    for (let j = this.slabMask; j >= 0; j--) this.free.push((s << this.slabShift) | j);
  }
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
