// Starts a real haat node as a child process (as `npm start` would) on port 0
// and waits for its {"listening":PORT} line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { NODE_FLAGS } from '../heap/node-flags.ts';
import { MALLOC_ENV } from '../heap/malloc-arenas.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  /** Resolves once stderr (the log) has matched `pattern`. */
  waitForLog: (pattern: RegExp) => Promise<void>;
  exited: Promise<number | null>;
}

export interface ExitedEarly {
  code: number | null;
  stderr: string;
}

/** Resolves with the running node, or rejects with {code, stderr} if it exits first. */
export function spawnNode(env: Record<string, string> = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...MALLOC_ENV, PORT: '0', HAAT_WORKERS: '1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const waitForLog = (pattern: RegExp): Promise<void> =>
    new Promise((resolve) => {
      if (pattern.test(err)) return resolve();
      const onData = (): void => {
        if (!pattern.test(err)) return;
        child.stderr!.off('data', onData);
        resolve();
      };
      child.stderr!.on('data', onData);
    });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^\{"listening":(\d+)\}$/.exec(line);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => err, waitForLog, exited });
    });
    void exited.then((code) => reject(Object.assign(new Error(`node exited with ${code}: ${err}`), { code, stderr: err } satisfies ExitedEarly)));
  });
}
