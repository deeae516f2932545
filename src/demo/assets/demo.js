// The demo storefront (GET /demo): plain browser JavaScript over the haat
// client SDK's bundle (/demo/haat-client.js) and fetch; no other library.
// /demo is the buyer; /demo?as=support the support agent and publisher.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const agentView = params.get('as') === 'support';
  const REST = '/api/v1/realtime/';
  const WS = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

  const T = {
    en: {
      brand: 'haat demo', price: 'Price', stock: 'Flash-sale stock', flashSale: 'Flash sale', salePrice: 'Sale price', limit: 'limit per buyer',
      buyNow: 'Buy now', release: 'Give it back', auction: 'Live auction', currentBid: 'Current bid', endsIn: 'Ends in', order: 'Order tracking', payBkash: 'Pay with bKash (simulated)',
      orderNo: 'Order', orderStatus: 'status', payment: 'payment', notifications: 'Notifications', markRead: 'Mark all read', support: 'Support chat',
      openChat: 'Chat with support', send: 'Send', supportDesk: 'Support desk', publisherDesk: 'Publisher: product price', setPrice: 'Change price',
      asBuyer: 'Buyer view', asAgent: 'Support / publisher view', bid: (a) => `Bid ${a}`, reserved: (q, id, left) => `Reserved ${q} (${id}), held for ${left}`,
      expired: 'Reservation expired', extended: (n) => `extended ×${n}`, closed: 'Closed', noBids: 'no bids yet', you: 'you', leading: 'leading',
      winner: (w, a) => (w ? `Won by ${w} at ${a}` : 'Closed without a winner'), buyer: 'buyer', agent: 'support agent', noRooms: 'No chats yet',
      sold_out: 'Sold out', limit_exceeded: 'You have reached the limit for this sale', sale_not_started: 'The sale has not started', sale_ended: 'The sale has ended',
      bid_too_low: 'Someone bid higher: try again', auction_closed: 'The auction is closed', auction_not_open: 'The auction is not open', rate_limited: 'Slow down a little',
      placed: 'placed', confirmed: 'confirmed', success: 'successful', pending: 'pending', failed: 'failed', chatOpened: 'Support will answer here.',
      state_open: 'live', state_connecting: 'connecting…', state_reconnecting: 'reconnecting…', state_closed: 'offline',
      noSdk: 'The client SDK bundle (/demo/haat-client.js) is not available: run npm run build:client.',
    },
    bn: {
      brand: 'হাট ডেমো', price: 'দাম', stock: 'ফ্ল্যাশ সেলের স্টক', flashSale: 'ফ্ল্যাশ সেল', salePrice: 'সেলের দাম', limit: 'প্রতি ক্রেতার সীমা',
      buyNow: 'এখনই কিনুন', release: 'ফেরত দিন', auction: 'লাইভ নিলাম', currentBid: 'বর্তমান দর', endsIn: 'শেষ হবে', order: 'অর্ডার ট্র্যাকিং', payBkash: 'বিকাশে পেমেন্ট (সিমুলেটেড)',
      orderNo: 'অর্ডার', orderStatus: 'অবস্থা', payment: 'পেমেন্ট', notifications: 'নোটিফিকেশন', markRead: 'সব পড়া হয়েছে', support: 'সাপোর্ট চ্যাট',
      openChat: 'সাপোর্টের সাথে চ্যাট', send: 'পাঠান', supportDesk: 'সাপোর্ট ডেস্ক', publisherDesk: 'পাবলিশার: পণ্যের দাম', setPrice: 'দাম বদলান',
      asBuyer: 'ক্রেতার দৃশ্য', asAgent: 'সাপোর্ট / পাবলিশারের দৃশ্য', bid: (a) => `${a} দর দিন`, reserved: (q, id, left) => `${q}টি রিজার্ভ হয়েছে (${id}), আর ${left} রাখা থাকবে`,
      expired: 'রিজার্ভেশনের মেয়াদ শেষ', extended: (n) => `সময় বেড়েছে ×${n}`, closed: 'শেষ', noBids: 'এখনো কোনো দর নেই', you: 'আপনি', leading: 'এগিয়ে',
      winner: (w, a) => (w ? `${w} জিতেছেন ${a} দরে` : 'কোনো বিজয়ী ছাড়াই শেষ'), buyer: 'ক্রেতা', agent: 'সাপোর্ট এজেন্ট', noRooms: 'এখনো কোনো চ্যাট নেই',
      sold_out: 'স্টক শেষ', limit_exceeded: 'এই সেলে আপনার সীমা পূর্ণ হয়েছে', sale_not_started: 'সেল এখনো শুরু হয়নি', sale_ended: 'সেল শেষ হয়েছে',
      bid_too_low: 'কেউ বেশি দর দিয়েছেন: আবার চেষ্টা করুন', auction_closed: 'নিলাম শেষ', auction_not_open: 'নিলাম খোলা নেই', rate_limited: 'একটু ধীরে',
      placed: 'দেওয়া হয়েছে', confirmed: 'নিশ্চিত', success: 'সফল', pending: 'অপেক্ষমাণ', failed: 'ব্যর্থ', chatOpened: 'সাপোর্ট এখানে উত্তর দেবে।',
      state_open: 'লাইভ', state_connecting: 'সংযোগ হচ্ছে…', state_reconnecting: 'আবার সংযোগ হচ্ছে…', state_closed: 'অফলাইন',
      noSdk: 'ক্লায়েন্ট SDK বান্ডেল (/demo/haat-client.js) পাওয়া যায়নি: npm run build:client চালান।',
    },
  };
  let lang = params.get('lang') === 'bn' || params.get('lang') === 'en' ? params.get('lang') : localStorage.getItem('haat-demo-lang') === 'bn' ? 'bn' : 'en';
  const t = (k) => T[lang][k] ?? T.en[k] ?? k;
  const num = (n) => new Intl.NumberFormat(lang === 'bn' ? 'bn-BD' : 'en-IN', { maximumFractionDigits: 2 }).format(n);
  const taka = (n) => `৳${num(n)}`;
  const mmss = (ms) => {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return `${num(Math.floor(s / 60))}:${num(s % 60).padStart(2, lang === 'bn' ? '০' : '0')}`;
  };
  const codeOf = (err) => (err && (err.code || (err.error && err.error.code))) || (err && err.message) || String(err);
  const say = (el, text) => {
    el.textContent = text;
    el.hidden = false;
  };
  const flash = (el) => {
    el.classList.remove('flash');
    void el.offsetWidth;
    el.classList.add('flash');
  };

  // What the page knows; render() redraws the texts that depend on the language.
  const S = {
    me: null, world: null, price: null, oldPrice: null, stock: null, reservation: null, reserveError: null,
    auction: { current: null, leader: null, endsAt: 0, extended: 0, closed: null, bids: [] }, bidError: null,
    order: null, orderLog: [], orderStatus: null, paymentStatus: null, notifications: [], chatRoom: null, chat: [],
    rooms: new Map(), activeRoom: null,
  };
  window.haatDemo = { S };

  async function rest(method, path, body, token) {
    const res = await fetch(path.startsWith('/') ? path : REST + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(json.message || `HTTP ${res.status}`), { code: json.code, status: res.status });
    return json;
  }

  // The SDK's bundle: an ES module exporting HaatClient, or a classic script defining a global.
  let HaatClient = null;
  async function loadSdk() {
    try {
      const m = await import('/demo/haat-client.js');
      const C = m.HaatClient || (m.default && (m.default.HaatClient || m.default));
      if (typeof C === 'function') return (HaatClient = C);
    } catch (err) {
      console.warn('haat-client.js as a module:', err);
    }
    if (!window.HaatClient) {
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/demo/haat-client.js';
        s.onload = resolve;
        s.onerror = reject;
        document.head.append(s);
      }).catch(() => undefined);
    }
    const g = window.HaatClient;
    const C = g && typeof g.HaatClient === 'function' ? g.HaatClient : g;
    if (typeof C !== 'function') throw Object.assign(new Error(t('noSdk')), { code: 'no_sdk' });
    return (HaatClient = C);
  }

  /** The channels this page has joined (joined again on a new connection, e.g. after a language switch). */
  const joined = new Set();
  const cl = () => window.haatDemo.client;

  /** join, failing on a denied channel. */
  async function join(c, channels) {
    const r = await c.join(channels);
    for (const ch of channels) joined.add(ch);
    if (r && Array.isArray(r.denied) && r.denied.length > 0) throw Object.assign(new Error(`denied: ${r.denied.map((d) => `${d.channel} ${d.code}`).join(', ')}`), { code: r.denied[0].code });
    return r;
  }

  function client(session) {
    const C = HaatClient;
    const c = new C({ url: WS, token: session.token, getToken: async () => (await newSession(session.role)).token, lang, device: 'web' });
    c.on('state', (s) => {
      const st = typeof s === 'string' ? s : (s && (s.state || s.to)) || String(s);
      $('state').dataset.state = st;
      $('state').textContent = t(`state_${st}`) === `state_${st}` ? st : t(`state_${st}`);
    });
    c.on('error', (e) => console.warn('haat', e));
    c.on('event', onEvent);
    if (!agentView) c.on('notification', onNotification);
    c.connect();
    window.haatDemo.client = c;
    return c;
  }

  async function newSession(role) {
    const user = role === 'buyer' ? localStorage.getItem('haat-demo-buyer') || '' : '';
    const s = await rest('GET', `/demo/api/session?role=${role}&lang=${lang}${user ? `&user=${encodeURIComponent(user)}` : ''}`);
    if (role === 'buyer') localStorage.setItem('haat-demo-buyer', s.user_id);
    return s;
  }

  function render() {
    document.documentElement.lang = lang;
    $('lang').textContent = lang === 'bn' ? 'English' : 'বাংলা';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    if (S.me) $('who').textContent = `${S.me.user_id} · ${t(agentView ? 'agent' : 'buyer')}`;
    const w = S.world;
    if (!w) return;
    if (S.price !== null) {
      $('price').textContent = taka(S.price);
      $('price').dataset.raw = String(S.price);
      if ($('agent-price')) {
        $('agent-price').textContent = taka(S.price);
        $('agent-price').dataset.raw = String(S.price);
      }
    }
    $('old-price').textContent = S.oldPrice !== null && S.oldPrice !== S.price ? taka(S.oldPrice) : '';
    if (agentView) return renderAgent();
    $('product-title').textContent = w.product.title[lang];
    if (S.stock !== null) {
      $('stock').textContent = num(S.stock);
      $('stock').dataset.raw = String(S.stock);
    }
    $('sale-price').textContent = taka(w.sale.price);
    $('sale-limit').textContent = num(w.sale.per_user_limit);
    if (S.reservation) {
      const left = Date.parse(S.reservation.expires_at) - Date.now();
      const el = $('reservation');
      say(el, left > 0 ? t('reserved')(num(S.reservation.qty), S.reservation.id, mmss(left)) : t('expired'));
      el.dataset.id = S.reservation.id;
      el.dataset.expiresAt = S.reservation.expires_at;
    }
    $('release').hidden = !S.reservation;
    if (!S.reservation) $('reservation').hidden = true;
    if (S.reserveError) {
      say($('reserve-error'), t(S.reserveError));
      $('reserve-error').dataset.code = S.reserveError;
    } else $('reserve-error').hidden = true;
    const a = S.auction;
    $('auction-id').textContent = w.auction.id;
    $('current-bid').textContent = a.current === null ? t('noBids') : taka(a.current);
    $('current-bid').dataset.raw = a.current === null ? '' : String(a.current);
    $('leader').textContent = a.leader ? `(${a.leader === S.me.user_id ? t('you') : a.leader} ${t('leading')})` : '';
    $('bid-min').textContent = t('bid')(taka(nextBid()));
    $('bid-more').textContent = t('bid')(taka(nextBid() + 5 * w.auction.min_increment));
    $('extended').hidden = a.extended === 0;
    $('extended').textContent = t('extended')(num(a.extended));
    $('extended').dataset.count = String(a.extended);
    if (S.bidError) {
      say($('bid-error'), t(S.bidError));
      $('bid-error').dataset.code = S.bidError;
    } else $('bid-error').hidden = true;
    tick();
    if (S.order) {
      $('order').hidden = false;
      $('order-id').textContent = S.order.id;
      $('order-status').textContent = t(S.orderStatus);
      $('order-status').dataset.status = S.orderStatus;
      $('payment-status').textContent = S.paymentStatus ? t(S.paymentStatus) : '–';
      $('payment-status').dataset.status = S.paymentStatus || '';
    }
    // Lists drawn from the state, so that they follow the language too (newest first).
    $('bids').replaceChildren();
    for (const b of a.bids) li($('bids'), `${b.bidder_id === S.me.user_id ? t('you') : b.bidder_id}: ${taka(b.amount)}`, { seq: String(b.seq) });
    $('order-log').replaceChildren();
    for (const o of S.orderLog) li($('order-log'), `${o.type}: ${t(o.status)}${o.provider ? ` (${o.provider}, ${taka(o.amount)})` : ''}`, { type: o.type, status: o.status });
    const unread = S.notifications.filter((n) => !n.acked).length;
    $('unread').textContent = num(unread);
    $('unread').dataset.count = String(unread);
  }

  function tick() {
    const a = S.auction;
    const el = $('countdown');
    if (!el || !S.world) return;
    el.dataset.endsAt = a.endsAt ? new Date(a.endsAt).toISOString() : '';
    el.textContent = a.closed ? t('closed') : mmss(a.endsAt - Date.now());
    if (a.closed) el.textContent = `${t('closed')}: ${t('winner')(a.closed.winner_id, a.closed.amount ? taka(a.closed.amount) : '')}`;
    const open = !a.closed && a.endsAt > Date.now();
    $('bid-min').disabled = !open;
    $('bid-more').disabled = !open;
    if (S.reservation && !agentView) {
      const left = Date.parse(S.reservation.expires_at) - Date.now();
      $('reservation').textContent = left > 0 ? t('reserved')(num(S.reservation.qty), S.reservation.id, mmss(left)) : t('expired');
    }
  }

  const nextBid = () => (S.auction.current === null ? S.world.auction.starting_price : S.auction.current + S.world.auction.min_increment);

  function li(list, text, attrs = {}) {
    const el = document.createElement('li');
    el.textContent = text;
    for (const [k, v] of Object.entries(attrs)) el.dataset[k] = v;
    list.prepend(el);
    return el;
  }

  function onEvent(ev) {
    const d = ev.data || {};
    const ch = ev.channel || '';
    switch (ev.event_type) {
      case 'product_price_change':
        if (ch === `product:${S.world.product.id}`) {
          S.oldPrice = typeof d.old_price === 'number' ? d.old_price : S.price;
          S.price = d.new_price;
          render();
          flash($(agentView ? 'agent-price' : 'price'));
        }
        break;
      case 'product_stock_update':
        if (typeof d.available === 'number' && d.sku === S.world.sale.sku) S.stock = d.available;
        else if (typeof d.stock === 'number') S.stock = d.stock;
        render();
        break;
      case 'bid_placed': {
        const a = S.auction;
        const ends = Date.parse(d.ends_at);
        if (a.endsAt && ends > a.endsAt) {
          a.extended++;
          flash($('countdown'));
        }
        a.endsAt = ends;
        a.current = d.amount;
        a.leader = d.bidder_id;
        a.bids.push(d);
        render();
        break;
      }
      case 'auction_closed':
        S.auction.closed = d;
        render();
        // The demo starts a new round for the next visitor: move to it after a moment.
        if (!agentView) setTimeout(() => void nextRound().catch((err) => console.warn('next round', err)), 5000);
        break;
      case 'payment_status_update':
      case 'order_status_update':
        if (S.order && d.order_id === S.order.id) {
          if (ev.event_type === 'payment_status_update') S.paymentStatus = d.status;
          else S.orderStatus = d.status;
          S.orderLog.push({ type: ev.event_type, ...d });
          render();
        }
        break;
      case 'message':
        onChat(ch, ev);
        break;
      default:
    }
  }

  function chatLine(list, mine, sender, text, offset) {
    const el = document.createElement('li');
    el.textContent = mine ? text : `${sender}: ${text}`;
    el.dataset.sender = sender;
    if (offset !== undefined) el.dataset.offset = String(offset);
    if (mine) el.classList.add('mine');
    list.append(el);
    list.scrollTop = list.scrollHeight;
  }

  function onChat(channel, ev) {
    const d = ev.data || {};
    const roomId = channel.slice('chat:'.length);
    if (agentView) {
      const room = S.rooms.get(roomId);
      if (!room) return;
      if (room.seen.has(ev.offset)) return;
      room.seen.add(ev.offset);
      room.messages.push({ sender: d.sender_id, message: d.message, offset: ev.offset });
      if (S.activeRoom === roomId) chatLine($('agent-chat-log'), d.sender_id === S.me.user_id, d.sender_id, d.message, ev.offset);
      renderRooms();
      return;
    }
    if (roomId !== S.chatRoom) return;
    if (S.chat.includes(ev.offset)) return;
    S.chat.push(ev.offset);
    chatLine($('chat-log'), d.sender_id === S.me.user_id, d.sender_id, d.message, ev.offset);
  }

  function onNotification(n) {
    if (S.notifications.some((x) => x.id === n.id)) return;
    S.notifications.push({ ...n, acked: false });
    li($('notifications'), `${n.title ? `${n.title} — ` : ''}${n.message || n.notification_type}`, { id: n.id, type: n.notification_type });
    render();
  }

  const busy = (btn, work) => async () => {
    btn.disabled = true;
    try {
      await work();
    } finally {
      btn.disabled = false;
      tick();
    }
  };

  async function nextRound() {
    const c = window.haatDemo.client;
    const s = await newSession('buyer');
    const old = S.world.auction.id;
    if (s.world.auction.id === old) return;
    const a = await rest('GET', `auctions/${s.world.auction.id}`);
    await c.leave([`auction:${old}`]);
    joined.delete(`auction:${old}`);
    S.world.auction = s.world.auction;
    S.auction = { current: a.bid_count > 0 ? a.current_price : null, leader: a.leader_id, endsAt: Date.parse(a.ends_at), extended: 0, closed: null, bids: [] };
    await join(c, [`auction:${s.world.auction.id}`]);
    render();
  }

  async function buyer() {
    $('buyer').hidden = false;
    const session = await newSession('buyer');
    S.me = session;
    S.world = session.world;
    S.price = session.world.product.price;
    const w = S.world;
    const [auction, sale] = await Promise.all([rest('GET', `auctions/${w.auction.id}`), rest('GET', `sales/${w.sale.id}`)]);
    S.auction.current = auction.bid_count > 0 ? auction.current_price : null;
    S.auction.leader = auction.leader_id;
    S.auction.endsAt = Date.parse(auction.ends_at);
    const sku = sale.skus.find((s) => s.sku === w.sale.sku);
    S.stock = sku ? sku.available : null;
    render();
    const c = client(session);
    await join(c, [`product:${w.product.id}`, `sale:${w.sale.id}`, `auction:${w.auction.id}`]);
    void c.presence('online', { current_page: `/p/${w.product.id}` }).catch((err) => console.warn('presence', err));

    $('reserve').onclick = busy($('reserve'), async () => {
      S.reserveError = null;
      try {
        const r = await cl().reserve(w.sale.id, w.sale.sku, 1);
        S.reservation = r.reservation || r;
      } catch (err) {
        S.reserveError = codeOf(err);
      }
      render();
    });
    $('release').onclick = busy($('release'), async () => {
      if (!S.reservation) return;
      try {
        await cl().release(w.sale.id, S.reservation.id);
        S.reservation = null;
        S.reserveError = null;
      } catch (err) {
        S.reserveError = codeOf(err);
      }
      render();
    });
    const bid = (extra) => async () => {
      S.bidError = null;
      try {
        const r = await cl().bid(w.auction.id, nextBid() + extra);
        const ends = r && r.ends_at ? Date.parse(r.ends_at) : 0;
        if (ends > S.auction.endsAt) {
          S.auction.extended++;
          S.auction.endsAt = ends;
        }
      } catch (err) {
        S.bidError = codeOf(err);
      }
      render();
    };
    $('bid-min').onclick = busy($('bid-min'), bid(0));
    $('bid-more').onclick = busy($('bid-more'), bid(5 * w.auction.min_increment));

    $('pay').onclick = busy($('pay'), async () => {
      const id = `${S.me.user_id}-${Date.now().toString(36)}`;
      S.order = { id };
      S.orderStatus = 'placed';
      S.paymentStatus = 'pending';
      S.orderLog = [];
      render();
      // The order channel first (the demo token names `order:{buyer}-*`), so that no update is missed.
      await join(cl(), [`order:${id}`]);
      const amount = S.reservation ? w.sale.price * S.reservation.qty : S.price;
      await rest('POST', '/demo/api/pay', { order_id: id, amount, ...(S.reservation ? { reservation_id: S.reservation.id } : {}) }, session.token);
    });

    $('ack').onclick = busy($('ack'), async () => {
      const ids = S.notifications.filter((n) => !n.acked).map((n) => n.id);
      if (ids.length === 0) return;
      await cl().ack(ids);
      for (const n of S.notifications) if (ids.includes(n.id)) n.acked = true;
      for (const el of $('notifications').children) if (ids.includes(el.dataset.id)) el.classList.add('acked');
      render();
    });

    $('chat-open').onclick = busy($('chat-open'), async () => {
      let room = localStorage.getItem(`haat-demo-room:${S.me.user_id}`);
      if (!room) {
        const r = await rest('POST', 'chat/rooms', { type: 'customer_support', participants: [{ user_id: w.support_id, role: 'support' }], metadata: { product_id: w.product.id } }, session.token);
        room = r.id;
        localStorage.setItem(`haat-demo-room:${S.me.user_id}`, room);
      }
      S.chatRoom = room;
      $('chat').hidden = false;
      $('chat-open').hidden = true;
      await join(cl(), [`chat:${room}`]);
      const past = await rest('GET', `chat/rooms/${room}/messages?since=0`, undefined, session.token);
      for (const m of past.messages) onChat(`chat:${room}`, { offset: m.offset, data: m });
      $('chat-input').focus();
    });
    $('chat-form').onsubmit = (e) => {
      e.preventDefault();
      const text = $('chat-input').value.trim();
      if (!text || !S.chatRoom) return;
      $('chat-input').value = '';
      void cl().send(`chat:${S.chatRoom}`, text, { client_msg_id: `m-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }).catch((err) => li($('chat-log'), codeOf(err), { error: '1' }));
    };
    setInterval(tick, 250);
    window.haatDemo.ready = true;
  }

  function renderRooms() {
    const list = $('rooms');
    list.replaceChildren();
    if (S.rooms.size === 0) li(list, t('noRooms'));
    for (const [id, r] of S.rooms) {
      const el = li(list, `${r.buyer || id} (${num(r.messages.length)})`, { room: id });
      if (id === S.activeRoom) el.classList.add('active');
      el.onclick = () => openRoom(id);
    }
  }

  function openRoom(id) {
    S.activeRoom = id;
    const log = $('agent-chat-log');
    log.replaceChildren();
    for (const m of S.rooms.get(id).messages) chatLine(log, m.sender === S.me.user_id, m.sender, m.message, m.offset);
    renderRooms();
  }

  function renderAgent() {
    renderRooms();
  }

  async function agent() {
    $('agent').hidden = false;
    const [support, publisher] = await Promise.all([newSession('support'), newSession('publisher')]);
    S.me = support;
    S.world = support.world;
    S.price = support.world.product.price;
    render();
    const c = client(support);
    await join(c, [`product:${S.world.product.id}`]);
    // New rooms: the buyer names the support agent in them; the agent looks every 1.5 s and joins each room's channel.
    const poll = async () => {
      const { rooms } = await rest('GET', 'chat/rooms', undefined, support.token);
      for (const room of rooms) {
        if (S.rooms.has(room.id)) continue;
        const buyer = (room.participants.find((p) => p.user_id !== support.user_id) || {}).user_id;
        const entry = { buyer, messages: [], seen: new Set() };
        S.rooms.set(room.id, entry);
        await join(cl(), [room.channel || `chat:${room.id}`]);
        const past = await rest('GET', `chat/rooms/${room.id}/messages?since=0`, undefined, support.token);
        for (const m of past.messages) onChat(`chat:${room.id}`, { offset: m.offset, data: m });
        if (!S.activeRoom) openRoom(room.id);
        renderRooms();
      }
    };
    const loop = () => poll().catch((err) => console.warn('rooms', err)).finally(() => setTimeout(loop, 1500));
    loop();
    $('agent-form').onsubmit = (e) => {
      e.preventDefault();
      const text = $('agent-input').value.trim();
      if (!text || !S.activeRoom) return;
      $('agent-input').value = '';
      void cl().send(`chat:${S.activeRoom}`, text, { client_msg_id: `a-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }).catch((err) => console.warn(err));
    };
    $('price-form').onsubmit = (e) => {
      e.preventDefault();
      const p = Number($('new-price').value);
      if (!(p > 0)) return;
      void rest('POST', '/demo/api/price', { new_price: p }, publisher.token).catch((err) => console.warn(err));
    };
    renderRooms();
    window.haatDemo.ready = true;
  }

  $('lang').onclick = () => {
    lang = lang === 'bn' ? 'en' : 'bn';
    localStorage.setItem('haat-demo-lang', lang);
    render();
    void relang().catch((err) => console.warn('language switch', err));
  };

  /** Notifications are rendered in the connection's language: reconnect in the new one and join the same channels. */
  async function relang() {
    const old = cl();
    if (!old || !S.me) return;
    old.close();
    const session = await newSession(S.me.role);
    S.me.token = session.token;
    const c = client(S.me);
    if (joined.size > 0) await join(c, [...joined]);
  }
  render();
  loadSdk().then(() => (agentView ? agent() : buyer())).catch((err) => {
    console.error(err);
    say($('fatal'), `${codeOf(err)}: ${err.message || ''}`);
    window.haatDemo.failed = String(err && err.message);
  });
})();
