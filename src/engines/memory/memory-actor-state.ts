import { checkPartName, encodedState, type ActorStateEngine, type SaveOutcome, type SaveRequest, type StoredState } from '../actor-state.ts';

interface Row {
  /** JSON, so that a later mutation of the caller's object cannot leak in. */
  json: string;
  version: number;
  ringEpoch: number;
  /** The state's parts as JSON, by name (absent until one is saved). */
  parts?: Map<string, string>;
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
    if (!row) return undefined;
    const stored: StoredState = { state: JSON.parse(row.json), version: row.version, ringEpoch: row.ringEpoch };
    if (row.parts !== undefined && row.parts.size > 0) {
      const parts: Record<string, unknown> = {};
      for (const [name, json] of row.parts) parts[name] = JSON.parse(json);
      stored.parts = parts;
    }
    return stored;
  }

  async saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    // Encode and check every state first: a bad one refuses the whole batch before anything is written.
    const encoded = reqs.map(encodedState);
    for (const r of reqs) if (r.parts !== undefined) for (const name of Object.keys(r.parts)) checkPartName(name);
    return reqs.map((r, i) => {
      const row = this.rows.get(r.address);
      const version = row?.version ?? 0;
      const ringEpoch = row?.ringEpoch ?? 0;
      if (r.ringEpoch < ringEpoch || r.expectVersion !== version) return { ok: false, reason: 'fenced', stored: { version, ringEpoch } };
      const next: Row = { json: encoded[i]!, version: version + 1, ringEpoch: r.ringEpoch };
      let parts = row?.parts;
      if (r.parts !== undefined) {
        for (const [name, json] of Object.entries(r.parts)) {
          if (json === null) parts?.delete(name);
          else (parts ??= new Map()).set(name, json);
        }
      }
      if (parts !== undefined) next.parts = parts;
      this.rows.set(r.address, next);
      return { ok: true, version: version + 1 };
    });
  }

  async drop(address: string): Promise<void> {
    this.rows.delete(address);
  }
}
