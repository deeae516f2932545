// The demo storefront (GET /demo) in a real browser (Debian's chromium through
// playwright-core), two contexts: a buyer and a support agent (who is also the
// publisher). The buyer sees the price change when the publisher changes it,
// reserves in the flash sale (and is refused past the per-user limit), bids and
// sees the soft close move the countdown (its own bid and a rival's), pays with
// a simulated bKash webhook and sees the order's payment and status and the
// notification (and acks it), then opens the support chat; the agent sees the
// message and answers; the buyer sees the answer.
// Leaves bench/results/demo-buyer.png, demo-buyer-bn.png and demo-agent.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestNode, token, type TestNode } from '../testkit/node.ts';
import type { TestClient } from '../testkit/ws-client.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = new URL('../../bench/results/', import.meta.url);

const raw = (page: Page, sel: string, attr = 'data-raw'): Promise<string | null> => page.getAttribute(sel, attr);
/** Waits until `fn` (run in the page: a function, since the page's CSP forbids evaluating strings) is true. */
async function until(page: Page, fn: () => unknown, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout });
  } catch (err) {
    // What the page shows, to tell why.
    const shown = await page.evaluate(() => document.querySelector('main:not([hidden])')?.textContent?.replace(/\s+/g, ' ')).catch(() => '?');
    throw new Error(`${(err as Error).message}\nwaiting for ${fn.toString()}\nthe page shows: ${shown}`);
  }
}

test('the demo storefront plays the whole story for a buyer and a support agent', { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  // Every bid falls in the soft-close window (60 s, longer than the 40 s auction), so each one moves the end by 10 s.
  const node: TestNode = await startTestNode({ demo: { enabled: true, auctionSeconds: 40, softCloseS: 60, extendS: 10, tokenTtlS: 600 } });
  let browser: Browser | undefined;
  let rival: TestClient | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const buyerCtx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const agentCtx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const buyer = await buyerCtx.newPage();
    const agent = await agentCtx.newPage();
    const errors: string[] = [];
    const scripts = new Set<string>();
    for (const [who, p] of [['buyer', buyer], ['agent', agent]] as const) {
      p.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
      p.on('request', (r) => void (r.resourceType() === 'script' && scripts.add(new URL(r.url()).pathname)));
    }

    await buyer.goto(node.http('/demo?lang=en'));
    await agent.goto(node.http('/demo?as=support&lang=en'));
    for (const p of [buyer, agent]) await until(p, () => { const d = (window as any).haatDemo; return d && (d.ready || d.failed); });
    assert.equal(await buyer.evaluate('window.haatDemo.failed'), undefined);
    assert.equal(await agent.evaluate('window.haatDemo.failed'), undefined);
    const csp = (await (await fetch(node.http('/demo'))).headers.get('content-security-policy')) ?? '';
    assert.match(csp, /script-src 'self'/);
    const buyerId = (await buyer.evaluate('window.haatDemo.S.me.user_id')) as string;
    assert.match(buyerId, /^demo-buyer-/);
    await until(buyer, () => document.getElementById('state')!.dataset.state === 'open');

    // The product: seeded price and the sale's stock; the publisher (agent page) changes the price, the buyer sees it live.
    assert.equal(await raw(buyer, '#price'), '15999');
    assert.equal(await raw(buyer, '#stock'), '25');
    await agent.fill('#new-price', '14499');
    await agent.click('#set-price');
    await until(buyer, () => document.getElementById('price')!.dataset.raw === '14499');
    assert.match((await buyer.textContent('#price')) ?? '', /৳14,499/);
    assert.match((await buyer.textContent('#old-price')) ?? '', /৳15,999/);
    await until(agent, () => document.getElementById('agent-price')!.dataset.raw === '14499');

    // The flash sale: two reservations (the per-user limit), the third refused; the stock follows.
    await buyer.click('#reserve');
    await until(buyer, () => !!document.getElementById('reservation')!.dataset.id);
    assert.match((await buyer.textContent('#reservation')) ?? '', /^Reserved 1 \(.+\), held for \d+:\d\d$/);
    const expires = Date.parse((await buyer.getAttribute('#reservation', 'data-expires-at'))!);
    assert.ok(expires > Date.now() + 200_000 && expires <= Date.now() + 301_000, 'held for hold_s (300 s)');
    await until(buyer, () => document.getElementById('stock')!.dataset.raw === '24');
    await buyer.click('#reserve');
    await until(buyer, () => document.getElementById('stock')!.dataset.raw === '23');
    await buyer.click('#reserve');
    await until(buyer, () => document.getElementById('reserve-error')!.dataset.code === 'limit_exceeded' && !document.getElementById('reserve-error')!.hidden);
    assert.equal(await buyer.textContent('#reserve-error'), 'You have reached the limit for this sale');
    // Give one back (release): the stock returns; then take it again.
    await buyer.click('#release');
    await until(buyer, () => document.getElementById('stock')!.dataset.raw === '24' && document.getElementById('reservation')!.hidden && document.getElementById('reserve-error')!.hidden);
    await buyer.click('#reserve');
    await until(buyer, () => document.getElementById('stock')!.dataset.raw === '23' && !document.getElementById('reservation')!.hidden);

    // The auction: the buyer bids (in the soft-close window: the countdown moves 10 s), a rival outbids (moves again).
    const endsBefore = Date.parse((await buyer.getAttribute('#countdown', 'data-ends-at'))!);
    await buyer.click('#bid-min');
    await until(buyer, () => document.getElementById('current-bid')!.dataset.raw === '5000');
    await until(buyer, () => document.getElementById('extended')!.dataset.count === '1');
    const endsAfterOwn = Date.parse((await buyer.getAttribute('#countdown', 'data-ends-at'))!);
    assert.equal(endsAfterOwn - endsBefore, 10_000, 'the soft close moved the end by extend_s');
    assert.match((await buyer.textContent('#leader')) ?? '', /you leading/);
    const auctionId = (await buyer.textContent('#auction-id'))!;
    rival = await node.connect({ token: await token({ sub: 'rival-bidder', roles: ['customer'] }) });
    const rivalBid = await rival.request({ type: 'bid', auction_id: auctionId, amount: 5600 });
    assert.equal(rivalBid.type, 'reply', JSON.stringify(rivalBid));
    await until(buyer, () => document.getElementById('current-bid')!.dataset.raw === '5600' && document.getElementById('extended')!.dataset.count === '2');
    assert.equal(Date.parse((await buyer.getAttribute('#countdown', 'data-ends-at'))!) - endsAfterOwn, 10_000);
    assert.match((await buyer.textContent('#leader')) ?? '', /rival-bidder leading/);
    assert.match((await buyer.textContent('#countdown')) ?? '', /^\d+:\d\d$/);
    // Outbid: a notification.
    await until(buyer, () => !!document.querySelector('#notifications li[data-type="auction_outbid"]'));

    // Pay with bKash (simulated): the real webhook, then the order channel and the notification.
    await buyer.click('#pay');
    await until(buyer, () => document.getElementById('payment-status')!.dataset.status === 'success' && document.getElementById('order-status')!.dataset.status === 'confirmed');
    const orderId = (await buyer.textContent('#order-id'))!;
    assert.ok(orderId.startsWith(`${buyerId}-`));
    await until(buyer, () => !!document.querySelector('#notifications li[data-type="payment_status_update"]'));
    const note = (await buyer.textContent('#notifications li[data-type="payment_status_update"]')) ?? '';
    assert.match(note, new RegExp(`bKash payment of ৳12,999.*#${orderId}`), note);
    assert.match((await buyer.textContent('#order-log')) ?? '', /payment_status_update: successful \(bkash, ৳12,999\)/);
    assert.equal(await buyer.getAttribute('#unread', 'data-count'), '2');
    // The reservation was confirmed as a sale: the stock does not come back.
    const sale = (await (await fetch(node.http('/api/v1/realtime/sales/demo-sale'))).json()) as { skus: { sold: number; reserved: number }[] };
    assert.equal(sale.skus[0]!.sold, 1);
    assert.equal(sale.skus[0]!.reserved, 1);
    await buyer.click('#ack');
    await until(buyer, () => document.getElementById('unread')!.dataset.count === '0');
    assert.equal(await buyer.locator('#notifications li.acked').count(), 2);

    // Support chat: the buyer writes, the agent sees it and answers, the buyer sees the answer.
    await buyer.click('#chat-open');
    await buyer.waitForSelector('#chat:not([hidden])');
    await buyer.fill('#chat-input', `Where is my order ${orderId}?`);
    await buyer.click('#chat-send');
    await buyer.waitForSelector('#chat-log li.mine', { timeout: 10_000 });
    await agent.waitForSelector(`#agent-chat-log li[data-sender="${buyerId}"]`, { timeout: 10_000 });
    assert.equal(await agent.textContent(`#agent-chat-log li[data-sender="${buyerId}"]`), `${buyerId}: Where is my order ${orderId}?`);
    assert.match((await agent.textContent('#rooms')) ?? '', new RegExp(buyerId));
    await agent.fill('#agent-input', 'It is packed and leaves Dhaka today.');
    await agent.click('#agent-send');
    await buyer.waitForSelector('#chat-log li[data-sender="demo-support"]', { timeout: 10_000 });
    assert.equal(await buyer.textContent('#chat-log li[data-sender="demo-support"]'), 'demo-support: It is packed and leaves Dhaka today.');
    await agent.waitForSelector('#agent-chat-log li.mine');

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await buyer.screenshot({ path: new URL('demo-buyer.png', SCREENSHOT_DIR).pathname, fullPage: true });
    await agent.screenshot({ path: new URL('demo-agent.png', SCREENSHOT_DIR).pathname, fullPage: true });

    // Bengali: the texts and the digits switch, and the page reconnects in Bengali: a second payment's notification comes in Bengali.
    await buyer.click('#lang');
    assert.equal(await buyer.textContent('#price'), '৳১৪,৪৯৯');
    assert.match((await buyer.textContent('#reservation')) ?? '', /^১টি রিজার্ভ হয়েছে/);
    assert.equal(await buyer.textContent('[data-i18n="auction"]'), 'লাইভ নিলাম');
    await until(buyer, () => document.getElementById('state')!.dataset.state === 'open' && (window as any).haatDemo.client.state !== 'closed');
    assert.equal(await buyer.textContent('#state'), 'লাইভ');
    await buyer.click('#pay');
    await until(buyer, () => [...document.querySelectorAll('#notifications li[data-type="payment_status_update"]')].some((li) => /বিকাশ/.test(li.textContent ?? '')));
    await until(buyer, () => document.getElementById('order-status')!.textContent === 'নিশ্চিত');
    // The buyer still gets the price live on the new connection.
    await agent.fill('#new-price', '13999');
    await agent.click('#set-price');
    await until(buyer, () => document.getElementById('price')!.textContent === '৳১৩,৯৯৯');
    await buyer.screenshot({ path: new URL('demo-buyer-bn.png', SCREENSHOT_DIR).pathname, fullPage: true });

    assert.deepEqual([...scripts].sort(), ['/demo/demo.js', '/demo/haat-client.js'], 'the page runs on the SDK bundle alone');
    assert.deepEqual(errors, []);
  } finally {
    await rival?.close();
    await browser?.close();
    await node.stop();
  }
});
