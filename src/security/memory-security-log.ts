// The security log in memory: a ring of the newest `capacity` events.
// Entries are numbered in order; a cursor is the number of the next (older)
// entry to show, so pages stay stable while new events arrive.
import { HaatError } from '../errors.ts';
import { toDhakaIso, type Clock } from '../time/clock.ts';
import type { SecurityEvent, SecurityEventInput, SecurityEventKind, SecurityLog, SecurityPage } from './security-log.ts';

export class MemorySecurityLog implements SecurityLog {
  private readonly ring: (SecurityEvent | undefined)[];
  /** Number of events ever recorded; the newest is number `count - 1`. */
  private count = 0;

  constructor(
    private readonly opts: { capacity: number; node: string; clock: Clock },
  ) {
    this.ring = new Array<SecurityEvent | undefined>(opts.capacity);
  }

  record(e: SecurityEventInput): void {
    this.ring[this.count % this.opts.capacity] = { ts: toDhakaIso(this.opts.clock.now()), kind: e.kind, node: this.opts.node, user_id: e.user_id, session_id: e.session_id, ip: e.ip, detail: e.detail };
    this.count++;
  }

  list(limit: number, cursor: string | undefined, kinds?: ReadonlySet<SecurityEventKind>): Promise<SecurityPage> {
    const oldest = Math.max(0, this.count - this.opts.capacity);
    let from = this.count - 1;
    if (cursor !== undefined && cursor !== '') {
      const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!Number.isInteger(n) || n < -1) return Promise.reject(new HaatError('bad_request', 'bad `cursor`'));
      from = Math.min(n, this.count - 1);
    }
    const events: SecurityEvent[] = [];
    const wanted = (i: number): boolean => kinds === undefined || kinds.has(this.ring[i % this.opts.capacity]!.kind);
    let i = from;
    for (; i >= oldest && events.length < limit; i--) if (wanted(i)) events.push(this.ring[i % this.opts.capacity]!);
    // The next page starts at the next wanted entry: none left, no next page (never an empty last page).
    while (i >= oldest && !wanted(i)) i--;
    const next = i >= oldest ? Buffer.from(String(i)).toString('base64url') : null;
    return Promise.resolve({ events, next_cursor: next });
  }
}
