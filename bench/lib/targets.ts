// The servers a bench can run against, each started as its own child process
// so that its CPU and memory can be read from /proc.
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { UsageError } from './args.ts';
import { spawnServer, type ServerProcess } from './server-process.ts';
import { NODE_FLAGS } from '../../src/heap/node-flags.ts';
import { MALLOC_ENV } from '../../src/heap/malloc-arenas.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASELINES = fileURLToPath(new URL('../baselines/', import.meta.url));

/** The secret the bench gives haat, so that it can sign publisher tokens. */
export const BENCH_JWT_SECRET = 'bench-secret';

export interface Target {
  name: string;
  label: string;
  /** Name of the wire protocol in protocols/index.ts. */
  protocol: string;
  start(): Promise<ServerProcess>;
  /** A token for publisher connections, when the server wants one. */
  publisherToken(): Promise<string | undefined>;
}

/**
 * A haat node's command line after the node binary, from the repository root:
 * the flags `npm start` gives, then src/main.ts. BENCH_NODE_ARGS adds node
 * flags to every haat node a bench starts (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof"; node refuses --cpu-prof in NODE_OPTIONS).
 */
export function haatNodeArgs(extraFlags: readonly string[] = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)): string[] {
  return [...NODE_FLAGS, ...extraFlags, '--import', 'tsx', 'src/main.ts'];
}

/** A haat node's environment (on top of the bench's own): what `npm start` sets, then `env`. */
export function haatNodeEnv(env: Record<string, string>): Record<string, string> {
  return { ...MALLOC_ENV, ...env };
}

export const TARGETS: Readonly<Record<string, Target>> = {
  haat: {
    name: 'haat',
    label: 'haat',
    protocol: 'haat',
    start: () =>
      spawnServer({
        args: haatNodeArgs(),
        cwd: ROOT,
        env: haatNodeEnv({ PORT: '0', HAAT_WORKERS: '1', LOG_LEVEL: 'warn', HAAT_JWT_SECRET: BENCH_JWT_SECRET }),
      }),
    publisherToken: () =>
      new SignJWT({ roles: ['publisher'] })
        .setSubject('bench-publisher')
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(BENCH_JWT_SECRET)),
  },
  uws: {
    name: 'uws',
    label: 'raw uWS topic',
    protocol: 'uws',
    start: () => spawnServer({ args: ['--import', 'tsx', `${BASELINES}uws-topic-server.ts`], cwd: ROOT, env: { PORT: '0' } }),
    publisherToken: async () => undefined,
  },
  socketio: {
    name: 'socketio',
    label: 'Socket.IO room',
    protocol: 'socketio',
    start: () => spawnServer({ args: ['--import', 'tsx', `${BASELINES}socketio-room-server.ts`], cwd: ROOT, env: { PORT: '0' } }),
    publisherToken: async () => undefined,
  },
};

export function targetByName(name: string): Target {
  const t = TARGETS[name];
  if (!t) throw new UsageError(`unknown target ${JSON.stringify(name)}; known: ${Object.keys(TARGETS).join(', ')}`);
  return t;
}
