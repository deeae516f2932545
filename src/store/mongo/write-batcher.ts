// Hot-path writes (connection activity, delivery counts) are buffered and sent
// as one ordered bulkWrite every `flushMs` or once `flushOps` are waiting:
// never one round trip per frame. Consecutive writes to the same key that
// can be combined (two touches of a session, two count increments) become
// one. Each write's promise settles when its batch is written.
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { IdDoc } from './docs.ts';
import type { MongoLink } from './mongo-link.ts';

interface Batch {
  ops: AnyBulkWriteOperation<IdDoc>[];
  /** key → index of its last op when that op may absorb the next one. */
  combinable: Map<string, number>;
  done: Promise<void>;
  settle: (err?: unknown) => void;
}

export interface BatcherStats {
  bulkWrites: number;
  ops: number;
  failedBatches: number;
}

function newBatch(): Batch {
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // Hot-path callers may not wait for their write; the failure is still
  // counted (stats.failedBatches) and turns the store's health false.
  done.catch(() => undefined);
  return { ops: [], combinable: new Map(), done, settle };
}

export class WriteBatcher {
  private batch = newBatch();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  readonly stats: BatcherStats = { bulkWrites: 0, ops: 0, failedBatches: 0 };

  constructor(
    private readonly collection: Collection<IdDoc>,
    private readonly link: MongoLink,
    private readonly flushMs: number,
    private readonly flushOps: number,
  ) {}

  /**
   * Queues `op`. With `combine`, it is merged into the previous op of the same
   * key when that one was queued with `combine` too and nothing else touched
   * the key since.
   */
  add(key: string, op: AnyBulkWriteOperation<IdDoc>, combine?: (previous: AnyBulkWriteOperation<IdDoc>) => AnyBulkWriteOperation<IdDoc>): Promise<void> {
    const b = this.batch;
    const at = combine ? b.combinable.get(key) : undefined;
    if (at !== undefined && combine) {
      b.ops[at] = combine(b.ops[at]!);
    } else {
      b.ops.push(op);
      if (combine) b.combinable.set(key, b.ops.length - 1);
      else b.combinable.delete(key);
    }
    if (b.ops.length >= this.flushOps) void this.flush().catch(() => undefined); // the ops' own promises carry the error
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.flushMs);
    return b.done;
  }

  /** Writes what is buffered; resolves once every write queued before the call is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const b = this.batch;
    if (b.ops.length === 0) return this.writing;
    this.batch = newBatch();
    // Batches are written one after the other so that a session's writes stay in order.
    this.writing = this.writing.then(async () => {
      this.stats.bulkWrites++;
      this.stats.ops += b.ops.length;
      try {
        await this.link.run(`bulkWrite ${this.collection.collectionName}`, () => this.collection.bulkWrite(b.ops, { ordered: true }));
        b.settle();
      } catch (err) {
        this.stats.failedBatches++;
        b.settle(err);
      }
    });
    return this.writing.then(() => b.done);
  }
}
