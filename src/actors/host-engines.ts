// The engines a host thread persists through, built inside the thread from a
// serialisable EngineSpec (threads share no sockets or maps).
import type { ActorStateEngine, SaveOutcome, SaveRequest, StoredState } from '../engines/actor-state.ts';
import type { EngineSpec } from '../engines/engine.ts';
import type { Reminder, ReminderEngine } from '../engines/reminders.ts';
import type { EngineLink } from './engine-link.ts';
import { assertNever } from './wire.ts';
import { threadRedisEngine, ThreadRedisActorState, ThreadRedisReminders } from '../engines/redis/thread-engine.ts';

export interface HostEngines {
  state: ActorStateEngine;
  reminders: ReminderEngine;
}

/** The one place that maps an engine spec to a host thread's engines. */
export function createHostEngines(spec: EngineSpec, link: EngineLink): HostEngines {
  switch (spec.kind) {
    case 'memory':
      // The memory engine is the main thread's: reach it over the port.
      return { state: new LinkedActorStateEngine(link), reminders: new LinkedReminderEngine(link) };
    case 'redis': {
      // Each host thread talks to Redis itself (its own connections).
      const engine = threadRedisEngine(spec.urls);
      return { state: new ThreadRedisActorState(engine), reminders: new ThreadRedisReminders(engine) };
    }
    default:
      return assertNever(spec);
  }
}

class LinkedActorStateEngine implements ActorStateEngine {
  constructor(private readonly link: EngineLink) {}

  load(address: string): Promise<StoredState | undefined> {
    return this.link.call({ o: 'load', a: address }) as Promise<StoredState | undefined>;
  }

  saveMany(reqs: readonly SaveRequest[]): Promise<SaveOutcome[]> {
    return this.link.saveMany(reqs);
  }

  async drop(address: string): Promise<void> {
    await this.link.call({ o: 'drop', a: address });
  }
}

class LinkedReminderEngine implements ReminderEngine {
  constructor(private readonly link: EngineLink) {}

  async set(r: Reminder): Promise<void> {
    await this.link.call({ o: 'setReminder', r });
  }

  async cancel(address: string, name: string): Promise<void> {
    await this.link.call({ o: 'cancelReminder', a: address, n: name });
  }

  async due(): Promise<Reminder[]> {
    throw new Error('due() is the main thread reminder service`s, not a host thread`s');
  }
}
