// The committed browser bundle is what `npm run build:client` makes of the
// sources now: a change to src/client without a rebuild fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { bundleText, OUTFILE } from '../../scripts/build-client.ts';

test('src/client/dist/haat-client.js is fresh (npm run build:client), small, and exports the API', { timeout: 60_000 }, async (t) => {
  const built = await bundleText();
  const committed = await readFile(OUTFILE, 'utf8').catch(() => '');
  assert.ok(committed === built, 'src/client/dist/haat-client.js is stale: run `npm run build:client` and commit it');
  const gz = gzipSync(built, { level: 9 }).length;
  t.diagnostic(`bundle: ${Buffer.byteLength(built)} bytes, ${gz} gzipped`);
  assert.ok(gz < 10_000, `the bundle gzips to ${gz} bytes`);
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(built).toString('base64')}`)) as Record<string, unknown>;
  for (const name of ['HaatClient', 'HaatError', 'networkHints']) assert.equal(typeof mod[name], 'function', name);
});
