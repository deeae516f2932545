// Node mailboxes (DESIGN.md §1): a send or ask to an actor owned by another
// node is appended to that node's mailbox stream; the owner reads it with a
// consumer group and acknowledges an entry only after the actor handled it,
// so entries of a node that dies stay pending and survivors claim them.

export interface MailboxEntry {
  /** Stream id, used to ack. */
  id: string;
  body: string;
}

export interface MailboxEngine {
  enqueue(node: string, body: string): Promise<string>;
  /** Reads new entries for `node` (creating its group on first use); waits up to blockMs when empty. */
  consume(node: string, count: number, blockMs: number): Promise<MailboxEntry[]>;
  ack(node: string, ids: readonly string[]): Promise<void>;
  /** Takes over entries of `deadNode` that have been pending for at least minIdleMs (XAUTOCLAIM). */
  claim(deadNode: string, claimer: string, minIdleMs: number, count: number): Promise<MailboxEntry[]>;
  /** Removes a node's mailbox (once nothing in it is pending). */
  drop(node: string): Promise<void>;
}
