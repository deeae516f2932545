// Starts a worker thread on a TypeScript file. On Node 20 a worker's ESM
// loader does not inherit tsx's hooks from `tsx file.ts` or `--import tsx`,
// so the worker registers them itself before importing the file.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const TSX_ESM_API = import.meta.resolve('tsx/esm/api');

export function tsWorker(file: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const boot = `import(${JSON.stringify(TSX_ESM_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
