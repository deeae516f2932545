// Node flags for a haat node's process, which config cannot set: V8 sizes
// the main thread's heap before any of our code runs.
import { setFlagsFromString } from 'node:v8';

// The main thread's young generation is capped like the host threads'
// (`heap.hostYoungGenerationMb`, 12 MB): V8's default lets its semi-spaces
// grow to 16 MB each during a connect burst and keeps them committed while
// the node is idle, and no trim gives them back. Measured with 19,000
// signed-in connections held 40 s: the main thread's heap was 97 MB committed
// for 65 MB used by default, 64 MB for 58 MB with the cap, and the process's
// RSS 204 MB against 177 MB. `npm run bench:inbound` at 10,000 and 20,000
// frames/s cost the same per frame with and without it (README "Memory per
// connection").
export const MAIN_THREAD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * Unsets MAIN_THREAD_NODE_FLAGS for the worker threads created from now on.
 * V8 flags are process-wide, and this one overrides a worker's
 * resourceLimits: every host thread had 4 MB semi-spaces whatever
 * heap.hostYoungGenerationMb said (a 48 MB setting changed nothing:
 * `--trace-gc-nvp` counted 141 scavenges of the host thread in a 20,000
 * frames/s run, as at 12 MB; 41 once the flag was unset). The main thread's
 * heap was sized at start and keeps the cap; host threads are then sized by
 * that setting alone (V8's default when it is null).
 */
export function releaseMainThreadFlagsForWorkers(): void {
  setFlagsFromString('--max-semi-space-size=0');
}

/** Whether this process was started with the flags (a `node` command line of its own, or NODE_OPTIONS). */
export function startedWithMainThreadFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return MAIN_THREAD_NODE_FLAGS.every((f) => given.some((g) => g.split('=')[0] === f.split('=')[0]));
}
