// Engine wrappers for tests: they delegate to a real engine and only observe
// (or hold back) what passes through, so the runtime under test is unchanged.
import type { ActorStateEngine, SaveOutcome, SaveRequest, StoredState } from '../engines/actor-state.ts';
import { MemoryActorStateEngine } from '../engines/memory/memory-actor-state.ts';

export class ObservedActorStateEngine implements ActorStateEngine {
  /** The size of each saveMany call, in call order. */
  readonly batches: number[] = [];
  /** The part names each save carried, in save order (empty when none). */
  readonly partsSaved: string[][] = [];
  private gate: Promise<void> | undefined;
  private onHeld: (() => void)[] = [];

  constructor(readonly inner: ActorStateEngine = new MemoryActorStateEngine()) {}

  load(address: string): Promise<StoredState | undefined> {
    return this.inner.load(address);
  }

  async saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    this.batches.push(reqs.length);
    for (const r of reqs) this.partsSaved.push(Object.keys(r.parts ?? {}));
    if (this.gate) {
      for (const f of this.onHeld.splice(0)) f();
      await this.gate;
    }
    return this.inner.saveMany(reqs);
  }

  drop(address: string): Promise<void> {
    return this.inner.drop(address);
  }

  /** Holds every save from now on until the returned function is called. */
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    return () => {
      this.gate = undefined;
      open();
    };
  }

  /** Resolves when a save reaches the closed gate. */
  held(): Promise<void> {
    return new Promise((r) => this.onHeld.push(r));
  }
}
