// Shared pieces of the session benches (scale, inbound, storm, soak): starting
// the servers, fitting N into the open-file limits, machine description, the
// whole-run deadline.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openFileLimits } from './proc-stats.ts';
import { progress } from './progress.ts';
import { spawnServer, type ServerProcess } from './server-process.ts';
import { BENCH_JWT_SECRET, haatNodeArgs, haatNodeEnv } from './targets.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASELINES = fileURLToPath(new URL('../baselines/', import.meta.url));

/** Descriptors a server needs beyond its client sockets (listen socket, threads, pipes, epoll, logs). */
export const SERVER_FD_MARGIN = 1000;

export { BENCH_JWT_SECRET };

export function startHaat(): Promise<ServerProcess> {
  return spawnServer({
    args: haatNodeArgs(),
    cwd: ROOT,
    env: haatNodeEnv({ PORT: '0', HAAT_WORKERS: '1', LOG_LEVEL: 'warn', HAAT_JWT_SECRET: BENCH_JWT_SECRET }),
  });
}

/** bench/baselines/<name>.ts */
export function startBaseline(name: string): Promise<ServerProcess> {
  return spawnServer({ args: ['--import', 'tsx', `${BASELINES}${name}.ts`], cwd: ROOT, env: { PORT: '0' } });
}

export interface FdFit {
  requested: number;
  connections: number;
  capped: boolean;
  serverSoftLimit: number;
  serverHardLimit: number;
  /** `ulimit -n` the server (and each client process) needs for `requested`. */
  neededUlimit: number;
  note: string | undefined;
}

/**
 * Fits `requested` connections (plus `extra` non-counted ones, e.g. publishers)
 * into the server's own open-file limit, read from /proc/<pid>/limits.
 */
export function fitToServerLimit(pid: number, requested: number, extra = 0): FdFit {
  const lim = openFileLimits(pid);
  const cap = Math.max(0, lim.soft - SERVER_FD_MARGIN - extra);
  const neededUlimit = requested + extra + SERVER_FD_MARGIN;
  const capped = requested > cap;
  const connections = Math.min(requested, cap);
  let note: string | undefined;
  if (capped) {
    const hard = neededUlimit > lim.hard ? ` (the hard limit is ${lim.hard}: raise it first, e.g. in /etc/security/limits.conf or systemd LimitNOFILE, as root)` : '';
    note = `N capped from ${requested} to ${connections} by the server's open-file limit (soft ${lim.soft}, hard ${lim.hard}): run \`ulimit -n ${neededUlimit}\` in the shell that starts the bench for N = ${requested}${hard}`;
    progress('fd-limit', note);
  }
  return { requested, connections, capped, serverSoftLimit: lim.soft, serverHardLimit: lim.hard, neededUlimit, note };
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, src at ${srcVersion()}`;
}

/** The last commit that touched src/, "+dirty" when src/ has uncommitted changes: src/ changes under the benches. */
export function srcVersion(): string {
  try {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const commit = execFileSync('git', ['log', '-1', '--format=%h', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return `${commit}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function commandLine(script: string): string {
  const args = process.argv.slice(2).join(' ');
  return args ? `npm run ${script} -- ${args}` : `npm run ${script}`;
}

/** The backstop: exit 2 after `seconds` whatever happens (children are killed on exit). */
export function deadline(tag: string, seconds: number): void {
  setTimeout(() => {
    progress(tag, `deadline of ${seconds} s passed; stopping`);
    process.exit(2);
  }, seconds * 1000).unref();
}

/** Throws if the server process has exited. */
export function watchServer(server: ServerProcess): () => void {
  let ended: string | undefined;
  void server.exited.then((how) => (ended = how));
  return () => {
    if (ended !== undefined) throw new Error(`server exited (${ended}); output: ${server.outputTail().trim().slice(-800)}`);
  };
}

export const mb = (bytes: number | undefined): string => (bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1));
