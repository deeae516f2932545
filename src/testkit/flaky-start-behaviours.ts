// A behaviour module that kills its host thread while the thread is loading
// it, as many times as a counter file says (the file is named by the host
// config's `dieFile`). Threads share no memory, so the count lives on disk:
// a test arms it after start(), then terminates a host, and each replacement
// thread decrements it and dies before it is ready, until it reads 0.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Behaviour } from '../actors/behaviour.ts';
import { behaviours } from './actor-behaviours.ts';

export function createBehaviours(config: unknown): readonly Behaviour<any, any, any>[] {
  const file = (config as { dieFile?: unknown } | null)?.dieFile;
  if (typeof file !== 'string') throw new Error('flaky-start-behaviours needs the host config `dieFile`');
  const left = Number(readFileSync(file, 'utf8'));
  if (left > 0) {
    writeFileSync(file, String(left - 1));
    process.exit(1);
  }
  return behaviours;
}
