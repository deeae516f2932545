// A FIFO with O(1) shift: an array with head and tail indexes, compacted when
// the dead prefix grows. Array#shift is O(n) and shows up once mailboxes back
// up. An emptied mailbox keeps its array (up to KEEP slots) for the next
// message: a fresh [] per message to an idle actor allocated a backing store
// each time, which was most of what a host thread promoted to its old
// generation under a steady stream of asks. It starts with two slots, not
// V8's 17 of a first push: an active actor that got one message (a user
// actor after a connect) then holds 40 bytes more than with [], not 150.
const KEEP = 1024;

function fresh<T>(): (T | undefined)[] {
  return [undefined, undefined];
}

export class Mailbox<T> {
  private items: (T | undefined)[] = fresh();
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(item: T): void {
    // Writes over a freed slot, or appends (tail === items.length): the array never has holes.
    this.items[this.tail++] = item;
  }

  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      if (this.items.length > KEEP) this.items = fresh();
    } else if (this.head > KEEP && this.head * 2 > this.tail) {
      this.items = this.items.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return item;
  }

  /** Empties the mailbox, returning what was in it. */
  drain(): T[] {
    const rest = this.items.slice(this.head, this.tail) as T[];
    this.items = fresh();
    this.head = 0;
    this.tail = 0;
    return rest;
  }
}
