// The piscina task that a host thread runs for its whole life: it loads the
// behaviour modules, then serves its MessagePort until told to stop. piscina
// replaces the thread if it dies; the main thread then starts this task again.
import { threadId, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Host } from './host.ts';
import { Batcher, decodeBatch } from './batcher.ts';
import { EngineLink } from './engine-link.ts';
import { createHostEngines } from './host-engines.ts';
import type { EngineSpec } from '../engines/engine.ts';
import type { BehaviourModule, HostServices } from './behaviour.ts';
import type { FromHost, ToHost } from './wire.ts';
import type { RestartPolicy } from './supervisor.ts';
import { systemClock } from '../time/clock.ts';
import { HashRingPlacement } from './hashring-placement.ts';
import { HeapTrimmer } from '../heap/trimmer.ts';
import type { HeapTrimConfig } from '../heap/trim-policy.ts';

export interface HostTaskData {
  port: MessagePort;
  index: number;
  behaviourModules: string[];
  mailboxLimit: number;
  batchMax: number;
  restart: RestartPolicy;
  passivateSweepMs: number;
  /** When the thread gives its heap back (after a ramp-up, or thousands of actors passivated). */
  heapTrim: HeapTrimConfig;
  /** Which engine the host persists actor state and reminders through. */
  engine: EngineSpec;
  config: unknown;
  /** Host threads in all, when hosts may place actors themselves (see HostOptions.localPlacement). */
  localPlacementHosts?: number;
}

// piscina loads this file through require(), and on Node 20 a worker's ESM
// loader does not get tsx's hooks: a dynamic import() of a .ts file fails
// there. So behaviour modules are required too (tsx's require hook handles
// TypeScript and ESM-only packages); they must not use top-level await.
const requireModule = createRequire(import.meta.url);

export default function hostTask(data: HostTaskData): Promise<string> {
  const { port } = data;
  const out = new Batcher<FromHost>(port, data.batchMax);
  const link = new EngineLink(out);
  const services: HostServices = { callMain: (service, payload) => link.callService(service, payload) };
  const behaviours = [];
  for (const url of data.behaviourModules) {
    const mod = requireModule(fileURLToPath(url)) as BehaviourModule;
    const list = mod.createBehaviours ? mod.createBehaviours(data.config, services) : mod.behaviours;
    if (!Array.isArray(list)) throw new Error(`${url} exports neither \`behaviours\` nor \`createBehaviours\``);
    behaviours.push(...list);
  }
  const engines = createHostEngines(data.engine, link);
  const localPlacement = data.localPlacementHosts === undefined ? undefined : new HashRingPlacement(data.localPlacementHosts);
  const host = new Host({ index: data.index, behaviours, mailboxLimit: data.mailboxLimit, restart: data.restart, engines, link, clock: systemClock, out, config: data.config, ...(localPlacement ? { localPlacement } : {}) });
  return new Promise<string>((resolve) => {
    const trimmer = new HeapTrimmer(
      `host-${data.index}`,
      data.heapTrim,
      systemClock,
      (r) => {
        out.push({ k: 'trim', before: r.beforeBytes, after: r.afterBytes, ms: r.pauseMs });
        out.flush();
      },
      (r) => {
        out.push({ k: 'heap', used: r.usedBytes, committed: r.committedBytes });
        out.flush();
      },
    ).start();
    // Passivated actors are garbage an idle thread would keep: the trimmer counts them.
    const sweep = setInterval(() => trimmer.release(host.sweep()), data.passivateSweepMs);
    port.on('message', (raw: unknown) => {
      if (host.receive(decodeBatch<ToHost>(raw)) === 'stop') {
        clearInterval(sweep);
        trimmer.stop();
        out.push({ k: 'stopped' });
        out.flush();
        port.close();
        resolve('stopped');
      }
    });
    out.push({ k: 'ready', thread: threadId });
  });
}
