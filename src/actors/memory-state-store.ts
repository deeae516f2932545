import type { ActorStateStore } from './state-store.ts';

export class MemoryActorStateStore implements ActorStateStore {
  private readonly states = new Map<string, string>();

  async load(address: string): Promise<unknown> {
    const s = this.states.get(address);
    return s === undefined ? undefined : JSON.parse(s);
  }

  async save(address: string, state: unknown): Promise<void> {
    // Stored as JSON so that a later mutation of the live state cannot leak in.
    this.states.set(address, JSON.stringify(state));
  }
}
