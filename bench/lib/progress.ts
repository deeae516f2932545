// Progress goes to stderr so that stdout carries only results.
export function progress(tag: string, message: string): void {
  process.stderr.write(`[${tag}] ${message}\n`);
}

/** Calls `report` at most once per `everyMs` while something is in progress. */
export function throttled(everyMs: number, report: () => void): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    report();
  };
}
