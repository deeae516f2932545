// Items in the order they were added, paged by position: the admin listings
// (connections, channels) hand out a cursor that is the position of the next
// item, and a page starts there by a binary search instead of copying every
// item to an array and slicing it. Positions only grow: an item removed leaves
// the ones after it where they were (no page repeats or skips one because
// another went), and an item added again goes to the end.
import { partitionPoint } from '../sorted-search.ts';

export class PagedOrder<T> {
  /** Each live item's position. */
  private readonly at = new Map<T, number>();
  /** Items and their positions, in order; an entry whose item was removed (or added again since) is stale. */
  private items: T[] = [];
  private positions: number[] = [];
  private next = 0;

  get size(): number {
    return this.at.size;
  }

  /** Puts `item` at the end (nothing when it is there). */
  add(item: T): void {
    if (this.at.has(item)) return;
    const pos = this.next++;
    this.at.set(item, pos);
    this.items.push(item);
    this.positions.push(pos);
  }

  delete(item: T): void {
    if (!this.at.delete(item)) return;
    // Stale entries are dropped once they outnumber the live ones: constant on average per delete.
    if (this.items.length > 2 * this.at.size + 1024) this.compact();
  }

  /** At most `limit` items from position `from` on, and the position of the next one (null: none). */
  page(from: number, limit: number): { items: T[]; next: number | null } {
    const out: T[] = [];
    let i = partitionPoint(this.positions, (p) => p < from);
    for (; i < this.items.length; i++) {
      if (!this.live(i)) continue;
      if (out.length === limit) return { items: out, next: this.positions[i]! };
      out.push(this.items[i]!);
    }
    return { items: out, next: null };
  }

  private live(i: number): boolean {
    return this.at.get(this.items[i]!) === this.positions[i];
  }

  private compact(): void {
    const items: T[] = [];
    const positions: number[] = [];
    for (let i = 0; i < this.items.length; i++) {
      if (!this.live(i)) continue;
      items.push(this.items[i]!);
      positions.push(this.positions[i]!);
    }
    this.items = items;
    this.positions = positions;
  }
}
