import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode } from '../testkit/node.ts';

test('GET /admin serves the page, its script and uPlot from node_modules, with a same-origin CSP; nothing else under /admin', async () => {
  const node = await startTestNode();
  try {
    const page = await fetch(node.http('/admin'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    assert.match(await page.text(), /<script src="\/admin\/uplot.js" defer><\/script>/);
    for (const [path, type, marker] of [
      ['/admin/admin.js', /^text\/javascript/, /admin:stats/],
      ['/admin/uplot.js', /^text\/javascript/, /uPlot/],
      ['/admin/uplot.css', /^text\/css/, /\.uplot/],
      ['/admin/admin.css', /^text\/css/, /\.cards/],
    ] as const) {
      const res = await fetch(node.http(path));
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      assert.match(await res.text(), marker, path);
    }
    const slash = await fetch(node.http('/admin/'), { redirect: 'manual' });
    assert.equal(slash.status, 301);
    assert.equal(slash.headers.get('location'), '/admin');
    const other = await fetch(node.http('/admin/../package.json'));
    assert.notEqual(other.status, 200);
    const unknown = await fetch(node.http('/admin/secrets.json'));
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'not_found');
  } finally {
    await node.stop();
  }
});
