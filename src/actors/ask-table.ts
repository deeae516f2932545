// The asks of the main thread waiting for their answer, by ask id. Ids are
// handed out in order and most asks are answered within a few ms, so an id's
// slot is `id & mask` in power-of-two arrays: no Map entry, no hashing and no
// object per ask on the request path. An add whose slot still holds an older
// ask (more asks outstanding than slots) doubles the arrays.
import type { AnswerCallback } from './system.ts';

const INITIAL_SLOTS = 4096;

export class AskTable {
  private ids = new Float64Array(INITIAL_SLOTS);
  private dones: (AnswerCallback<unknown> | undefined)[] = new Array<AnswerCallback<unknown> | undefined>(INITIAL_SLOTS).fill(undefined);
  private addresses: string[] = new Array<string>(INITIAL_SLOTS).fill('');
  private hosts = new Int32Array(INITIAL_SLOTS);
  private timeouts = new Float64Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** `id` must be new (ids only grow) and positive. */
  add(id: number, done: AnswerCallback<unknown>, host: number, address: string, timeoutMs: number): void {
    while (this.dones[id & this.mask] !== undefined) this.grow();
    const at = id & this.mask;
    this.ids[at] = id;
    this.dones[at] = done;
    this.hosts[at] = host;
    this.addresses[at] = address;
    this.timeouts[at] = timeoutMs;
    this.count++;
  }

  has(id: number): boolean {
    const at = id & this.mask;
    return this.ids[at] === id && this.dones[at] !== undefined;
  }

  /** The callback of a pending ask, removing it; undefined when it was answered or timed out already. */
  take(id: number): AnswerCallback<unknown> | undefined {
    const at = id & this.mask;
    const done = this.dones[at];
    if (done === undefined || this.ids[at] !== id) return undefined;
    this.dones[at] = undefined;
    this.addresses[at] = '';
    this.count--;
    return done;
  }

  /** Address and timeout of a pending ask (for its timeout message). */
  describe(id: number): { address: string; timeoutMs: number } | undefined {
    const at = id & this.mask;
    if (this.dones[at] === undefined || this.ids[at] !== id) return undefined;
    return { address: this.addresses[at]!, timeoutMs: this.timeouts[at]! };
  }

  /** -1: handed off; no host's death fails it any more. */
  setHost(id: number, host: number): void {
    const at = id & this.mask;
    if (this.dones[at] !== undefined && this.ids[at] === id) this.hosts[at] = host;
  }

  /** Ids of the pending asks held by `host` (every pending ask when host is undefined). */
  idsOf(host?: number): number[] {
    const out: number[] = [];
    for (let at = 0; at <= this.mask; at++) {
      if (this.dones[at] !== undefined && (host === undefined || this.hosts[at] === host)) out.push(this.ids[at]!);
    }
    return out;
  }

  private grow(): void {
    const old = { ids: this.ids, dones: this.dones, addresses: this.addresses, hosts: this.hosts, timeouts: this.timeouts };
    const n = (this.mask + 1) * 2;
    this.ids = new Float64Array(n);
    this.dones = new Array<AnswerCallback<unknown> | undefined>(n).fill(undefined);
    this.addresses = new Array<string>(n).fill('');
    this.hosts = new Int32Array(n);
    this.timeouts = new Float64Array(n);
    this.mask = n - 1;
    for (let from = 0; from < old.dones.length; from++) {
      if (old.dones[from] === undefined) continue;
      const id = old.ids[from]!;
      const at = id & this.mask;
      this.ids[at] = id;
      this.dones[at] = old.dones[from];
      this.hosts[at] = old.hosts[from]!;
      this.addresses[at] = old.addresses[from]!;
      this.timeouts[at] = old.timeouts[from]!;
    }
  }
}
