// Node mailboxes inside one process, with the semantics of a Redis stream and
// one consumer group per mailbox: consume moves new entries to the pending
// list of the reading node, ack forgets them, claim takes over entries pending
// for at least minIdleMs (XAUTOCLAIM). A blocked consume wakes on enqueue.
// Answers go straight to the listener registered for the node at the moment
// of sending, on a later microtask (as pub/sub would: nothing is stored, an
// answer for a node with no listener is dropped, and the sender never runs
// the listener inside its own call).
import type { AnswerListener, MailboxEngine, MailboxEntry } from '../mailboxes.ts';
import type { Clock } from '../../time/clock.ts';
import { StreamIds } from './stream-id.ts';

interface Pending {
  body: string;
  consumer: string;
  deliveredAt: number;
}

interface Mailbox {
  unread: MailboxEntry[];
  /** In id order (Map keeps insertion order; claims re-deliver without reordering). */
  pending: Map<string, Pending>;
  waiters: Set<() => void>;
}

export class MemoryMailboxes implements MailboxEngine {
  private readonly boxes = new Map<string, Mailbox>();
  private readonly answerListeners = new Map<string, AnswerListener>();
  private readonly ids: StreamIds;

  constructor(private readonly clock: Clock) {
    this.ids = new StreamIds(clock);
  }

  private box(node: string): Mailbox {
    let b = this.boxes.get(node);
    if (!b) {
      b = { unread: [], pending: new Map(), waiters: new Set() };
      this.boxes.set(node, b);
    }
    return b;
  }

  onAnswersLost(_listener: () => void): void {
    // Answers are handed to the listener in this process: never lost.
  }

  async enqueue(node: string, body: string): Promise<string> {
    const b = this.box(node);
    const id = this.ids.next();
    b.unread.push({ id, body });
    for (const wake of [...b.waiters]) wake();
    return id;
  }

  async consume(node: string, count: number, blockMs: number): Promise<MailboxEntry[]> {
    const b = this.box(node);
    if (b.unread.length === 0 && blockMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          b.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, blockMs);
        b.waiters.add(wake);
      });
    }
    const taken = b.unread.splice(0, count);
    const now = this.clock.now();
    for (const e of taken) b.pending.set(e.id, { body: e.body, consumer: node, deliveredAt: now });
    return taken;
  }

  async ack(node: string, ids: readonly string[]): Promise<void> {
    const b = this.boxes.get(node);
    if (!b) return;
    for (const id of ids) b.pending.delete(id);
  }

  async claim(deadNode: string, claimer: string, minIdleMs: number, count: number): Promise<MailboxEntry[]> {
    const b = this.boxes.get(deadNode);
    if (!b) return [];
    const now = this.clock.now();
    const out: MailboxEntry[] = [];
    for (const [id, p] of b.pending) {
      if (out.length >= count) break;
      if (now - p.deliveredAt < minIdleMs) continue;
      p.consumer = claimer;
      p.deliveredAt = now;
      out.push({ id, body: p.body });
    }
    return out;
  }

  async drop(node: string): Promise<void> {
    const b = this.boxes.get(node);
    if (!b) return;
    for (const wake of [...b.waiters]) wake();
    this.boxes.delete(node);
  }

  async answer(node: string, body: string): Promise<void> {
    const listener = this.answerListeners.get(node);
    if (listener) queueMicrotask(() => listener(body));
  }

  async onAnswers(node: string, listener: AnswerListener): Promise<void> {
    this.answerListeners.set(node, listener);
  }

  async offAnswers(node: string, listener: AnswerListener): Promise<void> {
    if (this.answerListeners.get(node) === listener) this.answerListeners.delete(node);
  }
}
