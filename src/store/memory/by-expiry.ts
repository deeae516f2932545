// Records by expires_at, earliest first (a binary min-heap), for the memory
// store's sweeps: a sweep reads the records whose time has come, not every
// record. A record deleted otherwise stays until its time (the owner skips it
// when it comes out) or until the owner rebuilds the heap without it.

export class ByExpiry<R extends { expires_at: number }> {
  items: R[] = [];

  push(r: R): void {
    const a = this.items;
    let i = a.length;
    a.push(r);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.expires_at <= r.expires_at) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = r;
  }

  peek(): R | undefined {
    return this.items[0];
  }

  pop(): R | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) this.siftDown(last, 0);
    return top;
  }

  /** Keeps only the records `keep` accepts. */
  rebuild(keep: (r: R) => boolean): void {
    this.items = this.items.filter(keep);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(this.items[i]!, i);
  }

  private siftDown(r: R, from: number): void {
    const a = this.items;
    const n = a.length;
    let i = from;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1]!.expires_at < a[c]!.expires_at) c++;
      if (a[c]!.expires_at >= r.expires_at) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = r;
  }
}
