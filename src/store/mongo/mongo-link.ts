// What every MongoDB collection of the store shares: the client, the health
// it last saw, and one way to turn driver errors into catalogue errors.
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import type { Logger } from 'pino';
import { HaatError } from '../../errors.ts';
import type { StoreHealth } from '../store.ts';

const DUPLICATE_KEY = 11000;

/** Driver errors that mean "no server to talk to right now" rather than a bad request. */
function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return ['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoNotConnectedError', 'MongoTopologyClosedError', 'MongoPoolClearedError'].includes(err.name);
}

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

export class MongoLink {
  readonly client: MongoClient;
  readonly db: Db;
  private state: StoreHealth = { ok: false, detail: 'mongodb: not checked yet' };
  private indexesReady = false;

  constructor(
    url: string,
    dbName: string | undefined,
    serverSelectionTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.client = new MongoClient(url, { serverSelectionTimeoutMS: serverSelectionTimeoutMs, connectTimeoutMS: serverSelectionTimeoutMs });
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

  /** Maps a driver error to the catalogue; an unreachable server also turns health false. */
  toHaatError(err: unknown, what: string): HaatError {
    if (err instanceof HaatError) return err;
    if (isUnreachable(err)) {
      const reason = (err as Error).message;
      if (this.state.ok) this.logger.warn({ err: reason }, 'mongodb store unreachable');
      this.state = { ok: false, detail: `mongodb unreachable: ${reason}` };
      return new HaatError('unavailable', `the store (MongoDB) is unreachable: ${what} failed`, { cause: err });
    }
    if (isDuplicateKey(err)) return new HaatError('conflict', `${what}: already exists`, { cause: err });
    return new HaatError('internal', `the store (MongoDB) failed: ${what}: ${(err as Error).message}`, { cause: err });
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
