// GET /demo (issue 19): a small storefront in Bengali and English that uses
// only the client SDK's browser bundle (src/client/dist/haat-client.js).
//
// Besides the static files, three helper routes exist ONLY when config
// `demo.enabled` is true (default in development, false with
// NODE_ENV=production); when it is false nothing under /demo is mounted and
// every such path is the ordinary 404:
// - GET  /demo/api/session?role=buyer|support|publisher: a short-lived demo
//   token signed with this node's HS256 secret, plus the demo world (seeded
//   through the real REST API on first use, idempotently);
// - POST /demo/api/pay: a simulated bKash payment: signs and calls the real
//   webhook (POST payments/webhook/bkash), confirms the reservation and
//   publishes the order's status;
// - POST /demo/api/price: a publisher changes the product's price (the demo
//   remembers it so that a page opened later starts from it).
// Anyone who can reach a node with the demo on can mint tokens for it: it must
// never be enabled in production.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nanoid } from 'nanoid';
import { SignJWT, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { DemoConfig } from '../config/schema.ts';
import { signBody } from '../security/webhook-signature.ts';
import { toDhakaIso } from '../time/clock.ts';
import { readJson, sendJson, sendStatic, track, type Reply } from '../gateway/http.ts';

/** The bKash secret the demo signs with when none is configured (the node then accepts it for bkash: see demoWebhookSecrets). */
export const DEMO_BKASH_SECRET = 'haat-demo-bkash-secret';

export const DEMO_PRODUCT = { id: 'demo-phone', title: { en: 'Walton Primo X5 phone', bn: 'ওয়ালটন প্রিমো এক্স৫ ফোন' }, price: 15_999 };
export const DEMO_SALE = { id: 'demo-sale', sku: 'demo-phone', stock: 25, per_user_limit: 2, hold_s: 300, price: 12_999 };
export const DEMO_SUPPORT = 'demo-support';
export const DEMO_PUBLISHER = 'demo-publisher';
const AUCTION_PREFIX = 'demo-auction-';
const BUYER_ID = /^demo-buyer-[A-Za-z0-9]{4,24}$/;
const ORDER_ID = /^[A-Za-z0-9_.-]{1,128}$/;

interface StaticFile {
  body: Buffer | null;
  path: string;
  type: string;
}

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

/** The page's files; the SDK bundle is read when asked for while it is missing (it is built on another branch). */
function demoFiles(): Map<string, StaticFile> {
  const files: [string, string, string][] = [
    ['/demo', here('./assets/demo.html'), 'text/html; charset=utf-8'],
    ['/demo/demo.js', here('./assets/demo.js'), 'text/javascript; charset=utf-8'],
    ['/demo/demo.css', here('./assets/demo.css'), 'text/css; charset=utf-8'],
    ['/demo/haat-client.js', here('../client/dist/haat-client.js'), 'text/javascript; charset=utf-8'],
  ];
  return new Map(files.map(([route, path, type]) => [route, { path, type, body: tryRead(path) }]));
}

function tryRead(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The webhook secrets the node uses: with the demo on and no bKash secret configured, the demo's (so the simulated payment is accepted). */
export function demoWebhookSecrets<T extends { secrets: { bkash: string | null } }>(webhooks: T, demo: Pick<DemoConfig, 'enabled'>): T {
  if (!demo.enabled || webhooks.secrets.bkash !== null) return webhooks;
  return { ...webhooks, secrets: { ...webhooks.secrets, bkash: DEMO_BKASH_SECRET } };
}

export interface DemoDeps {
  app: TemplatedApp;
  config: DemoConfig;
  jwtSecret: string;
  /** The bKash secret the node checks webhooks with (after demoWebhookSecrets). */
  bkashSecret: string | null;
  /** Where this node's REST API answers, e.g. http://127.0.0.1:8080 (known once it listens). */
  base: () => string;
  logger: Logger;
}

export interface World {
  product: { id: string; title: { en: string; bn: string }; price: number };
  sale: { id: string; sku: string; price: number; per_user_limit: number; hold_s: number; stock: number };
  auction: { id: string; ends_at: string; soft_close_s: number; extend_s: number; starting_price: number; min_increment: number };
  support_id: string;
}

export class Demo {
  readonly #d: DemoDeps;
  #price = DEMO_PRODUCT.price;
  #productSeeded: Promise<void> | null = null;
  #saleSeeded: Promise<void> | null = null;
  #auction: Promise<World['auction']> | null = null;

  constructor(d: DemoDeps) {
    this.#d = d;
  }

  sign(sub: string, roles: string[], extra: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({ roles, demo: true, ...extra })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.#d.config.tokenTtlS)
      .sign(new TextEncoder().encode(this.#d.jwtSecret));
  }

  async #rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const token = await this.sign(DEMO_PUBLISHER, ['publisher']);
    const res = await fetch(`${this.#d.base()}/api/v1/realtime/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  /** The demo world, seeded on first use: the product's price, a sale open now, an auction with soft close (a new round once the last has closed). */
  async world(): Promise<World> {
    this.#productSeeded ??= this.#broadcast('product_price_change', { product_id: DEMO_PRODUCT.id, new_price: this.#price }, 'demo-seed-price').catch((err) => {
      this.#productSeeded = null;
      throw err;
    });
    this.#saleSeeded ??= this.#seedSale().catch((err) => {
      this.#saleSeeded = null;
      throw err;
    });
    await Promise.all([this.#productSeeded, this.#saleSeeded]);
    let auction = await (this.#auction ??= this.#seedAuction(1));
    if (Date.parse(auction.ends_at) <= Date.now()) {
      // The round may have been extended: ask, and start the next round once it has closed.
      const now = await this.#rest('GET', `auctions/${auction.id}`);
      if (now.status === 200 && now.body.status !== 'closed') auction = { ...auction, ends_at: now.body.ends_at };
      else {
        const n = Number(auction.id.slice(AUCTION_PREFIX.length)) + 1;
        this.#auction = this.#seedAuction(n);
        auction = await this.#auction;
      }
    }
    return {
      product: { ...DEMO_PRODUCT, price: this.#price },
      sale: { id: DEMO_SALE.id, sku: DEMO_SALE.sku, price: DEMO_SALE.price, per_user_limit: DEMO_SALE.per_user_limit, hold_s: DEMO_SALE.hold_s, stock: DEMO_SALE.stock },
      auction,
      support_id: DEMO_SUPPORT,
    };
  }

  async #broadcast(channelOrEvent: string, data: Record<string, unknown>, clientMsgId?: string, channel = `product:${DEMO_PRODUCT.id}`): Promise<void> {
    const r = await this.#rest('POST', 'events/broadcast', { channel, event_type: channelOrEvent, data, ...(clientMsgId ? { client_msg_id: clientMsgId } : {}) });
    if (r.status !== 200) throw new Error(`demo: broadcast ${channelOrEvent} on ${channel}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  async #seedSale(): Promise<void> {
    const r = await this.#rest('POST', 'sales', {
      id: DEMO_SALE.id,
      title: 'Demo flash sale',
      starts_at: toDhakaIso(Date.now() - 1000),
      ends_at: toDhakaIso(Date.now() + 7 * 86_400_000),
      per_user_limit: DEMO_SALE.per_user_limit,
      hold_s: DEMO_SALE.hold_s,
      skus: [{ sku: DEMO_SALE.sku, stock: DEMO_SALE.stock, price: DEMO_SALE.price }],
    });
    // 409: seeded before (another page, or before a restart with a durable engine).
    if (r.status !== 201 && r.status !== 409) throw new Error(`demo: POST sales: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Creates round n, or adopts it when it exists and is still open (else tries the next round). */
  async #seedAuction(n: number): Promise<World['auction']> {
    const c = this.#d.config;
    for (let i = n; i < n + 1000; i++) {
      const id = `${AUCTION_PREFIX}${i}`;
      const r = await this.#rest('POST', 'auctions', {
        id,
        product_id: DEMO_PRODUCT.id,
        title: 'Demo auction',
        starting_price: 5000,
        min_increment: 100,
        starts_at: toDhakaIso(Date.now() - 1000),
        ends_at: toDhakaIso(Date.now() + c.auctionSeconds * 1000),
        soft_close_s: c.softCloseS,
        extend_s: c.extendS,
      });
      const a = r.status === 201 ? r.body : r.status === 409 ? (await this.#rest('GET', `auctions/${id}`)).body : null;
      if (a === null) throw new Error(`demo: POST auctions: ${r.status} ${JSON.stringify(r.body)}`);
      if (a.status !== 'closed' && Date.parse(a.ends_at) > Date.now()) {
        return { id, ends_at: a.ends_at, soft_close_s: a.soft_close_s, extend_s: a.extend_s, starting_price: a.starting_price, min_increment: a.min_increment };
      }
    }
    throw new Error('demo: no auction round left');
  }

  async session(role: string, user: string | null, lang: string): Promise<{ status: number; body: unknown }> {
    let sub: string;
    let roles: string[];
    let extra: Record<string, unknown> = {};
    if (role === 'buyer') {
      sub = user !== null && BUYER_ID.test(user) ? user : `demo-buyer-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
      roles = ['customer'];
      // The buyer's own demo orders are `{sub}-N`.
      extra = { channels: [`order:${sub}-*`] };
    } else if (role === 'support') {
      sub = DEMO_SUPPORT;
      roles = ['support'];
    } else if (role === 'publisher') {
      sub = DEMO_PUBLISHER;
      roles = ['publisher'];
    } else {
      return { status: 400, body: { code: 'bad_request', message: 'role must be buyer, support or publisher', temporary: false } };
    }
    if (lang === 'bn' || lang === 'en') extra.lang = lang;
    const token = await this.sign(sub, roles, extra);
    return { status: 200, body: { token, user_id: sub, role, expires_in_s: this.#d.config.tokenTtlS, world: await this.world() } };
  }

  async #claims(auth: string): Promise<{ sub: string; roles: string[] } | null> {
    const m = /^Bearer (.+)$/.exec(auth);
    if (!m) return null;
    try {
      const { payload } = await jwtVerify(m[1]!, new TextEncoder().encode(this.#d.jwtSecret), { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string') return null;
      return { sub: payload.sub, roles: Array.isArray(payload.roles) ? (payload.roles as string[]) : [] };
    } catch {
      return null;
    }
  }

  /** A simulated bKash payment of the caller's order: the real webhook, then the order's status. */
  async pay(auth: string, body: any): Promise<{ status: number; body: unknown }> {
    const who = await this.#claims(auth);
    if (who === null) return { status: 401, body: { code: 'unauthorized', message: 'a demo buyer token is required', temporary: false } };
    const orderId = body?.order_id;
    const amount = body?.amount;
    if (typeof orderId !== 'string' || !ORDER_ID.test(orderId) || !orderId.startsWith(`${who.sub}-`)) {
      return { status: 400, body: { code: 'bad_request', message: `order_id must be ${who.sub}-N`, temporary: false } };
    }
    if (typeof amount !== 'number' || !(amount > 0)) return { status: 400, body: { code: 'bad_request', message: 'amount must be a positive number', temporary: false } };
    const secret = this.#d.bkashSecret;
    if (secret === null) return { status: 503, body: { code: 'unavailable', message: 'no bKash webhook secret', temporary: false } };
    const payment = { payment_id: `TRX${nanoid(10).replace(/[^A-Za-z0-9]/g, 'X').toUpperCase()}`, order_id: orderId, user_id: who.sub, amount, status: 'success' };
    const raw = JSON.stringify(payment);
    const hook = await fetch(`${this.#d.base()}/api/v1/realtime/payments/webhook/bkash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-haat-signature': signBody(secret, raw) },
      body: raw,
    });
    const hookBody = (await hook.json()) as unknown;
    if (hook.status !== 200) return { status: 502, body: { code: 'webhook_refused', message: `the webhook answered ${hook.status}`, webhook: hookBody, temporary: false } };
    let confirmed: unknown = null;
    if (typeof body.reservation_id === 'string') {
      const c = await this.#rest('POST', `sales/${DEMO_SALE.id}/confirm`, { reservation_id: body.reservation_id });
      confirmed = { status: c.status, body: c.body };
    }
    await this.#broadcast('order_status_update', { order_id: orderId, status: 'confirmed' }, undefined, `order:${orderId}`);
    return { status: 200, body: { ok: true, payment, webhook: hookBody, confirmed } };
  }

  async price(auth: string, body: any): Promise<{ status: number; body: unknown }> {
    const who = await this.#claims(auth);
    if (who === null || !who.roles.includes('publisher')) return { status: 403, body: { code: 'forbidden', message: 'a demo publisher token is required', temporary: false } };
    const p = body?.new_price;
    if (typeof p !== 'number' || !(p > 0) || Math.round(p * 100) !== p * 100) return { status: 400, body: { code: 'bad_request', message: 'new_price must be a positive amount', temporary: false } };
    await this.world();
    const old = this.#price;
    await this.#broadcast('product_price_change', { product_id: DEMO_PRODUCT.id, old_price: old, new_price: p, discount_percentage: Math.max(0, Math.round((1 - p / DEMO_PRODUCT.price) * 100)) });
    this.#price = p;
    return { status: 200, body: { ok: true, old_price: old, new_price: p } };
  }
}

function answer(r: Reply, work: () => Promise<{ status: number; body: unknown }>, logger: Logger): void {
  work().then(
    (a) => sendJson(r, a.status, a.body),
    (err: unknown) => {
      logger.warn({ err }, 'demo route failed');
      sendJson(r, 503, { code: 'unavailable', message: (err as Error).message, temporary: true });
    },
  );
}

/** Mounts /demo; with `demo.enabled` false it mounts nothing (the node's 404). Returns the demo, or null when off. */
export function mountDemo(d: DemoDeps): Demo | null {
  if (!d.config.enabled) return null;
  const demo = new Demo(d);
  const files = demoFiles();
  for (const [route, f] of files) {
    d.app.get(route, (res) => {
      f.body ??= tryRead(f.path);
      const body = f.body;
      if (body !== null) return sendStatic(res, f.type, body, CSP);
      res.cork(() => res.writeStatus('503 Service Unavailable').writeHeader('content-type', 'text/plain; charset=utf-8').end(`${route} is not built yet: npm run build:client`));
    });
  }
  d.app.get('/demo/', (res) => void res.cork(() => res.writeStatus('301 Moved Permanently').writeHeader('location', '/demo').end()));
  d.app.get('/demo/api/session', (res, req) => {
    const q = new URLSearchParams(req.getQuery() ?? '');
    const r = track(res);
    answer(r, () => demo.session(q.get('role') ?? 'buyer', q.get('user'), q.get('lang') ?? ''), d.logger);
  });
  const post = (path: string, work: (auth: string, body: unknown) => Promise<{ status: number; body: unknown }>): void => {
    d.app.post(path, (res: HttpResponse, req) => {
      const auth = req.getHeader('authorization');
      const r = track(res);
      answer(r, async () => work(auth, await readJson(r, 16 * 1024).catch(() => null)), d.logger);
    });
  };
  post('/demo/api/pay', (auth, body) => demo.pay(auth, body));
  post('/demo/api/price', (auth, body) => demo.price(auth, body));
  d.logger.warn('the demo storefront is ON (GET /demo mints demo tokens): never enable demo.enabled in production');
  return demo;
}
