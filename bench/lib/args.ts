// Tiny `--key=value` / `--flag` parser: benches take few flags and must say
// which ones are unknown rather than silently ignoring a typo.
export type Flags = Map<string, string>;

/** A bad command line: reported as a message, not a stack trace. */
export class UsageError extends Error {}

export function parseFlags(argv: readonly string[], known: readonly string[]): Flags {
  const flags: Flags = new Map();
  for (const arg of argv) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (flags look like --name=value)`);
    const name = m[1]!;
    if (!known.includes(name)) throw new UsageError(`unknown flag --${name}; known: ${known.map((k) => `--${k}`).join(' ')}`);
    flags.set(name, m[2] ?? 'true');
  }
  return flags;
}

/** The flags of a bench's command line; undefined after printing `usage` for --help (the bench then just returns). */
export function benchFlags(known: readonly string[], usage: string): Flags | undefined {
  const flags = parseFlags(process.argv.slice(2), known);
  if (!flags.has('help')) return flags;
  process.stdout.write(`${usage}\n`);
  return undefined;
}

export function intFlag(flags: Flags, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function numberFlag(flags: Flags, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

export function listFlag(flags: Flags, name: string, fallback: readonly string[]): string[] {
  const raw = flags.get(name);
  if (raw === undefined) return [...fallback];
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function intListFlag(flags: Flags, name: string, fallback: readonly number[]): number[] {
  return listFlag(flags, name, fallback.map(String)).map((s) => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--${name} takes comma-separated integers, got ${JSON.stringify(s)}`);
    return Number(s);
  });
}

/** The usage lines of --arrivals, the same in every bench that takes it. */
export const ARRIVALS_USAGE = `  --arrivals=spread         spread: each connection sends at its own offset in its period, checked every ms
                             (requests arrive evenly); aligned: all connections send together every 1000/rate ms
                             (a burst of one frame per connection; the only schedule before this flag)`;

/** --arrivals: how a fixed rate's frames arrive (SendPattern.arrivals); `fallback` when not given. */
export function arrivalsFlag(flags: Flags, fallback: 'aligned' | 'spread'): 'aligned' | 'spread' {
  const raw = flags.get('arrivals') ?? fallback;
  if (raw !== 'aligned' && raw !== 'spread') throw new UsageError(`--arrivals must be spread or aligned, got ${JSON.stringify(raw)}`);
  return raw;
}

/** Runs a bench's main: a UsageError prints the usage and exits 2, any other failure its stack and exits 1. */
export function runBench(name: string, usage: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${name}: ${err.message}\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name}: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
