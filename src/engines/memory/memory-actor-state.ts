import { encodedState, type ActorStateEngine, type SaveOutcome, type SaveRequest, type StoredState } from '../actor-state.ts';

interface Row {
  /** JSON, so that a later mutation of the caller's object cannot leak in. */
  json: string;
  version: number;
  ringEpoch: number;
}

/**
 * Actor state of a single process, with the same fencing rule as the Redis
 * script: a save is refused when its ring epoch is older than the stored one
 * or its expected version is not the stored one (0 when never saved).
 */
export class MemoryActorStateEngine implements ActorStateEngine {
  private readonly rows = new Map<string, Row>();

  async load(address: string): Promise<StoredState | undefined> {
    const row = this.rows.get(address);
    return row && { state: JSON.parse(row.json), version: row.version, ringEpoch: row.ringEpoch };
  }

  async saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    // Encode every state first: an unserialisable one refuses the whole batch before anything is written.
    const encoded = reqs.map(encodedState);
    return reqs.map((r, i) => {
      const row = this.rows.get(r.address);
      const version = row?.version ?? 0;
      const ringEpoch = row?.ringEpoch ?? 0;
      if (r.ringEpoch < ringEpoch || r.expectVersion !== version) return { ok: false, reason: 'fenced', stored: { version, ringEpoch } };
      this.rows.set(r.address, { json: encoded[i]!, version: version + 1, ringEpoch: r.ringEpoch });
      return { ok: true, version: version + 1 };
    });
  }

  async drop(address: string): Promise<void> {
    this.rows.delete(address);
  }
}
