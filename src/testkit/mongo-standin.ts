// Starts the MongoDB STAND-IN (mongo-standin.py: Debian's python3-mockupdb +
// python3-mongomock, run with /usr/bin/python3) on a free port for tests. It
// is a stand-in, not MongoDB: see the script's header for what it lacks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./mongo-standin.py', import.meta.url));
const START_TIMEOUT_MS = 10_000;

export interface MongoStandin {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Why the stand-in cannot run here (its Python packages are missing), or null when it can. */
export function standinMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import mockupdb, mongomock'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot run: ${r.error.message}`;
  if (r.status !== 0) return `the MongoDB stand-in needs Debian's python3-mockupdb and python3-mongomock (apt-get install -y python3-mockupdb python3-mongomock): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  return null;
}

function launch(port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(PYTHON, [SCRIPT, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`MongoDB stand-in on ${port} not listening within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const onData = (d: string): void => {
      out += d;
      if (!out.includes(`listening ${port}`)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve({ child, exited });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`MongoDB stand-in could not be spawned: ${err.message}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`MongoDB stand-in on ${port} exited before listening:\n${out}`));
    });
  });
}

/** Starts the stand-in on `port`, or on a free port when none is given. */
export async function startMongoStandin(opts: { port?: number } = {}): Promise<MongoStandin> {
  let lastErr: unknown;
  // The port is free when asked but someone may take it before Python binds: try a few.
  for (let attempt = 0; attempt < (opts.port === undefined ? 3 : 1); attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      const { child, exited } = await launch(port);
      const kill = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGKILL');
        await exited;
      };
      return { port, url: `mongodb://127.0.0.1:${port}/?directConnection=true`, kill, stop: kill };
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}
