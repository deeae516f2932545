// Wall-clock milliseconds with sub-millisecond resolution that agree across
// threads and processes on one machine (each has its own timeOrigin).
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
