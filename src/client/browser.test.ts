// The committed bundle in a real browser (Debian's chromium through
// playwright-core, as the admin page's test): loaded as an ES module from a
// page, it connects with the browser's own WebSocket, joins, receives an
// event published from Node, and reads navigator.connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startTestNode, token } from '../testkit/node.ts';
import { WS } from '../testkit/sdk-client.ts';
import { HaatClient } from './index.ts';
import { OUTFILE } from '../../scripts/build-client.ts';

const CHROMIUM = '/usr/bin/chromium';

test('the browser bundle works in chromium with the global WebSocket', { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const node = await startTestNode();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(node.http('/api/v1/realtime/health'));
    const bundle = await readFile(OUTFILE, 'utf8');
    await page.evaluate(async ({ src, url }) => {
      const m = await import(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      const w = window as unknown as { seen: unknown[]; hints: unknown; client: { connect(): void; on(n: string, f: (v: unknown) => void): void; join(c: string[]): Promise<unknown> } };
      w.seen = [];
      w.hints = m.networkHints();
      const c = new m.HaatClient({ url, device: 'web' });
      c.on('event', (e: unknown) => w.seen.push(e));
      c.connect();
      await c.join(['product:browser']);
      w.client = c;
    }, { src: bundle, url: node.url() });
    const pub = new HaatClient({ url: node.url(), token: await token({ sub: 'pub1', roles: ['publisher'] }), WebSocket: WS });
    pub.connect();
    await pub.publish('product:browser', 'product_price_change', { product_id: 'p1', new_price: 42 });
    await page.waitForFunction(() => (window as unknown as { seen: unknown[] }).seen.length >= 1, undefined, { timeout: 10_000 });
    const seen = (await page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)) as { offset: number; data: { new_price: number } }[];
    assert.deepEqual(seen.map((e) => [e.offset, e.data.new_price]), [[1, 42]]);
    const hints = (await page.evaluate(() => (window as unknown as { hints: unknown }).hints)) as { net?: string };
    assert.equal(typeof hints, 'object', 'networkHints() answers in chromium (navigator.connection exists there)');
    pub.close();
  } finally {
    await browser.close();
    await node.stop();
  }
});
