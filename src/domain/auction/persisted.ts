// How an auction is saved: the auction without its remembered bids as the
// actor's state, and each remembered bid (a client_bid_id's first answer) as
// a state part of its own (`b.<seq>`), written when the bid is accepted and
// dropped when it is forgotten. A commit then encodes one small tuple, not
// every remembered bid, so an auction can remember the bids of the whole
// idempotency window (15 minutes) instead of its last 16: a retry after a
// failover used to find its accepted bid forgotten and be told bid_too_low.
// States saved before (the bids inside the state) are read too. Pure.
import type { Auction, Remembered } from './rules.ts';
import { AgeOrderedMap } from '../../age-ordered-map.ts';

/** What the actor's own saved state keeps of an auction. */
export type SavedAuction = Omit<Auction, 'recent'> & { recentInParts: true };

/** An auction saved before parts: its remembered bids in the state, oldest first. */
type SavedWhole = Omit<Auction, 'recent'> & { recent: Remembered[] };

const PART_PREFIX = 'b.';

export function bidPart(seq: number): string {
  return `${PART_PREFIX}${seq}`;
}

export function coreOf(a: Auction): SavedAuction {
  const { recent: _r, ...rest } = a;
  return { ...rest, recentInParts: true };
}

/** The parts a commit writes: the bid remembered, the ones forgotten (null drops them). */
export function rememberedParts(remembered: Remembered | null, forgotten: readonly number[]): Record<string, Remembered | null> {
  const parts: Record<string, Remembered | null> = {};
  for (const seq of forgotten) parts[bidPart(seq)] = null;
  if (remembered !== null) parts[bidPart(remembered[1])] = remembered;
  return parts;
}

/** Every remembered bid as a part (the first save of an auction saved whole). */
export function allParts(a: Auction): Record<string, Remembered> {
  const parts: Record<string, Remembered> = {};
  for (const r of a.recent.values()) parts[bidPart(r[1])] = r;
  return parts;
}

/** The auction back from what was saved; `whole`: it was saved before parts, so the next save must write every part. */
export function restoreAuction(saved: SavedAuction | SavedWhole, parts: Readonly<Record<string, unknown>>): { auction: Auction; whole: boolean } {
  if ('recentInParts' in saved) {
    const { recentInParts: _marker, ...rest } = saved;
    const bids: Remembered[] = [];
    for (const [name, value] of Object.entries(parts)) if (name.startsWith(PART_PREFIX) && Array.isArray(value)) bids.push(value as Remembered);
    bids.sort((x, y) => x[1] - y[1]);
    return { auction: { ...rest, recent: AgeOrderedMap.from(bids.map((r) => [r[0], r] as const)) }, whole: false };
  }
  const { recent, ...rest } = saved;
  return { auction: { ...rest, recent: AgeOrderedMap.from((recent ?? []).map((r) => [r[0], r] as const)) }, whole: true };
}
