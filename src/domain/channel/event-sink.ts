// How an actor publishes an event on a channel (bid_placed, stock updates,
// typing, presence changes): after its save commits, each event with its
// idempotency key where it has one (or at once, for an actor that needs the
// event's offset to go on: a chat message). Two ways, chosen per engine in
// behaviours.ts:
// - through the channel's actor (actor-event-sink.ts): the memory engine
//   keeps a channel's history in its owner's host thread;
// - straight to the engine's history (history-event-sink.ts): the redis
//   engine numbers, appends and publishes in one script any thread may run,
//   so the event costs one Redis round trip, not a send through the channel
//   owner's mailbox (as the gateway's publishes, channel-publisher.ts).
import type { ActorContext } from '../../actors/behaviour.ts';
import type { PublishResult } from './messages.ts';
import type { PublishInput } from './rules.ts';

export interface EventSink {
  publish(ctx: ActorContext, channel: string, input: PublishInput): void;
  /**
   * Publishes now, while the message is handled, and answers the event's id
   * and offset (a chat message needs its offset before it is stored): not
   * held for the save, as an ask the handler waits for is not.
   */
  publishAndWait(ctx: ActorContext, channel: string, input: PublishInput, timeoutMs: number): Promise<PublishResult>;
}
