// Records by expires_at, earliest first, for the memory store's sweeps: a
// sweep reads the records whose time has come, not every record. A record
// deleted otherwise stays until its time (the owner skips it when it comes
// out) or until the owner rebuilds the heap without it.
import { MinHeap } from '../../min-heap.ts';

export class ByExpiry<R extends { expires_at: number }> extends MinHeap<R> {
  constructor() {
    super((r) => r.expires_at);
  }
}
