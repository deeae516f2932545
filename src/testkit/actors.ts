import { once } from 'node:events';
import { ActorSystem, type ActorSystemEvents, type ActorSystemOptions } from '../actors/system.ts';
import { loadConfig } from '../config/load.ts';
import type { ActorsConfig } from '../config/schema.ts';
import { silentLogger } from '../log/logger.ts';
import { withTimeout } from './wait.ts';

export const TEST_BEHAVIOURS = new URL('./actor-behaviours.ts', import.meta.url).href;

export type ExtraSystemOptions = Partial<Omit<ActorSystemOptions, 'config' | 'behaviourModules' | 'logger'>>;

export async function startTestSystem(overrides: Partial<ActorsConfig> = {}, behaviourModules = [TEST_BEHAVIOURS], extra: ExtraSystemOptions = {}): Promise<ActorSystem> {
  const config = loadConfig({ env: {}, overrides: { actors: { workers: 2, ...overrides } } });
  const system = new ActorSystem({ ...extra, config: config.actors, behaviourModules, logger: silentLogger() });
  await system.start();
  return system;
}

/** Resolves with the first event of `name` that matches; rejects after `timeoutMs` (default 10 s). */
export function nextEvent<K extends keyof ActorSystemEvents>(
  system: ActorSystem,
  name: K,
  match: (...args: ActorSystemEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ActorSystemEvents[K]> {
  let listener!: (...args: ActorSystemEvents[K]) => void;
  const seen = new Promise<ActorSystemEvents[K]>((resolve) => {
    listener = (...args: ActorSystemEvents[K]): void => {
      if (!match(...args)) return;
      system.off(name, listener as never);
      resolve(args);
    };
    system.on(name, listener as never);
  });
  return withTimeout(seen, { timeoutMs, what: `actor system event '${String(name)}'` }).catch((err: unknown) => {
    system.off(name, listener as never);
    throw err;
  });
}

export { once };

/** Finds `count` addresses of `kind` that the system places on `host`. */
export function addressesOnHost(system: ActorSystem, kind: string, host: number, count: number, prefix = 'a'): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const a = `${kind}:${prefix}${i}`;
    if (system.hostOf(a) === host) out.push(a);
  }
  return out;
}

/** Resolves with the time the actor at `address` passivated. */
export function passivatedAt(system: ActorSystem, address: string): Promise<number> {
  return nextEvent(system, 'lifecycle', (ev) => ev.kind === 'passivated' && ev.address === address).then(() => Date.now());
}
