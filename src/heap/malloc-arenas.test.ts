import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MALLOC_ENV, startedWithMallocEnv } from './malloc-arenas.ts';
import { NODE_FLAGS } from './node-flags.ts';

test('the malloc environment is found whatever value an operator gave it; unset or empty is not', () => {
  assert.equal(startedWithMallocEnv({ ...MALLOC_ENV }), true);
  assert.equal(startedWithMallocEnv({ MALLOC_ARENA_MAX: '4' }), true);
  assert.equal(startedWithMallocEnv({}), false);
  assert.equal(startedWithMallocEnv({ MALLOC_ARENA_MAX: '' }), false);
});

test('npm start gives the node both the malloc environment and the main-thread flags', () => {
  const start = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  for (const [k, v] of Object.entries(MALLOC_ENV)) assert.match(start, new RegExp(`(^|\\s)${k}=${v}\\s`), `${k}=${v} in: ${start}`);
  for (const f of NODE_FLAGS) assert.ok(start.split(/\s+/).includes(f), `${f} in: ${start}`);
});
