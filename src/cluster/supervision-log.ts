// The supervision log of GET admin/cluster (PROTOCOL.md §10): what the
// actors' supervisors did (restarts, crashes, stops, fenced actors) and the
// cluster's takeovers, bounded, newest first. It lives in the node's engine:
// with redis one stream that every node writes, with the memory engine the
// node's own entries in its memory, so a single node lists its supervision too.
import type { Logger } from 'pino';
import type { ActorSystem } from '../actors/system.ts';
import type { LogEngine } from '../engines/logs.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';

export const SUPERVISION_LOG = 'supervision';

export type SupervisionKind = 'restart' | 'crash' | 'takeover' | 'stopped' | 'fenced';

export interface SupervisionEntry {
  ts: string;
  kind: string;
  address: string;
  node: string;
  detail: string;
}

export interface SupervisionLogDeps {
  logs: LogEngine;
  nodeId: string;
  /** Entries kept (older ones are trimmed). */
  maxLen: number;
  clock: Clock;
  logger: Logger;
}

export class SupervisionLog {
  constructor(private readonly d: SupervisionLogDeps) {}

  /** Writes the actor system's lifecycle events; passivation is routine, not supervision. */
  follow(actors: ActorSystem): this {
    actors.on('lifecycle', (ev) => {
      if (ev.kind !== 'passivated') this.append(ev.kind, ev.address, ev.detail);
    });
    return this;
  }

  append(kind: SupervisionKind | string, address: string, detail: string): void {
    this.d.logs
      .append(SUPERVISION_LOG, { ts: this.d.clock.now(), kind, address, node: this.d.nodeId, detail }, this.d.maxLen)
      .catch((err: unknown) => this.d.logger.warn({ err: (err as Error).message, kind, address }, 'supervision entry not written'));
  }

  /** The newest `limit` entries, newest first. */
  async read(limit: number): Promise<SupervisionEntry[]> {
    const entries = await this.d.logs.read(SUPERVISION_LOG, limit);
    return entries.map((e) => ({
      ts: toDhakaIso(Number(e.fields.ts)),
      kind: String(e.fields.kind),
      address: String(e.fields.address),
      node: String(e.fields.node),
      detail: String(e.fields.detail),
    }));
  }
}
