import HashRing from 'hashring';
import type { Placement } from './placement.ts';

/**
 * Consistent hashing over host thread indexes. Adding or removing a host
 * moves only the addresses whose owner changed; a replaced thread keeps its
 * index, so nothing moves when piscina restarts one.
 */
export class HashRingPlacement implements Placement<number> {
  private readonly ring: HashRing;
  private readonly cache = new Map<string, number>();
  private static readonly CACHE_MAX = 100_000;
  /** One host (the default on 2 cores): every address is its, no lookup per message. */
  private readonly single: boolean;

  constructor(hostCount: number) {
    if (!Number.isInteger(hostCount) || hostCount < 1) throw new RangeError(`hostCount must be >= 1, got ${hostCount}`);
    this.single = hostCount === 1;
    const servers: Record<string, { weight: number }> = {};
    for (let i = 0; i < hostCount; i++) servers[`h${i}`] = { weight: 1 };
    this.ring = new HashRing(servers, 'md5');
  }

  ownerOf(address: string): number {
    if (this.single) return 0;
    let owner = this.cache.get(address);
    if (owner === undefined) {
      owner = Number(this.ring.get(address).slice(1));
      // A bounded memo: the ring's md5 is the cost on the hot path.
      if (this.cache.size >= HashRingPlacement.CACHE_MAX) this.cache.clear();
      this.cache.set(address, owner);
    }
    return owner;
  }
}
