import type { AuctionSpec } from './rules.ts';
import type { ReminderMessage, TimerMessage } from '../../actors/behaviour.ts';

/** What an auction actor handles; amounts in paisa, times in ms since the epoch (the gateway converts). */
export type AuctionMessage =
  /** POST auctions: answers the view, or `conflict` when the id exists. */
  | { type: 'create'; spec: AuctionSpec }
  /** GET auctions/:id: answers the view, or `auction_not_found`. */
  | { type: 'get' }
  | { type: 'bid'; bidder: string; amount: number; client_bid_id?: string }
  | ReminderMessage
  | TimerMessage;

export function auctionAddress(id: string): string {
  return `auction:${id}`;
}

export function auctionChannel(id: string): string {
  return `auction:${id}`;
}
