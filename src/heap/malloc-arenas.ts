// The environment a haat node's process is started with, which nothing inside
// it can set later: glibc reads it before any of our code runs.
//
// glibc's malloc gives every thread that allocates while another holds an
// arena an arena of its own, up to 8 per core, and memory freed inside an
// arena mostly stays with the process. A node has many such threads: the
// host threads, V8's helpers, and libuv's pool, where every token check runs
// (jose verifies through WebCrypto, whose jobs run on that pool). Measured on
// one node, 19,000 signed-in connections made in about 13 s
// (`npx tsx`-run probe of README "Memory per connection"): RSS 20 s after the
// ramp was 183 and 190 MB by default, 166 and 168 MB with two arenas; a
// connect burst's native garbage no longer stays behind in the pool
// threads' arenas.
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Whether this process was started with MALLOC_ENV (any value counts: an operator may have chosen another). */
export function startedWithMallocEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.keys(MALLOC_ENV).every((k) => env[k] !== undefined && env[k] !== '');
}
