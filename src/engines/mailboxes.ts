// Node mailboxes (DESIGN.md §1): a send or ask to an actor owned by another
// node is appended to that node's mailbox stream; the owner reads it with a
// consumer group and acknowledges an entry only after the actor handled it,
// so entries of a node that dies stay pending and survivors claim them.
//
// Answers (to asks and control requests) do not travel in the asker's
// stream: they need none of its durability (an answer to an asker that died
// is useless, and an asker that gets no answer fails the ask as unavailable
// at its deadline), so they go by the cheaper `answer` / `onAnswers`, which
// deliver at most once: an answer sent while the asker is not listening (its
// subscriber connection dropped, or it has not subscribed yet) is lost.

export interface MailboxEntry {
  /** Stream id, used to ack. */
  id: string;
  body: string;
}

/** Receives the answers sent to one node, one body per `answer` call. */
export type AnswerListener = (body: string) => void;

export interface MailboxEngine {
  enqueue(node: string, body: string): Promise<string>;
  /** Reads new entries for `node` (creating its group on first use); waits up to blockMs when empty. */
  consume(node: string, count: number, blockMs: number): Promise<MailboxEntry[]>;
  ack(node: string, ids: readonly string[]): Promise<void>;
  /** Takes over entries of `deadNode` that have been pending for at least minIdleMs (XAUTOCLAIM). */
  claim(deadNode: string, claimer: string, minIdleMs: number, count: number): Promise<MailboxEntry[]>;
  /** Removes a node's mailbox (once nothing in it is pending). Answers are not kept, so they are not affected. */
  drop(node: string): Promise<void>;
  /**
   * Sends `body` to the answer listener of `node`, at most once and not
   * stored: resolved once handed over (to Redis, or the in-process listener),
   * not once received; lost when `node` is not listening at that moment.
   */
  answer(node: string, body: string): Promise<void>;
  /**
   * Makes `listener` the one receiver of `node`'s answers (replacing an
   * earlier one) and resolves once answers sent from now on reach it. Stays
   * in force, also across reconnects (answers sent while disconnected are
   * lost), until offAnswers; when it rejects, the listener stays registered
   * and calling it again retries.
   */
  onAnswers(node: string, listener: AnswerListener): Promise<void>;
  /** Stops delivering `node`'s answers to `listener` (nothing when another listener replaced it). */
  offAnswers(node: string, listener: AnswerListener): Promise<void>;
  /**
   * Calls `listener` each time answers sent to this process's listeners may
   * have been lost: its subscription is back after a drop (called once it is
   * back, so that answers sent from then on arrive). Never called by an
   * engine that cannot lose them (memory).
   */
  onAnswersLost(listener: () => void): void;
}
