import HashRing from 'hashring';

/**
 * The first of the two rings of DESIGN.md §1: which live node owns an
 * address. Every node builds it from the same membership view, so they all
 * agree; adding or removing a node moves only the addresses whose owner
 * changed (consistent hashing). The second ring, over a node's host threads,
 * is HashRingPlacement.
 */
export class NodeRing {
  private readonly ring: HashRing | undefined;
  private readonly only: string | undefined;
  private readonly cache = new Map<string, string>();
  private static readonly CACHE_MAX = 100_000;
  readonly nodes: readonly string[];

  constructor(
    nodes: readonly string[],
    /** Increases with every change of `nodes` (membership's ring epoch). */
    readonly epoch: number,
  ) {
    this.nodes = [...nodes].sort();
    if (this.nodes.length === 1) this.only = this.nodes[0];
    else if (this.nodes.length > 1) {
      const servers: Record<string, { weight: number }> = {};
      for (const n of this.nodes) servers[n] = { weight: 1 };
      this.ring = new HashRing(servers, 'md5');
    }
  }

  /** The owner, or undefined while no node is live. */
  ownerOf(address: string): string | undefined {
    if (this.only !== undefined || this.ring === undefined) return this.only;
    let owner = this.cache.get(address);
    if (owner === undefined) {
      owner = this.ring.get(address);
      if (this.cache.size >= NodeRing.CACHE_MAX) this.cache.clear();
      this.cache.set(address, owner);
    }
    return owner;
  }

  has(node: string): boolean {
    return this.nodes.includes(node);
  }
}
