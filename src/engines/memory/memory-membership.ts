// Membership inside one process, on an injected clock. The memory engine runs
// one node, which heartbeats itself (alive, epoch 1 after its first beat); the
// rules are those of the redis engine's script so the shared suite holds for
// both: forget after forgetMs, alive within deadMs, the epoch moves whenever
// the live set changes.
import type { MemberInfo, MembershipEngine, MembershipView } from '../membership.ts';
import type { Clock } from '../../time/clock.ts';

export class MemoryMembership implements MembershipEngine {
  private readonly members = new Map<string, MemberInfo>();
  private liveSet = '';
  private epoch = 0;

  constructor(
    private readonly clock: Clock,
    private readonly forgetMs = 600_000,
  ) {}

  async heartbeat(info: Omit<MemberInfo, 'heartbeatAt'>, deadMs: number): Promise<MembershipView> {
    const now = this.clock.now();
    this.members.set(info.id, { ...info, heartbeatAt: now });
    return this.viewAt(now, deadMs);
  }

  async view(deadMs: number): Promise<MembershipView> {
    return this.viewAt(this.clock.now(), deadMs);
  }

  async leave(id: string, deadMs: number): Promise<MembershipView> {
    this.members.delete(id);
    return this.viewAt(this.clock.now(), deadMs);
  }

  private viewAt(now: number, deadMs: number): MembershipView {
    const members: MemberInfo[] = [];
    const alive: string[] = [];
    for (const [id, m] of this.members) {
      const age = now - m.heartbeatAt;
      if (age > this.forgetMs) {
        this.members.delete(id);
        continue;
      }
      members.push({ ...m });
      if (age <= deadMs) alive.push(id);
    }
    alive.sort();
    members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const set = alive.join('\n');
    if (set !== this.liveSet) {
      this.liveSet = set;
      this.epoch++;
    }
    return { members, alive, ringEpoch: this.epoch, now };
  }
}
