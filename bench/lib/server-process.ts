// Runs a server under test as a child process and waits for the one line it
// prints when ready: {"listening":PORT}.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  pid: number;
  port: number;
  /** The last few KB of its output, for error messages. */
  outputTail(): string;
  /** Lines that matched `keep` (the last KEPT_LINES of them), whatever came after. */
  keptLines(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves with how it ended, e.g. "code 1" or "signal SIGKILL". */
  exited: Promise<string>;
}

export interface SpawnServerOptions {
  /** Arguments after the node binary, e.g. ['--import', 'tsx', 'server.ts']. */
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  startTimeoutMs?: number;
  /** Output lines worth keeping past the tail (e.g. membership events among thousands of warnings). */
  keep?: RegExp;
}

const TAIL_BYTES = 8192;
const KEPT_LINES = 20;

// A bench that exits (finished, failed or timed out) must not leave servers behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnServer(opts: SpawnServerOptions): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // Both streams: a server that dies at start-up may say why on either.
  let tail = '';
  const kept: string[] = [];
  const keepLine = (l: string): void => {
    if (!opts.keep?.test(l)) return;
    kept.push(l);
    if (kept.length > KEPT_LINES) kept.shift();
  };
  const keep = (d: string): void => {
    tail = (tail + d).slice(-TAIL_BYTES);
  };
  child.stderr!.setEncoding('utf8').on('data', keep);
  createInterface({ input: child.stderr! }).on('line', keepLine);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)));
  const stop = async (graceMs = 3000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timeoutMs = opts.startTimeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      void stop(0);
      reject(new Error(`server ${opts.args.join(' ')} did not print {"listening":PORT} within ${timeoutMs} ms; output: ${tail.trim()}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(`${line}\n`);
      keepLine(line);
      const m = /^\{"listening":(\d+)\}$/.exec(line.trim());
      if (!m) return;
      clearTimeout(timer);
      resolve({ pid: child.pid!, port: Number(m[1]), outputTail: () => tail, keptLines: () => [...kept], stop, exited });
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`server ${opts.args.join(' ')} exited (${how}) before listening; output: ${tail.trim()}`));
    });
  });
}
