// Rosters in one process (sets in a map).
import type { RosterEngine } from '../rosters.ts';

export class MemoryRosters implements RosterEngine {
  private readonly sets = new Map<string, Set<string>>();

  async add(roster: string, member: string): Promise<void> {
    let s = this.sets.get(roster);
    if (!s) this.sets.set(roster, (s = new Set()));
    s.add(member);
  }

  async remove(roster: string, member: string): Promise<void> {
    const s = this.sets.get(roster);
    if (!s) return;
    s.delete(member);
    if (s.size === 0) this.sets.delete(roster);
  }

  async members(roster: string): Promise<string[]> {
    return [...(this.sets.get(roster) ?? [])];
  }

  async drop(roster: string): Promise<void> {
    this.sets.delete(roster);
  }
}
