// Whether the main thread is doing work, for the beat thread
// (src/cluster/heartbeat-thread.ts). The main thread bumps a shared counter on
// its busiest paths (each client frame, each batch of answers from the host
// threads); a main thread that keeps moving the counter is busy, not hung,
// even while a flood of callbacks starves its timers for many seconds (seen:
// 15 to 20 s in a race of 100,000 buyers on six nodes sharing two cores).
const counter = new Int32Array(new SharedArrayBuffer(4));

/** One atomic increment: cheap enough for every frame. */
export function markAlive(): void {
  Atomics.add(counter, 0, 1);
}

/** The counter's memory, for the thread that watches it. */
export function livenessBuffer(): SharedArrayBuffer {
  return counter.buffer as SharedArrayBuffer;
}
