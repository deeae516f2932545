// The security log of a cluster: one engine log (the redis engine's
// `P:{log:security}` stream) that every node appends to, so GET
// admin/security-events on any node lists every node's events, newest first.
// The cursor is the engine's entry id of the last event shown, base64url'd so
// that clients treat it as opaque.
import type { Logger } from 'pino';
import type { LogEngine, LogEntry } from '../engines/logs.ts';
import { HaatError } from '../errors.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import type { SecurityEvent, SecurityEventInput, SecurityEventKind, SecurityLog, SecurityPage } from './security-log.ts';

export const SECURITY_LOG = 'security';
const ENTRY_ID = /^\d+-\d+$/;
/** A filtered list reads the log this many entries at a time, at most MAX_SCAN entries per page. */
const SCAN_BATCH = 500;
const MAX_SCAN = 10_000;

const encodeCursor = (id: string): string => Buffer.from(id).toString('base64url');

export interface EngineSecurityLogDeps {
  logs: LogEngine;
  node: string;
  clock: Clock;
  logger: Logger;
  /** Entries kept (trimmed approximately by the redis engine). */
  maxLen: number;
}

export class EngineSecurityLog implements SecurityLog {
  /** An append failed and the next success has not been logged yet (one warning per outage). */
  private failing = false;

  constructor(private readonly d: EngineSecurityLogDeps) {}

  record(e: SecurityEventInput): void {
    const fields = { ts: this.d.clock.now(), kind: e.kind, node: this.d.node, user_id: e.user_id, session_id: e.session_id, ip: e.ip, detail: e.detail };
    this.d.logs.append(SECURITY_LOG, fields, this.d.maxLen).then(
      () => {
        if (!this.failing) return;
        this.failing = false;
        this.d.logger.info('security log writable again');
      },
      (err: unknown) => {
        // The event is still in the process log (the gateway warns with security:true).
        if (this.failing) return;
        this.failing = true;
        this.d.logger.warn({ err: (err as Error).message, kind: e.kind }, 'security event not written to the cluster log (process log only until it answers again)');
      },
    );
  }

  async list(limit: number, cursor: string | undefined, kinds?: ReadonlySet<SecurityEventKind>): Promise<SecurityPage> {
    const before = cursor === undefined || cursor === '' ? undefined : decodeCursor(cursor);
    if (kinds === undefined) {
      // One more than asked tells whether there is a next page (no empty last page).
      const entries = await this.d.logs.read(SECURITY_LOG, limit + 1, before);
      const shown = entries.slice(0, limit);
      const last = shown[shown.length - 1];
      return { events: shown.map(toEvent), next_cursor: entries.length > limit && last ? encodeCursor(last.id) : null };
    }
    // Filtered: read batches until limit + 1 matches, the end of the log, or the scan bound.
    const found: LogEntry[] = [];
    let from = before;
    let scanned = 0;
    let lastScanned: string | undefined;
    for (;;) {
      const batch = await this.d.logs.read(SECURITY_LOG, SCAN_BATCH, from);
      for (const entry of batch) {
        lastScanned = entry.id;
        if (kinds.has(String(entry.fields.kind) as SecurityEventKind)) found.push(entry);
        if (found.length > limit) break;
      }
      scanned += batch.length;
      if (found.length > limit) {
        const last = found[limit - 1]!;
        return { events: found.slice(0, limit).map(toEvent), next_cursor: encodeCursor(last.id) };
      }
      if (batch.length < SCAN_BATCH) return { events: found.map(toEvent), next_cursor: null };
      from = lastScanned;
      // Bounded: go on from where the scan stopped on the next page.
      if (scanned >= MAX_SCAN) return { events: found.map(toEvent), next_cursor: lastScanned === undefined ? null : encodeCursor(lastScanned) };
    }
  }
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!ENTRY_ID.test(id)) throw new HaatError('bad_request', 'bad `cursor`');
  return id;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toEvent(e: LogEntry): SecurityEvent {
  const f = e.fields;
  const ts = typeof f.ts === 'number' ? f.ts : 0;
  return {
    ts: toDhakaIso(ts),
    kind: String(f.kind) as SecurityEventKind,
    node: String(f.node),
    user_id: str(f.user_id),
    session_id: str(f.session_id),
    ip: str(f.ip),
    detail: String(f.detail ?? ''),
  };
}
