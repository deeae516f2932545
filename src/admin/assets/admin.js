// haat admin page (GET /admin): plain browser JavaScript, no build step.
// It signs in with an admin token (typed in, or /admin#token=JWT), joins
// `admin:stats` over haat's own WebSocket and draws what the nodes publish
// there once a second (src/admin/collector.ts describes a snapshot). It never
// polls. In a cluster every node publishes its own snapshot on the channel:
// the page keeps the newest of each node (dropping a node silent for
// STALE_MS) and adds them up; latency quantiles come from the merged buckets.
// The analytics part (shopping, per division / carrier / network, frame drops,
// delivery latency) is summed number by number like mergeSnapshots in
// src/metrics/analytics.ts; the drop rate and the p99 come from the sums.
(function () {
  'use strict';

  var CHANNEL = 'admin:stats';
  var EVENT = 'admin_stats';
  var STALE_MS = 5000;
  var POINTS = 120;
  var NETS = ['2g', '3g', '4g', 'wifi', 'unknown'];
  var STAGES = ['product_view', 'cart', 'checkout'];
  /** Settings, not counts: the same on every node, never added. */
  var NOT_ADDED = { budget_ms: true, window_ms: true, bounds_ms: true };
  var TOKEN_KEY = 'haat-admin-token';
  var LANG_KEY = 'haat-admin-lang';

  var TEXT = {
    en: {
      title: 'live operations', token_label: 'Admin token (JWT)', open: 'Open', logout: 'Log out',
      token_hint: 'Or open /admin#token=JWT: a fragment never reaches a server log.',
      idle: 'signed out', connecting: 'connecting…', live: 'live', down: 'disconnected; reconnecting…', refused: 'refused',
      refused_forbidden: 'Refused: this token is not an admin’s (403 forbidden). Only the admin role may open this page.',
      refused_unauthorized: 'Refused: the token is missing, invalid or expired (401 unauthorized).',
      refused_other: 'Refused: ',
      waiting: 'Waiting for the first snapshot…',
      connections: 'Connections', msgs_in: 'Messages in/s', msgs_out: 'Messages out/s', p50: 'Fan-out p50', p99: 'Fan-out p99',
      bw_in: 'Bandwidth in', bw_out: 'Bandwidth out', closes: 'Closed/s', drops: 'Conns dropped/s', slow: 'Slow consumers',
      views_s: 'Product views/s', cart_s: 'Carts/s', checkout_s: 'Checkouts/s', delivery_p99: 'Delivery p99', drop_rate: 'Frame drop rate', budget: 'budget',
      chart_shopping: 'Shopping per second', s_views: 'views', s_cart: 'cart', s_checkout: 'checkout',
      shopping: 'Shopping', by_net: 'By network', h_stage: 'Stage', h_per_s: 'Per second', h_now: 'Now', h_total: 'Total',
      h_views_s: 'Views/s', h_cart_s: 'Cart/s', h_checkout_s: 'Checkout/s', h_shoppers: 'Now v·c·co', h_shoppers_hint: 'Shoppers now: on a product page · in the cart · at the checkout (their last presence report)', h_out_s: 'Out/s', h_dropped: 'Dropped',
      stage_product_view: 'Product views', stage_cart: 'Carts', stage_checkout: 'Checkouts',
      bids: 'Bids/s', reserves: 'Reservations/s', nodes: 'Nodes',
      chart_messages: 'Messages per second', chart_latency: 'Fan-out latency (ms)', chart_bandwidth: 'Bandwidth (bytes/s)', chart_networks: 'Connections by network',
      s_in: 'in', s_out: 'out', s_p50: 'p50', s_p99: 'p99',
      cluster: 'Cluster', ring_epoch: 'ring epoch', by_carrier: 'By carrier', by_division: 'By division', by_device: 'By device', lean: 'Lean mode and RTT',
      auctions: 'Live auctions', sales: 'Flash sales', security: 'Security events', supervision: 'Supervision log',
      h_node: 'Node', h_status: 'Status', h_heartbeat: 'Last heartbeat', h_conns: 'Conns', h_actors: 'Actors',
      h_name: 'Name', h_count: 'Count', h_share: 'Share', h_net: 'Network', h_lean: 'Lean', h_rtt: 'Median RTT (ms)',
      h_id: 'Id', h_price: 'Price', h_bids: 'Bids', h_bids_s: 'Bids/s', h_ends: 'Ends', h_watchers: 'Watchers',
      h_stock: 'Stock', h_left: 'Left', h_reserved: 'Reserved', h_sold: 'Sold', h_taken_s: 'Taken/s',
      h_time: 'Time', h_kind: 'Kind', h_user: 'User', h_ip: 'IP', h_detail: 'Detail', h_address: 'Address',
      none: 'none', unknown: 'unknown', ms: 'ms',
      st_open: 'open', st_closed: 'closed', st_scheduled: 'scheduled', st_ended: 'ended', st_alive: 'alive', st_suspect: 'suspect', st_dead: 'dead',
    },
    bn: {
      title: 'সরাসরি পরিচালনা', token_label: 'অ্যাডমিন টোকেন (JWT)', open: 'খুলুন', logout: 'বেরিয়ে যান',
      token_hint: 'অথবা /admin#token=JWT খুলুন: ফ্র্যাগমেন্ট কখনও সার্ভারের লগে পৌঁছায় না।',
      idle: 'সাইন আউট', connecting: 'সংযোগ হচ্ছে…', live: 'সরাসরি', down: 'সংযোগ বিচ্ছিন্ন; আবার সংযোগ হচ্ছে…', refused: 'প্রত্যাখ্যাত',
      refused_forbidden: 'প্রত্যাখ্যাত: এই টোকেনটি অ্যাডমিনের নয় (৪০৩ forbidden)। শুধু অ্যাডমিন ভূমিকা এই পাতা খুলতে পারে।',
      refused_unauthorized: 'প্রত্যাখ্যাত: টোকেন নেই, অবৈধ বা মেয়াদোত্তীর্ণ (৪০১ unauthorized)।',
      refused_other: 'প্রত্যাখ্যাত: ',
      waiting: 'প্রথম হালনাগাদের অপেক্ষায়…',
      connections: 'সংযোগ', msgs_in: 'আগত বার্তা/সে', msgs_out: 'প্রেরিত বার্তা/সে', p50: 'ফ্যান-আউট p50', p99: 'ফ্যান-আউট p99',
      bw_in: 'ব্যান্ডউইথ (আগত)', bw_out: 'ব্যান্ডউইথ (প্রেরিত)', closes: 'বন্ধ/সে', drops: 'হঠাৎ বিচ্ছিন্ন/সে', slow: 'ধীর গ্রাহক',
      views_s: 'পণ্য দেখা/সে', cart_s: 'কার্ট/সে', checkout_s: 'চেকআউট/সে', delivery_p99: 'ডেলিভারি p99', drop_rate: 'ফ্রেম হারানোর হার', budget: 'সীমা',
      chart_shopping: 'প্রতি সেকেন্ডে কেনাকাটা', s_views: 'দেখা', s_cart: 'কার্ট', s_checkout: 'চেকআউট',
      shopping: 'কেনাকাটা', by_net: 'নেটওয়ার্ক অনুযায়ী', h_stage: 'ধাপ', h_per_s: 'প্রতি সেকেন্ডে', h_now: 'এখন', h_total: 'মোট',
      h_views_s: 'দেখা/সে', h_cart_s: 'কার্ট/সে', h_checkout_s: 'চেকআউট/সে', h_shoppers: 'এখন দে·কা·চে', h_shoppers_hint: 'এখন যারা কেনাকাটায়: পণ্যের পাতায় · কার্টে · চেকআউটে (তাদের শেষ উপস্থিতি অনুযায়ী)', h_out_s: 'প্রেরিত/সে', h_dropped: 'হারানো',
      stage_product_view: 'পণ্য দেখা', stage_cart: 'কার্ট', stage_checkout: 'চেকআউট',
      dv_dhaka: 'ঢাকা', dv_chattogram: 'চট্টগ্রাম', dv_rajshahi: 'রাজশাহী', dv_khulna: 'খুলনা', dv_barishal: 'বরিশাল', dv_sylhet: 'সিলেট', dv_rangpur: 'রংপুর', dv_mymensingh: 'ময়মনসিংহ',
      bids: 'বিড/সে', reserves: 'রিজার্ভেশন/সে', nodes: 'নোড',
      chart_messages: 'প্রতি সেকেন্ডে বার্তা', chart_latency: 'ফ্যান-আউট বিলম্ব (মি.সে.)', chart_bandwidth: 'ব্যান্ডউইথ (বাইট/সে)', chart_networks: 'নেটওয়ার্ক অনুযায়ী সংযোগ',
      s_in: 'আগত', s_out: 'প্রেরিত', s_p50: 'p50', s_p99: 'p99',
      cluster: 'ক্লাস্টার', ring_epoch: 'রিং ইপক', by_carrier: 'অপারেটর অনুযায়ী', by_division: 'বিভাগ অনুযায়ী', by_device: 'ডিভাইস অনুযায়ী', lean: 'হালকা মোড ও RTT',
      auctions: 'চলমান নিলাম', sales: 'ফ্ল্যাশ সেল', security: 'নিরাপত্তা ঘটনা', supervision: 'তত্ত্বাবধান লগ',
      h_node: 'নোড', h_status: 'অবস্থা', h_heartbeat: 'শেষ হার্টবিট', h_conns: 'সংযোগ', h_actors: 'অ্যাক্টর',
      h_name: 'নাম', h_count: 'সংখ্যা', h_share: 'অংশ', h_net: 'নেটওয়ার্ক', h_lean: 'হালকা', h_rtt: 'মধ্যক RTT (মি.সে.)',
      h_id: 'আইডি', h_price: 'দাম', h_bids: 'বিড', h_bids_s: 'বিড/সে', h_ends: 'শেষ', h_watchers: 'দর্শক',
      h_stock: 'স্টক', h_left: 'বাকি', h_reserved: 'সংরক্ষিত', h_sold: 'বিক্রীত', h_taken_s: 'নেওয়া/সে',
      h_time: 'সময়', h_kind: 'ধরন', h_user: 'ব্যবহারকারী', h_ip: 'আইপি', h_detail: 'বিবরণ', h_address: 'ঠিকানা',
      none: 'কিছু নেই', unknown: 'অজানা', ms: 'মি.সে.',
      st_open: 'চলছে', st_closed: 'শেষ', st_scheduled: 'নির্ধারিত', st_ended: 'শেষ', st_alive: 'সচল', st_suspect: 'সন্দেহজনক', st_dead: 'বন্ধ',
    },
  };

  var lang = localStorage.getItem(LANG_KEY) === 'bn' ? 'bn' : 'en';
  var fmt = numberFormat();
  var $ = function (id) { return document.getElementById(id); };
  var t = function (key) { return TEXT[lang][key] || TEXT.en[key] || key; };

  // What the page knows: the newest snapshot of each node, and the chart series.
  var state = {
    status: 'idle',
    refused: null,
    token: null,
    ws: null,
    retryMs: 1000,
    retryTimer: null,
    nodes: new Map(), // node id -> { snap, receivedAt }
    snapshots: 0,
    last: null, // the last aggregate
  };
  var series = {
    x: [],
    msgIn: [], msgOut: [],
    p50: [], p99: [],
    bwIn: [], bwOut: [],
    nets: NETS.map(function () { return []; }),
    shop: STAGES.map(function () { return []; }),
  };
  var charts = {};

  function numberFormat() {
    return {
      n: new Intl.NumberFormat(lang === 'bn' ? 'bn-BD' : 'en-US', { maximumFractionDigits: 1 }),
      ms: new Intl.NumberFormat(lang === 'bn' ? 'bn-BD' : 'en-US', { maximumFractionDigits: 2 }),
      time: new Intl.DateTimeFormat(lang === 'bn' ? 'bn-BD' : 'en-GB', { timeZone: 'Asia/Dhaka', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
    };
  }
  function num(v) { return v === null || v === undefined ? '–' : fmt.n.format(v); }
  function bytes(v) {
    if (v === null || v === undefined) return '–';
    var units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
    var i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return fmt.n.format(v) + ' ' + units[i];
  }
  /** A status word of the server's (open, alive...) in the page's language; unknown ones as they are. */
  function st(v) { return TEXT[lang]['st_' + v] || v; }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : fmt.time.format(d);
  }

  // ---- language --------------------------------------------------------
  function applyLang() {
    document.documentElement.lang = lang;
    fmt = numberFormat();
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    $('lang').textContent = lang === 'bn' ? 'English' : 'বাংলা';
    setStatus(state.status);
    if (state.refused) showRefused(state.refused);
    rebuildCharts();
    if (state.last) render(state.last);
  }
  $('lang').addEventListener('click', function () {
    lang = lang === 'bn' ? 'en' : 'bn';
    localStorage.setItem(LANG_KEY, lang);
    applyLang();
  });

  // ---- sign in ---------------------------------------------------------
  function setStatus(s) {
    state.status = s;
    var el = $('status');
    el.dataset.state = s;
    el.textContent = t(s);
  }
  function showRefused(reason) {
    state.refused = reason;
    var el = $('refused');
    el.hidden = false;
    el.dataset.code = reason.code;
    el.textContent = reason.code === 'forbidden' ? t('refused_forbidden') : reason.code === 'unauthorized' ? t('refused_unauthorized') : t('refused_other') + reason.code + (reason.message ? ' — ' + reason.message : '');
    $('login').hidden = false;
    $('dash').hidden = true;
    $('logout').hidden = true;
    setStatus('refused');
  }
  function refuse(code, message) {
    sessionStorage.removeItem(TOKEN_KEY);
    stopSocket();
    showRefused({ code: code, message: message || '' });
  }

  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var token = $('token').value.trim();
    if (token) signIn(token);
  });
  $('logout').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    stopSocket();
    state.token = null;
    $('dash').hidden = true;
    $('login').hidden = false;
    $('logout').hidden = true;
    setStatus('idle');
  });

  function signIn(token) {
    state.token = token;
    state.refused = null;
    $('refused').hidden = true;
    setStatus('connecting');
    // A REST call first: its status tells a bad token (401) from a non-admin one (403) plainly.
    fetch('/api/v1/realtime/stats', { headers: { authorization: 'Bearer ' + token } }).then(function (res) {
      if (res.status === 401 || res.status === 403) {
        return res.json().catch(function () { return {}; }).then(function (body) { refuse(res.status === 401 ? 'unauthorized' : 'forbidden', body.message); });
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      $('login').hidden = true;
      $('dash').hidden = false;
      $('logout').hidden = false;
      $('token').value = '';
      sizeCharts(); // drawn while hidden, at a guessed width
      openSocket();
    }, function () {
      scheduleRetry(); // the node is unreachable: try again
    });
  }

  // ---- the WebSocket -----------------------------------------------------
  function openSocket() {
    if (!state.token) return;
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var ws = new WebSocket(proto + '//' + location.host + '/ws?device=web&lang=' + lang + '&token=' + encodeURIComponent(state.token));
    state.ws = ws;
    setStatus('connecting');
    ws.onmessage = function (m) {
      var f;
      try { f = JSON.parse(m.data); } catch (err) { console.warn('not JSON from the server', err); return; }
      if (f.type === 'authenticated') {
        ws.send(JSON.stringify({ type: 'join_channel', ref: 'admin', channels: [CHANNEL] }));
      } else if (f.type === 'channels_joined') {
        var denied = (f.denied || []).filter(function (d) { return d.channel === CHANNEL; })[0];
        if (denied) return refuse(denied.code);
        state.retryMs = 1000;
        setStatus('live');
      } else if (f.type === 'event' && f.channel === CHANNEL && f.event_type === EVENT) {
        onSnapshot(f.data);
      } else if (f.type === 'error' && f.ref === 'admin') {
        refuse(f.code, f.message);
      }
    };
    ws.onclose = function (e) {
      if (state.ws !== ws) return;
      state.ws = null;
      if (e.code === 4001) return refuse('unauthorized', e.reason);
      if (e.code === 4003) return refuse('forbidden', e.reason);
      if (state.token && !state.refused) scheduleRetry();
    };
  }
  function scheduleRetry() {
    setStatus('down');
    clearTimeout(state.retryTimer);
    var wait = state.retryMs * (0.5 + Math.random());
    state.retryMs = Math.min(state.retryMs * 2, 15000);
    state.retryTimer = setTimeout(function () { if (state.token) signIn(state.token); }, wait);
  }
  function stopSocket() {
    clearTimeout(state.retryTimer);
    var ws = state.ws;
    state.ws = null;
    if (ws) ws.close(1000);
  }

  // ---- snapshots -------------------------------------------------------
  function onSnapshot(snap) {
    if (!snap || snap.v !== 1 || typeof snap.node !== 'string') return;
    var now = Date.now();
    state.nodes.set(snap.node, { snap: snap, receivedAt: now });
    state.nodes.forEach(function (v, k) { if (now - v.receivedAt > STALE_MS) state.nodes.delete(k); });
    state.snapshots++;
    var agg = aggregate();
    state.last = agg;
    push(agg, Math.round(snap.at / 1000));
    render(agg);
  }

  function addInto(target, src) {
    Object.keys(src || {}).forEach(function (k) { target[k] = (target[k] || 0) + src[k]; });
  }
  function quantile(q, buckets) {
    if (buckets.length === 0) return null;
    var total = buckets[buckets.length - 1][1];
    if (total === 0) return null;
    var rank = q * total, lowLe = 0, lowCount = 0;
    for (var i = 0; i < buckets.length; i++) {
      var le = buckets[i][0], count = buckets[i][1];
      if (count >= rank) {
        if (le === null) return lowLe;
        if (count === lowCount) return le;
        return lowLe + ((le - lowLe) * (rank - lowCount)) / (count - lowCount);
      }
      lowLe = le === null ? lowLe : le;
      lowCount = count;
    }
    return lowLe;
  }

  /** The cluster as the sum of its nodes' newest snapshots. */
  function aggregate() {
    var a = {
      nodes: 0, connections: 0, byNet: {}, byDevice: {}, lean: {}, rtt: {},
      msgIn: 0, msgOut: 0, bwIn: 0, bwOut: 0, closes: 0, drops: 0, slow: 0, slowTotal: 0, bids: 0, reserves: 0,
      p50: null, p99: null, cluster: null, security: [], auctions: new Map(), sales: new Map(),
      an: null, dropRate: null, deliveryP99: null,
    };
    var buckets = new Map();
    var newest = null;
    state.nodes.forEach(function (v) {
      var s = v.snap;
      a.nodes++;
      a.connections += s.connections.total;
      addInto(a.byNet, s.connections.by_net);
      addInto(a.byDevice, s.connections.by_device);
      addInto(a.lean, s.connections.lean);
      Object.keys(s.connections.rtt_ms_by_net || {}).forEach(function (k) { a.rtt[k] = Math.max(a.rtt[k] || 0, s.connections.rtt_ms_by_net[k]); });
      a.msgIn += s.messages.in_per_s;
      a.msgOut += s.messages.out_per_s;
      a.bwIn += s.bandwidth.in_bytes_per_s;
      a.bwOut += s.bandwidth.out_bytes_per_s;
      a.closes += s.closes.per_s;
      a.drops += s.closes.dropped_per_s;
      a.slow += s.slow_consumers.interval;
      a.slowTotal += s.slow_consumers.total;
      a.bids += s.commerce.bid_frames_per_s;
      a.reserves += s.commerce.reserve_frames_per_s;
      s.fanout_latency.buckets.forEach(function (b) { var k = b[0] === null ? 'inf' : b[0]; buckets.set(k, [b[0], (buckets.has(k) ? buckets.get(k)[1] : 0) + b[1]]); });
      s.commerce.auctions.forEach(function (x) { mergeRow(a.auctions, x); });
      s.commerce.sales.forEach(function (x) { mergeRow(a.sales, x); });
      if (s.analytics) {
        if (a.an === null) a.an = JSON.parse(JSON.stringify(s.analytics));
        else addDeep(a.an, s.analytics);
      }
      if (!newest || s.at > newest.at) newest = s;
    });
    var merged = Array.from(buckets.values()).sort(function (x, y) { return (x[0] === null ? Infinity : x[0]) - (y[0] === null ? Infinity : y[0]); });
    var p50 = quantile(0.5, merged), p99 = quantile(0.99, merged);
    a.p50 = p50 === null ? null : Math.round(p50 * 1e6) / 1e3;
    a.p99 = p99 === null ? null : Math.round(p99 * 1e6) / 1e3;
    if (newest) { a.cluster = newest.cluster; a.security = newest.security_events; }
    if (a.an) {
      var dr = a.an.drops;
      a.dropRate = dr.delivered + dr.dropped === 0 ? 0 : dr.dropped / (dr.delivered + dr.dropped);
      a.deliveryP99 = boundedQuantile(0.99, a.an.delivery_latency.buckets, a.an.delivery_latency.bounds_ms);
    }
    return a;
  }
  /** Adds every number of `b` into `a`, recursively (arrays element by element), as mergeSnapshots does. */
  function addDeep(a, b) {
    if (typeof b !== 'object' || b === null) return;
    Object.keys(b).forEach(function (k) {
      if (NOT_ADDED[k]) return;
      var av = a[k], bv = b[k];
      if (typeof bv === 'number') a[k] = (typeof av === 'number' ? av : 0) + bv;
      else if (typeof bv === 'object' && bv !== null) {
        if (typeof av !== 'object' || av === null) a[k] = JSON.parse(JSON.stringify(bv));
        else addDeep(av, bv);
      }
    });
  }
  /** A quantile of non-cumulative bucket counts with upper bounds `bounds` (the last count is over the last bound), as quantileOf in latency-histogram.ts. */
  function boundedQuantile(q, counts, bounds) {
    var total = counts.reduce(function (x, y) { return x + y; }, 0);
    if (total === 0) return null;
    var rank = q * total, below = 0;
    for (var i = 0; i < counts.length; i++) {
      var c = counts[i];
      if (c > 0 && below + c >= rank) {
        if (i >= bounds.length) return bounds[bounds.length - 1];
        var lo = i === 0 ? 0 : bounds[i - 1];
        return Math.round((lo + ((bounds[i] - lo) * (rank - below)) / c) * 100) / 100;
      }
      below += c;
    }
    return bounds[bounds.length - 1];
  }
  /** The same auction or sale seen by several nodes: the values of the newest, the watchers summed. */
  function mergeRow(map, row) {
    var had = map.get(row.id);
    var r = Object.assign({}, row);
    if (had) r.subscribers += had.subscribers;
    map.set(row.id, r);
  }

  function push(a, second) {
    var i = series.x.length - 1;
    if (i < 0 || series.x[i] !== second) {
      series.x.push(second);
      [series.msgIn, series.msgOut, series.p50, series.p99, series.bwIn, series.bwOut].concat(series.nets, series.shop).forEach(function (s) { s.push(null); });
      i++;
    }
    series.msgIn[i] = a.msgIn;
    series.msgOut[i] = a.msgOut;
    series.p50[i] = a.p50;
    series.p99[i] = a.p99;
    series.bwIn[i] = a.bwIn;
    series.bwOut[i] = a.bwOut;
    NETS.forEach(function (n, k) { series.nets[k][i] = a.byNet[n] || 0; });
    STAGES.forEach(function (st, k) { series.shop[k][i] = a.an ? a.an.shopping.per_s[st] : null; });
    if (series.x.length > POINTS) {
      [series.x, series.msgIn, series.msgOut, series.p50, series.p99, series.bwIn, series.bwOut].concat(series.nets, series.shop).forEach(function (s) { s.shift(); });
    }
    Object.keys(charts).forEach(function (k) { charts[k].setData(chartData(k)); });
  }

  // ---- charts (uPlot) ----------------------------------------------------
  function chartData(k) {
    if (k === 'messages') return [series.x, series.msgIn, series.msgOut];
    if (k === 'latency') return [series.x, series.p50, series.p99];
    if (k === 'bandwidth') return [series.x, series.bwIn, series.bwOut];
    if (k === 'shopping') return [series.x].concat(series.shop);
    // Stacked: the top line is the total; drawn top first, each area over the one above it.
    var stacked = [], acc = series.x.map(function () { return 0; });
    series.nets.forEach(function (raw) {
      acc = acc.map(function (v, i) { return v + (raw[i] || 0); });
      stacked.push(acc);
    });
    return [series.x].concat(stacked.reverse());
  }
  function rebuildCharts() {
    if (typeof uPlot === 'undefined') return;
    var defs = {
      messages: [{ label: t('s_in'), stroke: '#0a7d4f' }, { label: t('s_out'), stroke: '#2962ff' }],
      latency: [{ label: t('s_p50'), stroke: '#0a7d4f' }, { label: t('s_p99'), stroke: '#c2185b' }],
      bandwidth: [{ label: t('s_in'), stroke: '#0a7d4f' }, { label: t('s_out'), stroke: '#2962ff' }],
      shopping: [{ label: t('s_views'), stroke: '#2962ff' }, { label: t('s_cart'), stroke: '#ef6c00' }, { label: t('s_checkout'), stroke: '#0a7d4f' }],
      networks: NETS.map(function (n, i) {
        return { label: n === 'unknown' ? t('unknown') : n.toUpperCase(), stroke: ['#b3261e', '#ef6c00', '#2962ff', '#0a7d4f', '#777'][i], fill: ['#f3c1bd', '#fbd5b0', '#c5d3fb', '#b5e3cc', '#dddddd'][i] };
      }).reverse(),
    };
    Object.keys(defs).forEach(function (k) {
      var el = $('chart-' + k);
      if (charts[k]) charts[k].destroy();
      var value = k === 'bandwidth' ? function (u, v) { return v === null ? '–' : bytes(v); } : function (u, v) { return v === null ? '–' : num(v); };
      charts[k] = new uPlot({
        width: Math.max(300, el.clientWidth || 460),
        height: 200,
        legend: { live: false },
        series: [{ label: t('h_time') }].concat(defs[k].map(function (s) {
          var o = { label: s.label, stroke: s.stroke, width: 2, spanGaps: true, value: value };
          if (s.fill) o.fill = s.fill;
          return o;
        })),
        axes: [
          { values: function (u, vals) { return vals.map(function (v) { return fmt.time.format(new Date(v * 1000)); }); } },
          { size: k === 'bandwidth' ? 84 : 56, values: function (u, vals) { return vals.map(k === 'bandwidth' ? bytes : num); } },
        ],
        scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      }, chartData(k), el);
    });
  }
  function sizeCharts() {
    Object.keys(charts).forEach(function (k) { var el = $('chart-' + k); charts[k].setSize({ width: Math.max(300, el.clientWidth || 460), height: 200 }); });
  }
  window.addEventListener('resize', sizeCharts);

  // ---- numbers and tables -----------------------------------------------
  function setOut(id, raw, text) {
    var el = $(id);
    el.dataset.raw = raw === null || raw === undefined ? '' : String(raw);
    el.textContent = text;
  }
  function render(a) {
    $('waiting').hidden = true;
    setOut('v-connections', a.connections, num(a.connections));
    setOut('v-in', a.msgIn, num(a.msgIn));
    setOut('v-out', a.msgOut, num(a.msgOut));
    setOut('v-p50', a.p50, a.p50 === null ? '–' : fmt.ms.format(a.p50) + ' ' + t('ms'));
    setOut('v-p99', a.p99, a.p99 === null ? '–' : fmt.ms.format(a.p99) + ' ' + t('ms'));
    setOut('v-bwin', a.bwIn, bytes(a.bwIn));
    setOut('v-bwout', a.bwOut, bytes(a.bwOut));
    setOut('v-closes', a.closes, num(a.closes));
    setOut('v-drops', a.drops, num(a.drops));
    setOut('v-slow', a.slowTotal, num(a.slow) + ' / ' + num(a.slowTotal));
    setOut('v-bids', a.bids, num(a.bids));
    setOut('v-reserves', a.reserves, num(a.reserves));
    renderAnalytics(a);
    var c = a.cluster;
    var live = c ? c.nodes.filter(function (n) { return n.status !== 'dead'; }).length : a.nodes;
    setOut('v-nodes', live, num(live));
    $('ring-epoch').textContent = c && c.ring_epoch !== null ? num(c.ring_epoch) : '–';
    table('t-nodes', ['h_node', 'h_status', 'h_conns', 'h_actors', 'h_heartbeat'], (c ? c.nodes : []).map(function (n) {
      return [n.id, { text: st(n.status), cls: 'st-' + n.status }, { num: n.connections }, { num: n.actors }, when(n.last_heartbeat)];
    }));
    breakdown('t-device', a.byDevice, a.connections);
    // Per network type: its connections, how many are lean (§6), and the median RTT the link monitor measured (the worst node's).
    var leanRows = NETS.filter(function (n) { return a.byNet[n] || a.lean[n] || a.rtt[n] !== undefined; }).map(function (n) {
      return [n === 'unknown' ? t('unknown') : n.toUpperCase(), { num: a.byNet[n] || 0 }, { num: a.lean[n] || 0 }, a.rtt[n] === undefined ? '–' : { num: a.rtt[n] }];
    });
    table('t-lean', ['h_net', 'h_conns', 'h_lean', 'h_rtt'], leanRows);
    table('t-auctions', ['h_id', 'h_status', 'h_price', 'h_bids', 'h_bids_s', 'h_watchers', 'h_ends'], Array.from(a.auctions.values()).map(function (x) {
      return [x.id, st(x.status), x.current_price === null ? '–' : '৳' + num(x.current_price), { num: x.bid_count }, { num: x.bids_per_s }, { num: x.subscribers }, when(x.ends_at)];
    }));
    table('t-sales', ['h_id', 'h_status', 'h_stock', 'h_left', 'h_reserved', 'h_sold', 'h_taken_s', 'h_watchers'], Array.from(a.sales.values()).map(function (x) {
      return [x.id, st(x.status), { num: x.stock }, { num: x.available }, { num: x.reserved }, { num: x.sold }, { num: x.taken_per_s }, { num: x.subscribers }];
    }));
    table('t-security', ['h_time', 'h_kind', 'h_user', 'h_ip', 'h_detail'], (a.security || []).map(function (e) {
      return [when(e.ts), e.kind, e.user_id || '–', e.ip || '–', e.detail];
    }));
    table('t-supervision', ['h_time', 'h_kind', 'h_address', 'h_node', 'h_detail'], (c ? c.supervision : []).map(function (e) {
      return [when(e.ts), e.kind, e.address, e.node, e.detail];
    }));
  }
  /** Shopping, frame drops and delivery latency (the nodes' analytics summed). */
  function renderAnalytics(a) {
    var an = a.an;
    var shop = an ? an.shopping : null;
    setOut('v-views', shop ? shop.per_s.product_view : null, shop ? num(shop.per_s.product_view) : '–');
    setOut('v-cart', shop ? shop.per_s.cart : null, shop ? num(shop.per_s.cart) : '–');
    setOut('v-checkout', shop ? shop.per_s.checkout : null, shop ? num(shop.per_s.checkout) : '–');
    var budget = an ? an.delivery_latency.budget_ms : null;
    setOut('v-delivery', a.deliveryP99, a.deliveryP99 === null ? '–' : fmt.ms.format(a.deliveryP99) + ' ' + t('ms'));
    var over = a.deliveryP99 !== null && budget !== null && a.deliveryP99 >= budget;
    $('v-delivery').className = a.deliveryP99 === null ? '' : over ? 'bad' : 'ok';
    $('v-budget').textContent = budget === null ? '' : t('budget') + ' ' + fmt.n.format(budget) + ' ' + t('ms');
    setOut('v-droprate', a.dropRate, a.dropRate === null ? '–' : fmt.ms.format(a.dropRate * 100) + '%');
    table('t-shopping', ['h_stage', 'h_per_s', 'h_now', 'h_total'], shop ? STAGES.map(function (st) {
      return [t('stage_' + st), { num: shop.per_s[st] }, { num: shop.now[st] }, { num: shop.totals[st] }];
    }) : []);
    dimTable('t-division', an ? an.by_division : {}, function (k) { return TEXT[lang]['dv_' + k] || k; });
    dimTable('t-carrier', an ? an.by_carrier : {}, function (k) { return k; });
    dimTable('t-net', an ? an.by_net : {}, function (k) { return k === 'wifi' ? 'Wi-Fi' : k.toUpperCase(); });
  }
  /** One division, carrier or network per row: those with connections or traffic, the busiest first. */
  function dimTable(id, dims, name) {
    var busy = function (d) { return d.connections + d.per_s.product_view + d.per_s.cart + d.per_s.checkout + d.bytes_out_per_s + d.frames_dropped; };
    var rows = Object.keys(dims).filter(function (k) { return busy(dims[k]) > 0; }).sort(function (x, y) {
      return dims[y].connections - dims[x].connections || busy(dims[y]) - busy(dims[x]);
    }).map(function (k) {
      var d = dims[k];
      return [k === 'unknown' ? t('unknown') : name(k), { num: d.connections }, { num: d.per_s.product_view }, { num: d.per_s.cart }, { num: d.per_s.checkout },
        { text: num(d.shoppers.product_view) + '·' + num(d.shoppers.cart) + '·' + num(d.shoppers.checkout), cls: 'num' }, { text: bytes(d.bytes_out_per_s), cls: 'num' }, { num: d.frames_dropped }];
    });
    table(id, ['h_name', 'h_conns', 'h_views_s', 'h_cart_s', 'h_checkout_s', 'h_shoppers', 'h_out_s', 'h_dropped'], rows);
  }
  function breakdown(id, counts, total) {
    var rows = Object.keys(counts).sort(function (x, y) { return counts[y] - counts[x]; }).map(function (k) {
      return [k === 'unknown' ? t('unknown') : k, { num: counts[k] }, total > 0 ? fmt.n.format(Math.round((1000 * counts[k]) / total) / 10) + '%' : '–'];
    });
    table(id, ['h_name', 'h_count', 'h_share'], rows);
  }
  /** Rows of cells: a string, or {num}, or {text, cls}. Text only (textContent): nothing from the server is markup. */
  function table(id, heads, rows) {
    var el = $(id);
    el.textContent = '';
    var tr = document.createElement('tr');
    heads.forEach(function (h) {
      var th = document.createElement('th');
      th.textContent = t(h);
      if (TEXT[lang][h + '_hint']) th.title = TEXT[lang][h + '_hint'];
      tr.appendChild(th);
    });
    el.appendChild(tr);
    if (rows.length === 0) {
      var r = document.createElement('tr'), td = document.createElement('td');
      td.colSpan = heads.length; td.className = 'empty'; td.textContent = t('none');
      r.appendChild(td); el.appendChild(r);
      return;
    }
    rows.forEach(function (row) {
      var r = document.createElement('tr');
      row.forEach(function (cell) {
        var td = document.createElement('td');
        if (cell && typeof cell === 'object' && 'num' in cell) { td.textContent = num(cell.num); td.className = 'num'; }
        else if (cell && typeof cell === 'object') { td.textContent = cell.text; td.className = cell.cls; }
        else td.textContent = cell;
        r.appendChild(td);
      });
      el.appendChild(r);
    });
  }

  // For tests and the curious: the page's state and the charts' data arrays.
  // `receive` takes a snapshot as if it came on admin:stats (the test adds a second node's to check the summing).
  window.haatAdmin = { state: state, series: series, charts: charts, aggregate: function () { return state.last; }, receive: onSnapshot };

  // ---- start -------------------------------------------------------------
  applyLang();
  var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    // Taken from the fragment, then removed from the address bar (and history).
    history.replaceState(null, '', location.pathname + location.search);
    signIn(decodeURIComponent(m[1]));
  } else {
    var saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) signIn(saved);
    else setStatus('idle');
  }
})();
