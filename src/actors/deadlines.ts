// Timeouts for many asks with one timer. Asks of one timeout value expire in
// the order they were made, so a FIFO per value is sorted by deadline; the
// single timer is armed for the earliest head. This replaces a setTimeout and
// a clearTimeout per ask on the main thread's hot path. The FIFOs are rings
// of plain numbers: an entry outlives its (usually answered) ask by the whole
// timeout, and as an object every one of them would be promoted to the old
// generation and collected by a major GC.

class NumberRing {
  private ids = new Float64Array(1024);
  private deadlines = new Float64Array(1024);
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
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    /** Called for each id whose deadline passed; it decides whether the id is still pending. */
    private readonly expire: (id: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(id: number, timeoutMs: number): void {
    let q = this.queues.get(timeoutMs);
    if (!q) this.queues.set(timeoutMs, (q = new NumberRing()));
    const deadline = this.now() + timeoutMs;
    q.push(id, deadline);
    if (deadline < this.armedFor) this.arm(deadline);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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
