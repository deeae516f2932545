// Timeouts for many asks with one timer. Asks of one timeout value expire in
// the order they were made, so a FIFO per value is sorted by deadline; the
// single timer is armed for the earliest head. This replaces a setTimeout and
// a clearTimeout per ask on the main thread's hot path.

interface Entry {
  id: number;
  deadline: number;
}

export class Deadlines {
  private readonly queues = new Map<number, { items: Entry[]; head: number }>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    /** Called for each id whose deadline passed; it decides whether the id is still pending. */
    private readonly expire: (id: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(id: number, timeoutMs: number): void {
    let q = this.queues.get(timeoutMs);
    if (!q) this.queues.set(timeoutMs, (q = { items: [], head: 0 }));
    const deadline = this.now() + timeoutMs;
    q.items.push({ id, deadline });
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
      while (q.head < q.items.length && q.items[q.head]!.deadline <= now) this.expire(q.items[q.head++]!.id);
      if (q.head === q.items.length) {
        this.queues.delete(ms);
        continue;
      }
      if (q.head > 1024) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
      next = Math.min(next, q.items[q.head]!.deadline);
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
