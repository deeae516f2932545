// What every MongoDB collection of the store shares: the client, the health
// it last saw, and one way to turn driver errors into catalogue errors.
import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
} from 'mongodb';
import type { Logger } from 'pino';
import { HaatError } from '../../errors.ts';
import type { StoreHealth } from '../store.ts';

const DUPLICATE_KEY = 11000;

/** A bulkWrite that failed before any write carries the real cause in errorResponse. */
function unwrap(err: unknown): unknown {
  if (err instanceof MongoBulkWriteError && Object.keys(err.writeErrors).length === 0 && err.errorResponse instanceof Error) return err.errorResponse;
  return err;
}

const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Errors that mean "no server to talk to right now" rather than a bad request. */
function isUnreachable(err: unknown): boolean {
  // A write on a socket the server just closed can surface as Node's own error.
  if (err instanceof Error && SOCKET_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) return true;
  return [MongoServerSelectionError, MongoNetworkError, MongoNotConnectedError, MongoTopologyClosedError, MongoServerClosedError, MongoOperationTimeoutError].some((c) => err instanceof c);
}

export function isDuplicateKey(err: unknown): boolean {
  return (err instanceof MongoServerError || err instanceof MongoBulkWriteError) && err.code === DUPLICATE_KEY;
}

export class MongoLink {
  readonly client: MongoClient;
  readonly db: Db;
  private state: StoreHealth = { ok: false, detail: 'mongodb: not checked yet' };
  private indexesReady = false;
  private closing = false;
  private reconnecting: Promise<void> | undefined;

  constructor(
    url: string,
    dbName: string | undefined,
    serverSelectionTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.client = new MongoClient(url, { serverSelectionTimeoutMS: serverSelectionTimeoutMs, connectTimeoutMS: serverSelectionTimeoutMs });
    // The driver says "test" when the URL names no database: ours is "haat" then.
    this.db = this.client.db(dbName ?? (this.client.options.dbName === 'test' ? 'haat' : this.client.options.dbName));
  }

  health(): StoreHealth {
    return this.state;
  }

  markIndexesReady(): void {
    this.indexesReady = true;
  }

  /** Records a round trip that worked. */
  reachable(): void {
    if (!this.state.ok && this.indexesReady) this.logger.info({ db: this.db.databaseName }, 'mongodb store reachable');
    this.state = this.indexesReady ? { ok: true, detail: `ok (mongodb, db ${this.db.databaseName})` } : { ok: false, detail: 'mongodb: creating indexes' };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.close();
  }

  /**
   * A client whose first connection failed stays closed (every operation
   * answers "Topology is closed") until connect() succeeds: try again, once
   * at a time. After a first success the driver reconnects by itself.
   */
  private reconnect(): void {
    if (this.closing || this.reconnecting) return;
    this.reconnecting = this.client
      .connect()
      .then(
        () => this.logger.info('mongodb store: connected'),
        (err: Error) => this.logger.debug({ err: err.message }, 'mongodb store: connect failed'),
      )
      .finally(() => (this.reconnecting = undefined))
      .then(() => undefined);
  }

  /** Maps a driver error to the catalogue; an unreachable server also turns health false. */
  toHaatError(thrown: unknown, what: string): HaatError {
    if (thrown instanceof HaatError) return thrown;
    const err = unwrap(thrown);
    if (err instanceof MongoTopologyClosedError) this.reconnect();
    if (isUnreachable(err)) {
      const reason = (err as Error).message;
      if (this.state.ok) this.logger.warn({ err: reason }, 'mongodb store unreachable');
      this.state = { ok: false, detail: `mongodb unreachable: ${reason}` };
      return new HaatError('unavailable', `the store (MongoDB) is unreachable: ${what} failed`, { cause: thrown });
    }
    if (isDuplicateKey(err)) return new HaatError('conflict', `${what}: already exists`, { cause: thrown });
    return new HaatError('internal', `the store (MongoDB) failed: ${what}: ${(err as Error).message}`, { cause: thrown });
  }

  /** Runs one operation: success marks the store reachable, failure becomes a HaatError. */
  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.reachable();
      return out;
    } catch (err) {
      throw this.toHaatError(err, what);
    }
  }
}
