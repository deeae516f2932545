// Node flags for a haat node's process, which config cannot set: V8 sizes
// the main thread's heap, and starts its garbage collector's helper threads,
// before any of our code runs. `npm start` gives them (package.json).
import { setFlagsFromString } from 'node:v8';

/**
 * `--max-semi-space-size=4`: the main thread's young generation is capped like
 * the host threads' (`heap.hostYoungGenerationMb`, 12 MB): V8's default lets
 * its semi-spaces grow to 16 MB each during a connect burst and keeps them
 * committed while the node is idle, and no trim gives them back. Measured with
 * 19,000 signed-in connections held 40 s: the main thread's heap was 97 MB
 * committed for 65 MB used by default, 64 MB for 58 MB with the cap, and the
 * process's RSS 204 MB against 177 MB. `npm run bench:inbound` at 10,000 and
 * 20,000 frames/s cost the same per frame with and without it (README "Memory
 * per connection").
 *
 * `--single-threaded-gc` (process-wide): every thread collects its own garbage,
 * without V8's helper threads. A node already keeps one busy thread per core
 * (the main thread and `cores - 1` host threads); helpers that scavenge, mark
 * and sweep beside them only take turns from those threads, and a request
 * waits for each turn its threads lose. On 2 cores, `npm run bench:inbound --
 * --rates=10000,20000` with and without it, alternated: p99 at 10,000 frames/s
 * 3.6-7.6 ms against 8.7-13.0 in five pairs of runs, the same CPU per frame
 * (bench/README.md, "Garbage collection without helper threads").
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--single-threaded-gc'];

/**
 * Unsets the main thread's young-generation cap for the worker threads created
 * from now on. V8 flags are process-wide, and this one overrides a worker's
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

/** Whether this process was started with every one of the flags (a `node` command line of its own, or NODE_OPTIONS). */
export function startedWithNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return NODE_FLAGS.every((f) => given.some((g) => g.split('=')[0] === f.split('=')[0]));
}
