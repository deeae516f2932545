// Timeouts for many asks with one timer. Asks of one timeout value expire in
// the order they were made, so a FIFO per value is sorted by deadline; the
// single timer is armed for the earliest head. This replaces a setTimeout and
// a clearTimeout per ask on the main thread's hot path. The FIFOs are rings
// of plain numbers: an entry outlives its (usually answered) ask by the whole
// timeout, and as an object every one of them would be promoted to the old
// generation and collected by a major GC.
//
// Timeouts are not all alike: an ask from another node brings what is left
// of its asker's time (1 to 5,000 ms, nearly every one different), and one
// FIFO per exact value made thousands of them in a burst, each scanned at
// every expiry. So asks share the FIFO of their timeout's class, 16 classes
// per power of two: a few hundred FIFOs at most. Each keeps its exact
// deadline; one behind a longer timeout of its class expires with it, at most
// 1/16 of its timeout late, never early (asks of one configured timeout, as
// a node's own are, expire exactly on time).
//
// Expiry waits for the event loop's poll phase: the timer only schedules it
// (setImmediate). After the loop was blocked past a deadline (a long turn
// under load, a big GC), the timers phase comes first in the next turn, while
// the answers that arrived meanwhile still wait unread in their sockets and
// ports; expiring there would answer `unavailable` to asks whose answers are
// already here. The poll phase reads them first, and `expire` then finds
// those ids no longer pending.

/** The class of a timeout: `ms` rounded down to one of 16 steps per power of two (exact below 32). */
export function timeoutClass(ms: number): number {
  if (!(ms >= 32)) return Math.max(0, Math.floor(ms));
  const step = 2 ** (Math.floor(Math.log2(ms)) - 4);
  return Math.floor(ms / step) * step;
}

const FIRST_CAPACITY = 16;

class NumberRing {
  private ids = new Float64Array(FIRST_CAPACITY);
  private deadlines = new Float64Array(FIRST_CAPACITY);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(id: number, deadline: number): void {
    if (this.size === this.ids.length) this.grow();
    const at = (this.head + this.size) % this.ids.length;
    this.ids[at] = id;
    this.deadlines[at] = deadline;
    this.size++;
  }

  peekDeadline(): number {
    return this.deadlines[this.head]!;
  }

  shiftId(): number {
    const id = this.ids[this.head]!;
    this.head = (this.head + 1) % this.ids.length;
    this.size--;
    return id;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const ids = new Float64Array(n);
    const deadlines = new Float64Array(n);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) % this.ids.length;
      ids[i] = this.ids[from]!;
      deadlines[i] = this.deadlines[from]!;
    }
    this.ids = ids;
    this.deadlines = deadlines;
    this.head = 0;
  }
}

export class Deadlines {
  private readonly queues = new Map<number, NumberRing>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private readonly expireDueBound = (): void => this.expireDue();

  constructor(
    /** Called for each id whose deadline passed; it decides whether the id is still pending. */
    private readonly expire: (id: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(id: number, timeoutMs: number): void {
    const cls = timeoutClass(timeoutMs);
    let q = this.queues.get(cls);
    if (!q) this.queues.set(cls, (q = new NumberRing()));
    const deadline = this.now() + timeoutMs;
    q.push(id, deadline);
    if (deadline < this.armedFor) this.arm(deadline);
  }

  /** FIFOs in use (one per timeout class with asks waiting). */
  get queueCount(): number {
    return this.queues.size;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.queues.clear();
  }

  private arm(deadline: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(deadline - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.immediate ??= setImmediate(this.expireDueBound);
  }

  private expireDue(): void {
    this.immediate = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [ms, q] of this.queues) {
      while (q.length > 0 && q.peekDeadline() <= now) this.expire(q.shiftId());
      if (q.length === 0) {
        this.queues.delete(ms);
        continue;
      }
      next = Math.min(next, q.peekDeadline());
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
