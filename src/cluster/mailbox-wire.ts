// What travels between nodes' mailboxes (DESIGN.md §1 messaging): items in a
// node's mailbox stream, and answers (`k:'r'`) on the asker's answer topic
// (engine.mailboxes.answer; several answers of one turn in one message, one
// item a line: JSON.stringify never writes a raw newline). Encoded as JSON;
// validated when read (a peer of another version, or garbage, must not crash
// the reader).
import type { OutgoingMessage } from '../actors/behaviour.ts';
import type { WireError } from '../actors/wire.ts';

export type MailboxItem =
  /** A send: handled by the owner, acknowledged after the actor took it. `u`: the sender's id for it (see deliveryId). */
  | { k: 's'; a: string; m: OutgoingMessage; f: string; u?: number }
  /**
   * An ask: `i` is the asker's id, `f` the node to answer, `d` the asker's
   * deadline (epoch ms); `p` (see AnswerBy) how the asker takes its answer.
   */
  | { k: 'a'; a: string; m: OutgoingMessage; f: string; i: number; d: number; p?: AnswerBy }
  /**
   * The answer to an ask (or a control request) this node made: on its answer
   * topic, or in its mailbox stream when the ask came without `p` (from a
   * node of an earlier version, or one not yet subscribed to its topic).
   */
  | { k: 'r'; i: number; v?: unknown; e?: WireError }
  /**
   * A control request to node `t` itself (admin and stats across the cluster),
   * not to an actor: answered by `t` only, never by a node that took `t`'s
   * mailbox over. `c` is checked by the control handler.
   */
  | { k: 'c'; t: string; c: unknown; f: string; i: number; d: number; p?: AnswerBy };

/**
 * 1: answer by the asker's answer topic (engine.mailboxes.answer, at most
 * once). Absent: into the asker's mailbox stream, as nodes of earlier
 * versions expect (they ignore the field and always answer into the stream).
 */
export type AnswerBy = 1;

/** Answers to one node, one message: one JSON item a line. */
export function encodeAnswers(items: readonly MailboxItem[]): string {
  return items.map((x) => JSON.stringify(x)).join('\n');
}

/** The lines of an answer message (see encodeAnswers); each is decoded with decodeItem. */
export function answerLines(body: string): string[] {
  return body.split('\n');
}

export function decodeItem(body: string): MailboxItem | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const msgOk = typeof o.m === 'object' && o.m !== null && typeof (o.m as { type?: unknown }).type === 'string';
  switch (o.k) {
    case 's':
      return typeof o.a === 'string' && typeof o.f === 'string' && msgOk ? (o as MailboxItem) : undefined;
    case 'a':
      return typeof o.a === 'string' && typeof o.f === 'string' && typeof o.i === 'number' && typeof o.d === 'number' && msgOk ? (o as MailboxItem) : undefined;
    case 'r':
      return typeof o.i === 'number' ? (o as MailboxItem) : undefined;
    case 'c':
      return typeof o.t === 'string' && typeof o.f === 'string' && typeof o.i === 'number' && typeof o.d === 'number' && 'c' in o ? (o as MailboxItem) : undefined;
    default:
      return undefined;
  }
}

/**
 * The same string each time an item is handled: the sending node and its id
 * for the item (an ask's `i`, a send's `u`), kept when the item is forwarded
 * or claimed. A survivor that takes over the mailbox of a node that stalled
 * after handling an entry but before acknowledging it hands the entry to its
 * actor a second time; an actor with an effect outside its fenced state (a
 * channel's append) uses this to make it once. Undefined for a send from an
 * older node.
 */
export function deliveryId(item: Extract<MailboxItem, { k: 's' | 'a' }>): string | undefined {
  const n = item.k === 'a' ? item.i : item.u;
  return n === undefined ? undefined : `${item.f}.${n.toString(36)}`;
}
