// Building blocks of the fuzz tests (src/gateway/fuzz.test.ts, rest-fuzz.test.ts):
// a seeded PRNG, hostile values (unicode edge cases, huge numbers, deep
// nesting, prototype-pollution keys), valid frames of every client type and
// mutations of them. Everything is drawn from one PRNG, so a seed replays a run.

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Strings that break naive code: lone surrogates, line/paragraph separators, BOM, NUL, RTL, combining marks, markup. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\ud800',
  '\udfff',
  'a\udc00b',
  '\ud83d',
  '\u2028\u2029',
  '\ufeff',
  '\ufeffping',
  '\u0000',
  'a\u0000b',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  'প্রোডাক্ট য়ড়ঢ়',
  '\u0995\u09cd\u200d\u09b7',
  '😀👍🏽👨‍👩‍👧',
  '\uffff\ufffe',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '${7*7}{{7*7}}',
  '../../etc/passwd',
  '%00%ff%E0%A4%A',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'product:p1',
  'chat:',
  ':',
  'product:*',
  'x'.repeat(65),
  'x'.repeat(129),
  'x'.repeat(201),
  'y'.repeat(4001),
  'NaN',
  '-0',
  '1e400',
  'null',
  'true',
];

export const NASTY_NUMBERS: readonly number[] = [0, -0, 1, -1, 0.5, 0.001, 1.005, 99.999, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 7 * 24 * 3600 + 1, 1001, 10_000_001];

/** Keys aimed at prototype pollution and at code that indexes objects with client keys. */
export const PROTO_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

/**
 * Nesting `depth` levels deep, as a marker that `serialize` spells out in
 * the text: the fuzzer itself must not build (or JSON.stringify) such a value,
 * whose recursion overflows the stack.
 */
export function deep(depth: number, objects: boolean): string {
  return `\u0007deep:${depth}:${objects ? 'o' : 'a'}\u0007`;
}

const DEEP_MARKER = /"\\u0007deep:(\d+):([ao])\\u0007"/g;

/** JSON.stringify, with the markers of `deep` spelled out as nested arrays or objects. */
export function serialize(v: unknown): string {
  return JSON.stringify(v).replace(DEEP_MARKER, (_, n: string, kind: string) => {
    const depth = Number(n);
    return kind === 'o' ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
  });
}

export function nastyString(r: Rng): string {
  if (r.chance(0.15)) {
    // A random string of code units, surrogates included.
    let s = '';
    const n = r.int(40);
    for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.2) ? 0xd800 + r.int(0x800) : r.int(0x3000));
    return s;
  }
  return r.pick(NASTY_STRINGS);
}

/** Any JSON value, hostile more often than not. */
export function nastyValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 5 : 9)) {
    case 0:
      return nastyString(r);
    case 1:
      return r.pick(NASTY_NUMBERS);
    case 2:
      return r.pick([null, true, false]);
    case 3:
      return r.int(1000) - 500;
    case 4:
      return `s${r.int(1e6)}`;
    case 5:
      return Array.from({ length: r.int(4) }, () => nastyValue(r, depth + 1));
    case 6: {
      const o: Record<string, unknown> = {};
      // Own properties, as JSON.parse makes them (`o.__proto__ = v` would set the prototype instead).
      for (let i = r.int(4); i > 0; i--) Object.defineProperty(o, r.chance(0.3) ? r.pick(PROTO_KEYS) : nastyString(r), { value: nastyValue(r, depth + 1), enumerable: true, configurable: true, writable: true });
      return o;
    }
    case 7:
      return r.chance(0.5) ? deep(1 + r.int(r.chance(0.1) ? 2500 : 100), true) : deep(1 + r.int(r.chance(0.1) ? 7000 : 100), false);
    default:
      return {};
  }
}

/** Names the fuzz run shares with its setup (an auction and a sale that exist, so bids and reserves reach their actors). */
export interface FuzzWorld {
  auctionId: string;
  saleId: string;
  skus: readonly string[];
  roomId: string;
  userId: string;
}

export const FRAME_TYPES = ['join_channel', 'leave_channel', 'send_message', 'broadcast_event', 'presence', 'ack', 'bid', 'reserve', 'release', 'ping', 'typing'] as const;
export type FrameType = (typeof FRAME_TYPES)[number];

/** The answer type of each request frame on success (PROTOCOL.md §2). */
export const SUCCESS_TYPE: Readonly<Record<FrameType, string>> = {
  join_channel: 'channels_joined',
  leave_channel: 'channels_left',
  send_message: 'reply',
  broadcast_event: 'reply',
  presence: 'reply',
  ack: 'reply',
  bid: 'reply',
  reserve: 'reply',
  release: 'reply',
  ping: 'pong',
  typing: 'reply',
};

function channel(r: Rng, w: FuzzWorld): string {
  switch (r.int(8)) {
    case 0:
      return `product:fz${r.int(40)}`;
    case 1:
      return `sale:${w.saleId}`;
    case 2:
      return `auction:${w.auctionId}`;
    case 3:
      return `chat:${w.roomId}`;
    case 4:
      return `user:${w.userId}`;
    case 5:
      return r.pick(['order:o1', 'admin:ops', 'promo:eid', 'category:phones', 'nosuch:x', 'product:', 'product']);
    case 6:
      return `promo:fz${r.int(20)}`;
    default:
      return nastyString(r);
  }
}

/** A frame of `type` with plausible members (valid often, not always: the server decides). */
export function plausibleFrame(r: Rng, type: FrameType, w: FuzzWorld): Record<string, unknown> {
  switch (type) {
    case 'join_channel': {
      const f: Record<string, unknown> = { type, channels: Array.from({ length: 1 + r.int(3) }, () => channel(r, w)) };
      if (r.chance(0.2)) f.since = { [channel(r, w)]: { epoch: `e${r.int(9)}`, offset: r.int(50) } };
      return f;
    }
    case 'leave_channel':
      return { type, channels: Array.from({ length: 1 + r.int(3) }, () => channel(r, w)) };
    case 'send_message': {
      const f: Record<string, unknown> = { type, channel: r.chance(0.5) ? `chat:${w.roomId}` : channel(r, w), message: r.chance(0.5) ? `hello ${r.int(1000)}` : nastyString(r) || 'x' };
      if (r.chance(0.3)) f.client_msg_id = `m${r.int(1e6)}`;
      if (r.chance(0.2)) f.metadata = { k: nastyValue(r) };
      return f;
    }
    case 'broadcast_event': {
      const product = `fz${r.int(40)}`;
      const f: Record<string, unknown> = r.chance(0.5)
        ? { type, channel: `product:${product}`, event_type: 'product_price_change', data: { product_id: product, new_price: 100 + r.int(900), old_price: 1500 } }
        : { type, channel: channel(r, w), event_type: r.pick(['flash', 'note', 'promo_banner', 'product_stock_update', 'bid_placed', 'x y']), data: nastyValue(r) };
      if (r.chance(0.3)) f.priority = r.pick(['low', 'normal', 'high']);
      if (r.chance(0.2)) f.ttl_s = 1 + r.int(600);
      if (r.chance(0.3)) f.client_msg_id = `b${r.int(1e6)}`;
      return f;
    }
    case 'presence': {
      const f: Record<string, unknown> = { type, status: r.pick(['online', 'away', 'busy', 'invisible']) };
      if (r.chance(0.3)) f.current_page = `/p/${r.int(100)}`;
      if (r.chance(0.3)) f.shopping_activity = { viewing: `p${r.int(9)}`, cart_items: r.int(5) };
      return f;
    }
    case 'ack':
      return { type, notification_ids: Array.from({ length: 1 + r.int(3) }, () => `nt_${r.int(1e4)}`) };
    case 'bid':
      return { type, auction_id: r.chance(0.8) ? w.auctionId : `a${r.int(9)}`, amount: r.chance(0.7) ? 100 + r.int(100_000) / 100 : r.pick(NASTY_NUMBERS), ...(r.chance(0.3) ? { client_bid_id: `cb${r.int(1e5)}` } : {}) };
    case 'reserve':
      return { type, sale_id: r.chance(0.8) ? w.saleId : `s${r.int(9)}`, sku: r.pick(w.skus), qty: 1 + r.int(3), ...(r.chance(0.3) ? { client_req_id: `cr${r.int(1e5)}` } : {}) };
    case 'release':
      return { type, sale_id: w.saleId, reservation_id: r.chance(0.5) ? `r_${r.int(1e4)}` : nastyString(r) || 'r' };
    case 'ping':
      return { type };
    case 'typing':
      return { type, channel: r.chance(0.6) ? `chat:${w.roomId}` : channel(r, w) };
  }
}

/** One to three structural mutations of a frame object: members removed, retyped, added, renamed. */
export function mutateObject(r: Rng, f: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...f };
  for (let n = 1 + r.int(3); n > 0; n--) {
    const keys = Object.keys(out);
    switch (r.int(7)) {
      case 0: // drop a member
        if (keys.length > 0) delete out[r.pick(keys)];
        break;
      case 1: // a member of the wrong type or a hostile value
      case 2:
        if (keys.length > 0) out[r.pick(keys)] = nastyValue(r);
        break;
      case 3: // a prototype-pollution member, defined as an own property like JSON.parse would
        Object.defineProperty(out, r.pick(PROTO_KEYS), { value: nastyValue(r), enumerable: true, configurable: true, writable: true });
        break;
      case 4: // another or a nasty type
        out.type = r.chance(0.5) ? r.pick(FRAME_TYPES) : r.chance(0.5) ? nastyString(r) : nastyValue(r);
        break;
      case 5: // an array member emptied or overfilled
        for (const k of keys) if (Array.isArray(out[k])) out[k] = r.chance(0.5) ? [] : Array.from({ length: 501 }, (_, i) => `c${i}`);
        break;
      default: // an unknown member (must be ignored, §2)
        out[`x_${r.int(100)}`] = nastyValue(r);
    }
  }
  return out;
}

/** Byte-level damage to a frame's text: truncation, a flipped byte, an inserted control or quote, a duplicated key. */
export function mutateText(r: Rng, text: string): string {
  const at = r.int(text.length + 1);
  switch (r.int(6)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + String.fromCharCode(r.int(128)) + text.slice(at + 1);
    case 2:
      return text.slice(0, at) + r.pick(['"', '{', '}', ',', ':', '\\', '\u0000', '\n', '\u2028', '\ufeff', ']']) + text.slice(at);
    case 3:
      return `\ufeff${text}`;
    case 4:
      return text.replace(/^\{/, '{"type":"ping",');
    default:
      return `${text}${text}`;
  }
}

/** JSON that is not a frame, or not JSON at all. */
export function junkText(r: Rng): string {
  switch (r.int(12)) {
    case 0:
      return '';
    case 1:
      return r.pick(['null', 'true', '0', '-1', '"ping"', '[]', '[{"type":"ping"}]', '{}', '1e400', 'NaN', 'undefined', '{"type":null}']);
    case 2:
      return '['.repeat(1 + r.int(8000));
    case 3:
      return serialize({ type: 'ping', x: deep(1 + r.int(5000), r.chance(0.5)) });
    case 4:
      return `{"type":"ping","n":${r.pick(['1e400', '-1e400', '123456789012345678901234567890', '0.0000000000000000000000000001e-400', '-0', '1E+308'])}}`;
    case 5:
      return `{"type":"ping","__proto__":{"type":"bid","polluted":true},"constructor":{"prototype":{"polluted":true}}}`;
    case 6:
      return `{"type":"ping","type":"ping","type":"${r.pick(FRAME_TYPES)}"}`;
    case 7:
      return `{"type":"ping","s":"\\ud800\\udc00\\ud800 \\u0000 \\u2028"}`;
    case 8:
      return `{'type':'ping'}`;
    case 9:
      return `{"type":"ping",}`;
    case 10:
      return JSON.stringify({ type: r.pick(PROTO_KEYS) });
    default:
      return Array.from({ length: r.int(50) }, () => String.fromCharCode(r.int(0x10000))).join('');
  }
}

/** Text frames whose bytes are not UTF-8 (overlong sequences, encoded surrogates, stray continuation bytes). */
export function badUtf8(r: Rng): Buffer {
  const bad = r.pick([[0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xf0, 0x80, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0x80], [0xff], [0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]);
  return Buffer.concat([Buffer.from('{"type":"ping","s":"'), Buffer.from(bad), Buffer.from('"}')]);
}
