// Helpers for storefront.yml, loaded by Artillery (CommonJS: Artillery
// require()s its processor). No haat code is imported: what a client needs is
// written here from PROTOCOL.md only.
//
// Environment (set by bench/artillery.ts, or by hand):
//   HAAT_ARTILLERY_JWT_SECRET   HS256 secret of the node (token per virtual user)
//   HAAT_ARTILLERY_AUCTION_ID   auction to bid on, HAAT_ARTILLERY_PRODUCT_ID its product
//   HAAT_ARTILLERY_SALE_ID      sale to reserve from, HAAT_ARTILLERY_SKU its SKU
//   HAAT_ARTILLERY_STARTING_PRICE, HAAT_ARTILLERY_MIN_INCREMENT  the auction's (for the first bid)
//   HAAT_ARTILLERY_ANSWER_TIMEOUT_MS  how long awaitAnswers waits (default 10000)
//
// Custom metrics (in Artillery's report, aggregate.counters / summaries):
//   haat.<kind>.ok                  answered with the success frame (kind: join, bid, reserve, ping)
//   haat.<kind>.refused.<code>      answered with an error frame of that code
//   haat.unanswered.<kind>          sent, no answer within the timeout, or the socket closed first
//   haat.unexpected                 a frame that could not be read as JSON
//   haat.events.<event_type>        events received on the joined channels
//   haat.authenticated              the first frame after the upgrade, when it came after watchFrames
//                                   (Artillery may deliver it before the first step runs: not a check)
//   haat.rest.auction.<status>      the GET auctions/:id of loadAuction
//   haat.answer_ms.<kind>           time from send to answer (histogram)
'use strict';

const crypto = require('node:crypto');

const env = process.env;
const SECRET = env.HAAT_ARTILLERY_JWT_SECRET || 'bench-secret';
const ANSWER_TIMEOUT_MS = Number(env.HAAT_ARTILLERY_ANSWER_TIMEOUT_MS || 10000);

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function signHs256(claims) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = crypto.createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

/** connect.function: a user of its own per virtual user, token in the query (PROTOCOL.md §1). */
function connectWithToken(wsArgs, context, done) {
  const shopper = `art-${process.pid}-${crypto.randomBytes(5).toString('hex')}`;
  const now = Math.floor(Date.now() / 1000);
  const token = signHs256({ sub: shopper, roles: ['customer'], iat: now, exp: now + 3600 });
  Object.assign(context.vars, {
    shopper,
    auction_id: env.HAAT_ARTILLERY_AUCTION_ID || 'art-auction',
    product_id: env.HAAT_ARTILLERY_PRODUCT_ID || 'art-p1',
    sale_id: env.HAAT_ARTILLERY_SALE_ID || 'art-sale',
    sku: env.HAAT_ARTILLERY_SKU || 'art-sku',
    price: undefined,
  });
  const base = String(wsArgs.target).replace(/\/+$/, '');
  context.vars.rest_base = `${base.replace(/^ws/, 'http')}/api/v1/realtime`;
  wsArgs.target = `${base}/ws?token=${encodeURIComponent(token)}&device=web&net=4g`;
  done();
}

const kindOf = (ref) => String(ref).replace(/-.*$/, '');

/**
 * Watches every frame of the connection: answers are matched to requests by
 * `ref` (each request with a ref gets exactly one answer, PROTOCOL.md §2),
 * events update the price this shopper would see on the auction page.
 */
function watchFrames(context, events, done) {
  const ws = context.ws;
  const pending = new Map(); // ref -> {kind, sentAt}
  context.haat = { pending, waiters: [] };
  const settle = () => {
    if (pending.size > 0) return;
    for (const w of context.haat.waiters.splice(0)) w();
  };
  const send = ws.send.bind(ws);
  ws.send = (payload, ...rest) => {
    try {
      const frame = JSON.parse(String(payload));
      if (frame && frame.ref !== undefined) pending.set(String(frame.ref), { kind: kindOf(frame.ref), amount: frame.amount, sentAt: performance.now() });
    } catch {
      // not JSON: the server answers bad_request without a ref; counted as unexpected on our side
    }
    return send(payload, ...rest);
  };
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      events.emit('counter', 'haat.unexpected', 1);
      return;
    }
    if (frame.type === 'authenticated') {
      events.emit('counter', 'haat.authenticated', 1);
      return;
    }
    if (frame.type === 'event') {
      events.emit('counter', `haat.events.${frame.event_type}`, 1);
      if (frame.event_type === 'bid_placed' && frame.data && typeof frame.data.amount === 'number') {
        context.vars.price = Math.max(context.vars.price ?? 0, frame.data.amount);
      }
      return;
    }
    if (frame.ref === undefined) return; // notifications, closing, ...
    const ref = String(frame.ref);
    const req = pending.get(ref);
    if (!req) {
      events.emit('counter', 'haat.unexpected', 1);
      return;
    }
    pending.delete(ref);
    events.emit('histogram', `haat.answer_ms.${req.kind}`, performance.now() - req.sentAt);
    if (frame.type === 'error') {
      events.emit('counter', `haat.${req.kind}.refused.${frame.code}`, 1);
      // Outbid while the frame was on its way: the price is at least what we offered.
      if (req.kind === 'bid' && frame.code === 'bid_too_low') context.vars.price = Math.max(context.vars.price ?? 0, req.amount ?? 0);
    } else {
      events.emit('counter', `haat.${req.kind}.ok`, 1);
      if (req.kind === 'bid' && frame.bid && typeof frame.bid.amount === 'number') {
        context.vars.price = Math.max(context.vars.price ?? 0, frame.bid.amount);
      }
    }
    settle();
  });
  ws.on('close', () => {
    for (const w of context.haat.waiters.splice(0)) w();
  });
  done();
}

/** Reads the auction page's price over REST (GET auctions/:id, anyone may), as a shopper's app would on opening it. */
function loadAuction(context, events, done) {
  fetch(`${context.vars.rest_base}/auctions/${encodeURIComponent(context.vars.auction_id)}`, { signal: AbortSignal.timeout(5000) })
    .then(async (res) => {
      events.emit('counter', `haat.rest.auction.${res.status}`, 1);
      const body = await res.json();
      if (res.status === 200 && body.bid_count > 0) context.vars.price = Math.max(context.vars.price ?? 0, body.current_price);
    })
    .catch(() => events.emit('counter', 'haat.rest.auction.failed', 1))
    .finally(() => done());
}

/** Sets bid_amount: the first bid at the starting price, later ones one to three increments above the price seen. */
function nextBid(context, events, done) {
  const start = Number(env.HAAT_ARTILLERY_STARTING_PRICE || 100);
  const step = Number(env.HAAT_ARTILLERY_MIN_INCREMENT || 10);
  const seen = context.vars.price;
  const amount = seen === undefined ? start : seen + step * (1 + Math.floor(Math.random() * 3));
  context.vars.bid_amount = Math.round(amount * 100) / 100;
  done();
}

/** Waits until every request has its answer (or the timeout, or the close), then counts what is left. */
function awaitAnswers(context, events, done) {
  const { pending, waiters } = context.haat;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    for (const req of pending.values()) events.emit('counter', `haat.unanswered.${req.kind}`, 1);
    pending.clear();
    done();
  };
  const timer = setTimeout(finish, ANSWER_TIMEOUT_MS);
  if (pending.size === 0 || context.ws.readyState !== 1) return finish();
  waiters.push(finish);
}

module.exports = { connectWithToken, watchFrames, loadAuction, nextBid, awaitAnswers };
