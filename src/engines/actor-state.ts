// Durable actor state with fencing (DESIGN.md §1, Orleans' grain storage with
// an etag). Every save names the ring epoch under which the saver owns the
// actor and the version it last loaded or saved; a save from an older ring
// epoch, or against a version someone else has moved on from, is refused, so a
// node wrongly declared dead cannot write stale state (Lua compare-and-set in
// Redis).

export interface StoredState {
  state: unknown;
  /** Incremented by every committed save; 0 means never saved. */
  version: number;
  /** Ring epoch of the last committed save. */
  ringEpoch: number;
  /** The parts saved beside the state, by name (absent when there are none). */
  parts?: Record<string, unknown>;
}

export interface SaveRequest {
  address: string;
  state: unknown;
  /**
   * `state` already encoded as JSON by the saver (the actor runtime encodes it
   * once to check it): engines store this text instead of encoding again, and
   * it crosses a thread as one string rather than as a structure.
   */
  encoded?: string;
  /** The saver's ring epoch (must be >= the stored one). */
  ringEpoch: number;
  /** The version the saver holds (must equal the stored one). */
  expectVersion: number;
  /**
   * Parts of the actor's state kept beside it, encoded as JSON, by name; null
   * drops one. Only the parts a save changed are named: an actor whose state
   * holds a long list (a user's notifications) writes the page that changed,
   * not the whole list, while the fence covers state and parts alike (one
   * compare-and-set writes both or neither).
   */
  parts?: Record<string, string | null>;
}

export type SaveOutcome = { ok: true; version: number } | { ok: false; reason: 'fenced'; stored: { version: number; ringEpoch: number } };

export interface ActorStateEngine {
  load(address: string): Promise<StoredState | undefined>;
  /** Group commit: one round trip for the batch; outcomes in request order. */
  saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]>;
  drop(address: string): Promise<void>;
}

/** The JSON text a save stores: the saver's own encoding when it gave one. */
export function encodedState(req: SaveRequest): string {
  return req.encoded ?? JSON.stringify(req.state) ?? 'null';
}

/** Part names are short words: they become Redis hash fields (`p:` + name). */
export function checkPartName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new TypeError(`a state part's name must be 1 to 64 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(name)}`);
}
