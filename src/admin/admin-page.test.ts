// The admin page in a real browser (Debian's chromium through playwright-core):
// while a few clients publish, bid, reserve and listen, an admin opens
// /admin#token=JWT and the page's numbers and charts move with what the node
// publishes on admin:stats, the shopping numbers with the listeners' presence
// reports (a product page, the cart, the checkout); a non-admin token typed
// into the page is refused.
// Leaves a screenshot at bench/results/admin.png (shown in the README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import { isoIn, restClient } from '../testkit/commerce.ts';
import type { TestClient } from '../testkit/ws-client.ts';
import { quantileOf } from '../metrics/latency-histogram.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = new URL('../../bench/results/', import.meta.url);
/** The pages the four listeners report (rangpur on a product, sylhet in the cart, dhaka at the checkout, chattogram on a product). */
const PAGES = ['/p/p1', '/cart', '/checkout', '/p/p1'];

interface PageView {
  snapshots: number;
  status: string;
  points: number;
  connections: number;
  msgOut: number[];
  p99: (number | null)[];
  bwOut: number[];
  nets: Record<string, number>;
  stackTop: number;
  outText: string;
  /** The shopping chart's series (views, cart, checkout per second) and the summed analytics. */
  shop: (number | null)[][];
  shoppersNow: Record<string, number>;
  rangpur: { connections: number; shoppers: Record<string, number> } | null;
  deliveryP99: string;
  budget: string;
  dropRate: string;
}

/** What the page shows now: its counters (raw values behind the localized text) and the charts' data arrays. */
function view(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    type Dim = { connections: number; shoppers: Record<string, number> };
    const w = window as unknown as {
      haatAdmin: {
        state: { snapshots: number; status: string };
        charts: Record<string, { data: (number | null)[][] }>;
        series: { nets: number[][] };
        aggregate(): { an: { shopping: { now: Record<string, number> }; by_division: Record<string, Dim> } | null };
      };
    };
    const a = w.haatAdmin;
    const nets = ['2g', '3g', '4g', 'wifi', 'unknown'];
    // The networks chart is stacked (its top line is the total): the page keeps the counts per network beside it.
    const netData = a.series.nets;
    const last = netData[0]!.length - 1;
    return {
      snapshots: a.state.snapshots,
      status: a.state.status,
      points: a.charts.messages!.data[0]!.length,
      connections: Number(document.getElementById('v-connections')!.dataset.raw),
      msgOut: a.charts.messages!.data[2]! as number[],
      p99: a.charts.latency!.data[2]!,
      bwOut: a.charts.bandwidth!.data[2]! as number[],
      nets: Object.fromEntries(nets.map((n, i) => [n, netData[i]![last] ?? 0])),
      stackTop: (a.charts.networks!.data[1]![a.charts.networks!.data[1]!.length - 1] ?? 0) as number,
      outText: document.getElementById('v-out')!.textContent ?? '',
      shop: a.charts.shopping!.data.slice(1),
      shoppersNow: a.aggregate().an?.shopping.now ?? {},
      rangpur: a.aggregate().an?.by_division.rangpur ?? null,
      deliveryP99: document.getElementById('v-delivery')!.dataset.raw ?? '',
      budget: document.getElementById('v-budget')!.textContent ?? '',
      dropRate: document.getElementById('v-droprate')!.dataset.raw ?? '',
    };
  });
}

test('the admin page goes live over the WebSocket while load runs, draws its charts, speaks Bengali, and refuses a non-admin token', { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const node: TestNode = await startTestNode();
  const clients: TestClient[] = [];
  let browser: Browser | undefined;
  let load: NodeJS.Timeout | undefined;
  try {
    const rest = restClient(node.http);
    const publisherToken = await token({ sub: 'ops-pub', roles: ['publisher'] });
    const adminToken = await token({ sub: 'ops-admin', roles: ['admin'] });
    const customerToken = await token({ sub: 'shopper-1', roles: ['customer'] });
    const auction = await rest.post('auctions', { id: 'a-admin', product_id: 'p1', starting_price: 1000, min_increment: 10, starts_at: isoIn(-1000), ends_at: isoIn(3_600_000) }, publisherToken);
    assert.equal(auction.status, 201, JSON.stringify(auction.body));
    const sale = await rest.post('sales', { id: 's-admin', starts_at: isoIn(-1000), ends_at: isoIn(3_600_000), per_user_limit: 1000, hold_s: 600, skus: [{ sku: 'phone', stock: 100_000 }] }, publisherToken);
    assert.equal(sale.status, 201, JSON.stringify(sale.body));

    // Listeners on three kinds of network, a bidder, a buyer and a publisher.
    const hints = [
      { net: '2g', carrier: 'teletalk', device: 'android', division: 'rangpur' },
      { net: '3g', carrier: 'robi', device: 'android', division: 'sylhet' },
      { net: '4g', carrier: 'grameenphone', device: 'ios', division: 'dhaka' },
      { net: '4g', carrier: 'banglalink', device: 'web', division: 'chattogram' },
    ];
    for (const [i, h] of hints.entries()) {
      const c = await node.connect({ token: await token({ sub: `listener-${i}`, roles: ['customer'] }), ...h });
      clients.push(c);
      const joined = await c.request({ type: 'join_channel', channels: ['product:p1', 'auction:a-admin', 'sale:s-admin'] });
      assert.equal(joined.type, 'channels_joined');
    }
    const publisher = await node.connect({ token: publisherToken, device: 'web' });
    const bidder = await node.connect({ token: await token({ sub: 'bidder-1', roles: ['customer'] }), net: 'wifi', carrier: 'other', device: 'android' });
    const buyer = await node.connect({ token: await token({ sub: 'buyer-1', roles: ['customer'] }), net: 'wifi', device: 'ios', division: 'khulna' });
    clients.push(publisher, bidder, buyer);
    let price = 1000;
    let tick = 0;
    const loadErrors: string[] = [];
    const fail = (err: unknown): void => void loadErrors.push((err as Error).message);
    load = setInterval(() => {
      tick++;
      void publisher.request({ type: 'broadcast_event', channel: 'product:p1', event_type: 'product_price_change', data: { product_id: 'p1', new_price: 1500 - (tick % 100) } }).catch(fail);
      if (tick % 4 === 0) void bidder.request({ type: 'bid', auction_id: 'a-admin', amount: (price += 10) }).catch(fail);
      if (tick % 8 === 0) void buyer.request({ type: 'reserve', sale_id: 's-admin', sku: 'phone', qty: 1 }).catch(fail);
      // Shoppers' presence reports: on a product page and in the cart five a second each, at the checkout half as often.
      if (tick % 8 === 4) {
        for (const [i, c] of clients.slice(0, 4).entries()) {
          if (PAGES[i] !== '/checkout' || tick % 16 === 4) void c.request({ type: 'presence', status: 'online', current_page: PAGES[i]! }).catch(fail);
        }
      }
    }, 25);

    // A bad token at the upgrade: a security event the page lists.
    await assert.rejects(node.connect({ token: 'not-a-jwt' }), /401/);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });

    // A customer's token typed into the page: refused, and the dashboard stays hidden.
    const refusedPage = await context.newPage();
    await refusedPage.goto(node.http('/admin'));
    await refusedPage.fill('#token', customerToken);
    await refusedPage.click('button[type=submit]');
    await refusedPage.waitForSelector('#refused:not([hidden])', { timeout: 10_000 });
    assert.equal(await refusedPage.getAttribute('#refused', 'data-code'), 'forbidden');
    assert.match((await refusedPage.textContent('#refused')) ?? '', /403/);
    assert.equal(await refusedPage.isHidden('#dash'), true);
    await refusedPage.close();

    // The admin, by fragment: live, then the numbers move.
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(node.http(`/admin#token=${adminToken}`));
    assert.equal(await page.evaluate(() => location.hash), '', 'the token is taken out of the address bar');
    assert.equal(await page.evaluate(() => typeof (window as unknown as { uPlot?: unknown }).uPlot), 'function', 'uPlot is served from node_modules');
    await page.waitForFunction(() => (window as unknown as { haatAdmin: { state: { snapshots: number; status: string } } }).haatAdmin.state.snapshots >= 2, undefined, { timeout: 15_000 });
    const first = await view(page);
    assert.equal(first.status, 'live');
    // Four listeners, the publisher, bidder, buyer and this page.
    assert.equal(first.connections, 8);
    assert.deepEqual(first.nets, { '2g': 1, '3g': 1, '4g': 2, wifi: 2, unknown: 2 });
    assert.equal(first.stackTop, 8, 'the stacked chart tops out at every connection');
    await page.waitForFunction((n) => (window as unknown as { haatAdmin: { state: { snapshots: number } } }).haatAdmin.state.snapshots >= n + 3, first.snapshots, { timeout: 15_000 });
    const later = await view(page);
    assert.ok(later.points > first.points, `the charts grew (${first.points} -> ${later.points} points)`);
    assert.ok(later.msgOut.filter((v) => v > 0).length >= 3, `messages out per second drawn: ${JSON.stringify(later.msgOut)}`);
    assert.ok(later.bwOut.filter((v) => v > 0).length >= 3, `bandwidth out drawn: ${JSON.stringify(later.bwOut)}`);
    assert.ok(later.p99.filter((v) => v !== null && v > 0).length >= 3, `fan-out p99 drawn: ${JSON.stringify(later.p99)}`);
    assert.notEqual(later.outText, '–');
    // Shopping: every stage drawn per second, the shoppers where their last report put them, per division.
    for (const [i, stage] of ['views', 'cart', 'checkout'].entries()) {
      assert.ok(later.shop[i]!.filter((v) => v !== null && v > 0).length >= 3, `${stage} per second drawn: ${JSON.stringify(later.shop[i])}`);
    }
    assert.deepEqual(later.shoppersNow, { product_view: 2, cart: 1, checkout: 1 });
    assert.deepEqual(later.rangpur, { ...later.rangpur!, connections: 1, shoppers: { product_view: 1, cart: 0, checkout: 0 } });
    assert.ok(Number(await page.getAttribute('#v-views', 'data-raw')) > 0, 'product views per second on its card');
    const shoppingTable = (await page.textContent('#t-shopping')) ?? '';
    assert.match(shoppingTable, /Product views.*Carts.*Checkouts/);
    // Delivery latency against its budget, and the drop rate (no frame is dropped here).
    assert.ok(Number.isFinite(Number(later.deliveryP99)) && later.deliveryP99 !== '', `delivery p99 shown: ${later.deliveryP99}`);
    assert.match(later.budget, /budget 100 ms/);
    assert.equal(Number(later.dropRate), 0);
    // The auction and the sale under load, read from their actors.
    const auctionRow = await page.textContent('#t-auctions');
    assert.match(auctionRow ?? '', /a-admin/);
    const saleRow = await page.textContent('#t-sales');
    assert.match(saleRow ?? '', /s-admin/);
    const bidsPerSecond = Number(await page.getAttribute('#v-bids', 'data-raw'));
    assert.ok(bidsPerSecond > 0, `bids/s ${bidsPerSecond}`);
    assert.match((await page.textContent('#t-nodes')) ?? '', /n-test/);
    assert.match((await page.textContent('#t-carrier')) ?? '', /grameenphone/);
    assert.match((await page.textContent('#t-division')) ?? '', /rangpur/);
    assert.match((await page.textContent('#t-net')) ?? '', /3G/);
    assert.match((await page.textContent('#t-security')) ?? '', /bad_token/);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL('admin.png', SCREENSHOT_DIR).pathname, fullPage: true });

    // Bengali: captions and digits switch; the live feed goes on.
    await page.click('#lang');
    assert.equal(await page.textContent('.charts figure:first-child figcaption'), 'প্রতি সেকেন্ডে বার্তা');
    const before = (await view(page)).snapshots;
    await page.waitForFunction((n) => (window as unknown as { haatAdmin: { state: { snapshots: number } } }).haatAdmin.state.snapshots > n, before, { timeout: 10_000 });
    assert.match((await page.textContent('#v-connections')) ?? '', /^[০-৯]+$/);
    assert.match((await page.textContent('#t-division')) ?? '', /রংপুর/);
    assert.match((await page.textContent('#t-shopping')) ?? '', /চেকআউট/);
    await page.screenshot({ path: new URL('admin-bn.png', SCREENSHOT_DIR).pathname, fullPage: true });

    // A second node's snapshot (this one's figures, dropping twice what it delivers): the page adds the
    // analytics number by number, leaves the settings alone, and computes the drop rate and p99 from the sums.
    type An = { shopping: { totals: Record<string, number> }; by_division: Record<string, { connections: number }>; drops: { delivered: number; dropped: number }; delivery_latency: { budget_ms: number; bounds_ms: number[]; buckets: number[] } };
    const merged = await page.evaluate(() => {
      type Snap = { node: string; analytics: { drops: { delivered: number; dropped: number } } };
      const a = (window as unknown as { haatAdmin: { state: { nodes: Map<string, { snap: Snap }> }; receive(s: Snap): void; aggregate(): { an: unknown; dropRate: number; deliveryP99: number | null; nodes: number } } }).haatAdmin;
      const real = [...a.state.nodes.values()][0]!.snap;
      const other = structuredClone(real);
      other.node = 'n-other';
      other.analytics.drops.dropped = 2 * real.analytics.drops.delivered;
      a.receive(other);
      const agg = a.aggregate();
      return { one: real.analytics as unknown, sum: agg.an, dropRate: agg.dropRate, p99: agg.deliveryP99, nodes: agg.nodes };
    });
    const one = merged.one as An;
    const sum = merged.sum as An;
    assert.equal(merged.nodes, 2);
    assert.equal(sum.shopping.totals.product_view, 2 * one.shopping.totals.product_view!);
    assert.equal(sum.by_division.rangpur!.connections, 2);
    assert.equal(sum.delivery_latency.budget_ms, 100, 'a setting is not added');
    assert.deepEqual(sum.delivery_latency.bounds_ms, one.delivery_latency.bounds_ms);
    assert.deepEqual(sum.delivery_latency.buckets, one.delivery_latency.buckets.map((n) => 2 * n));
    const p99 = quantileOf(one.delivery_latency.buckets, 0.99);
    assert.equal(merged.p99, p99 === null ? null : Math.round(p99 * 100) / 100, 'the p99 of the summed buckets');
    const d = one.drops.delivered;
    assert.ok(d > 0);
    assert.equal(merged.dropRate, (one.drops.dropped + 2 * d) / (one.drops.dropped + 2 * d + 2 * d), 'the drop rate of the sums, not an average of rates');
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(loadErrors, []);
  } finally {
    clearInterval(load);
    await browser?.close();
    await Promise.all(clients.map((c) => c.close()));
    await node.stop();
  }
});
