// Where actors persist state between activations and restarts. The memory
// store lives inside the host thread (it survives actor restarts and
// passivation, not the death of the thread); the redis engine will provide one
// that survives everything, with fencing epochs.

export interface ActorStateStore {
  load(address: string): Promise<unknown>;
  save(address: string, state: unknown): Promise<void>;
}
