// A set of strings kept in order, for listings paged by key ("the next
// `limit` after this one"): an insert or delete costs a binary search and a
// splice within one chunk of at most CHUNK_MAX strings, and a page costs its
// own size, where a sort of every key on each page made paging through all of
// them quadratic.

import { partitionPoint } from './sorted-search.ts';

const CHUNK_MAX = 1024;

export class SortedStrings {
  /** Sorted chunks, none empty; every string of a chunk is below every string of the next one. */
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `s`; false when it was there already. */
  add(s: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([s]);
      this.count = 1;
      return true;
    }
    // The first chunk whose last string is not below s (or the last chunk, when s is above all).
    const ci = Math.min(this.chunkFor(s), this.chunks.length - 1);
    const chunk = this.chunks[ci]!;
    const i = lowerBound(chunk, s);
    if (chunk[i] === s) return false;
    chunk.splice(i, 0, s);
    this.count++;
    if (chunk.length > CHUNK_MAX) this.chunks.splice(ci + 1, 0, chunk.splice(chunk.length >> 1));
    return true;
  }

  /** Removes `s`; false when it was not there. */
  delete(s: string): boolean {
    const ci = this.chunkFor(s);
    const chunk = this.chunks[ci];
    if (chunk === undefined) return false;
    const i = lowerBound(chunk, s);
    if (chunk[i] !== s) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  has(s: string): boolean {
    const chunk = this.chunks[this.chunkFor(s)];
    return chunk !== undefined && chunk[lowerBound(chunk, s)] === s;
  }

  /** At most `limit` strings above `after` (all when null), in order. */
  after(after: string | null, limit: number): string[] {
    const out: string[] = [];
    if (limit <= 0) return out;
    let ci = after === null ? 0 : this.chunkFor(after);
    let i = after === null ? 0 : upperBound(this.chunks[ci] ?? [], after);
    for (; ci < this.chunks.length; ci++, i = 0) {
      const chunk = this.chunks[ci]!;
      for (; i < chunk.length; i++) {
        out.push(chunk[i]!);
        if (out.length === limit) return out;
      }
    }
    return out;
  }

  /** Index of the first chunk whose last string is not below `s` (chunks.length when none). */
  private chunkFor(s: string): number {
    return partitionPoint(this.chunks, (chunk) => chunk[chunk.length - 1]! < s);
  }
}

/** Index of the first string not below `s`. */
function lowerBound(list: readonly string[], s: string): number {
  return partitionPoint(list, (x) => x < s);
}

/** Index of the first string above `s`. */
function upperBound(list: readonly string[], s: string): number {
  return partitionPoint(list, (x) => x <= s);
}
