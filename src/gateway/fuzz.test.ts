// Fuzzing the WebSocket gateway (issue 18): random and mutated frames over
// many connections to a node in its own process. The node must not crash,
// its memory must stay bounded, and every frame must be answered with a
// catalogued error (PROTOCOL.md §9, the ref echoed when it was trustworthy)
// or the success answer of its type, or the connection closed with a
// documented close code.
//
// HAAT_FUZZ_SEED (default: random, printed), HAAT_FUZZ_FRAMES (default
// 1,000,000), HAAT_FUZZ_CONNECTIONS (default 200) replay or resize a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { ERROR_CODES, isErrorCode } from '../errors.ts';
import { CLOSE_CODES } from '../close-codes.ts';
import { spawnNode, type NodeProcess } from '../testkit/node-process.ts';
import { TEST_SECRET, token } from '../testkit/node.ts';
import { withTimeout } from '../testkit/wait.ts';
import { FRAME_TYPES, SUCCESS_TYPE, Rng, badUtf8, junkText, mutateObject, mutateText, nastyValue, plausibleFrame, PROTO_KEYS, serialize, type FrameType, type FuzzWorld } from '../testkit/fuzz.ts';

const SEED = process.env.HAAT_FUZZ_SEED === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env.HAAT_FUZZ_SEED);
const FRAMES = Number(process.env.HAAT_FUZZ_FRAMES ?? 1_000_000);
const CONNECTIONS = Number(process.env.HAAT_FUZZ_CONNECTIONS ?? 200);
/** Requests in flight per connection (the fuzzer waits for answers: closed loop, bounded memory on both sides). */
const WINDOW = 8;
/** In flight per flooding connection (a customer's limit is 20/s; 4008 after 1,000 frames in 5 s). */
const FLOOD_WINDOW = 256;
/** No answer on a connection with requests in flight for this long is a missing answer (the ask timeout is 5 s). */
const SILENCE_MS = 15_000;
const MAX_FRAME = 16_384; // gateway.maxFrameBytes of config/default.json
/**
 * The node's RSS may grow by at most this much over the run. What a fuzz run
 * legitimately leaves behind: the actors of the ~100 channels, the auction,
 * the sale, the room and the ~400 users it touched (history of 100 events
 * per channel at up to 16 KB, idempotency records kept 15 minutes,
 * reservations), plus V8 heap growth that is not returned to the OS. A leak
 * per frame (even 300 bytes) over a million frames exceeds it.
 */
const RSS_GROWTH_BOUND_MB = 300;

const DOCUMENTED_CLOSES = new Set<number>(Object.values(CLOSE_CODES).map((c) => c.code));
/** Pushes: not answers to a request. */
const PUSH_TYPES = new Set(['event', 'notification', 'lean_mode', 'closing', 'authenticated']);

const UPGRADE_PARAMS: readonly (readonly [string, readonly string[]])[] = [
  ['lang', ['bn', 'en', 'xx', '']],
  ['net', ['2g', '3g', '4g', 'wifi', '5g', '\u0000']],
  ['carrier', ['grameenphone', 'banglalink', 'robi', 'teletalk', 'airtel', 'other', '__proto__']],
  ['device', ['android', 'ios', 'web', 'toaster']],
  ['app_version', ['1.2.3', 'x'.repeat(300), '\ud800']],
  ['division', ['dhaka', 'sylhet', 'nowhere', 'constructor']],
  ['resume', ['s_nosuch', '']],
];

const ANSWER_TYPES = new Set(Object.values(SUCCESS_TYPE));

type Kind = 'server' | 'customer' | 'guest' | 'flooder';
type Category = 'plausible' | 'unknown_members' | 'mutated' | 'bad_ref' | 'junk' | 'mutated_text' | 'binary' | 'too_large' | 'far_too_large' | 'beyond_payload' | 'bad_utf8';

interface Pending {
  type: unknown;
  category: Category;
  /** Nested deeper than the node takes (json-depth.ts): bad_request whatever the members. */
  deep: boolean;
  /** The start of the frame, for a failure report. */
  text: string;
}

interface Conn {
  id: number;
  kind: Kind;
  ws: WebSocket;
  pending: Map<string, Pending>;
  reflessSent: number;
  reflessGot: number;
  /** A frame was sent after which the connection must close (1009, or a transport drop). */
  mustClose: 'too_large' | 'drop' | undefined;
  open: boolean;
  lastAnswerAt: number;
  /** This connection's own PRNG (from the seed, its slot and its generation), so its frames replay whatever the interleaving. */
  rng: Rng;
  /** The last frames sent, for a failure report. */
  recent: string[];
}

interface Tally {
  sent: number;
  byCategory: Record<string, number>;
  answers: Record<string, number>;
  pushes: number;
  closes: Record<string, number>;
  lostToClose: number;
  connects: number;
  failures: string[];
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

/** Lines of the node's log at level error or fatal (pino: 50, 60): a failure the client may not have seen (an actor crash, a failed save). */
function errorLogLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /"level":(50|60)/.test(l));
}

/** A frame's type for a report, whatever it is. */
const describe = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v).slice(0, 80));

const refKey = (ref: unknown): string => (typeof ref === 'number' ? `n${ref}` : `s${String(ref)}`);

async function rest(node: NodeProcess, method: string, path: string, tok: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/realtime/${path}`, { method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An auction, a sale and a chat room that exist, so bids, reserves and chat reach real actors. */
async function world(node: NodeProcess): Promise<FuzzWorld> {
  const pub = await token({ sub: 'fz-setup', roles: ['publisher'] });
  const now = Date.now();
  const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
  const a = await rest(node, 'POST', 'auctions', pub, { id: 'fz-auction', product_id: 'fz1', starting_price: 100, min_increment: 1, starts_at: iso(now - 60_000), ends_at: iso(now + 3_600_000) });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  const skus = ['sku-a', 'sku-b', 'sku-c'];
  const s = await rest(node, 'POST', 'sales', pub, { id: 'fz-sale', starts_at: iso(now - 60_000), ends_at: iso(now + 3_600_000), per_user_limit: 5, hold_s: 30, skus: skus.map((sku) => ({ sku, stock: 100_000 })) });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  const cust = await token({ sub: 'fz-c0', roles: ['customer'] });
  const room = await rest(node, 'POST', 'chat/rooms', cust, { type: 'group', participants: Array.from({ length: 5 }, (_, i) => ({ user_id: `fz-c${i + 1}` })) });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  return { auctionId: 'fz-auction', saleId: 'fz-sale', skus: [...skus, 'sku-none'], roomId: String(room.body.id), userId: 'fz-c1' };
}

test(`fuzz: ${FRAMES} random and mutated frames over ${CONNECTIONS} connections never crash the node, and each is answered as catalogued (seed ${SEED})`, { timeout: 600_000 }, async () => {
  process.stdout.write(`# fuzz seed ${SEED} (replay: HAAT_FUZZ_SEED=${SEED} HAAT_FUZZ_FRAMES=${FRAMES} HAAT_FUZZ_CONNECTIONS=${CONNECTIONS})\n`);
  const node = await spawnNode({ HAAT_JWT_SECRET: TEST_SECRET, HAAT_NODE_ID: 'n-fuzz', LOG_LEVEL: 'warn' });
  const pid = node.child.pid!;
  let exitedEarly: number | null | undefined;
  void node.exited.then((code) => (exitedEarly = code));
  try {
    const w = await world(node);
    const generations = new Map<number, number>();
    /** RSS after each quarter of the frames: a leak grows steadily, a warm-up levels off. */
    const rssSamples: number[] = [];
    const t: Tally = { sent: 0, byCategory: {}, answers: {}, pushes: 0, closes: {}, lostToClose: 0, connects: 0, failures: [] };
    const fail = (msg: string): void => {
      if (t.failures.length < 50) t.failures.push(`[seed ${SEED}] ${msg}`);
    };
    let nextRef = 1;
    const conns = new Set<Conn>();
    let finishedSending: () => void = () => {};
    const allSent = new Promise<void>((resolve) => (finishedSending = resolve));
    let settle: (() => void) | undefined;

    const inflight = (c: Conn): number => c.pending.size + (c.reflessSent - c.reflessGot);

    /** Sends one frame drawn from the PRNG on `c`. */
    const sendOne = (c: Conn): void => {
      const r = c.rng;
      const roll = r.next();
      const type: FrameType = r.pick(FRAME_TYPES);
      let category: Category;
      let payload: string | Buffer;
      let binary = false;
      let ref: string | number | undefined;
      let frameType: unknown = type;
      let deepFrame = false;
      const withRef = (f: Record<string, unknown>): Record<string, unknown> => {
        const n = nextRef++;
        // Numbers and strings, unicode edge cases in the string ones (echoed exactly, §2).
        ref = r.chance(0.7) ? n : `${r.pick(['r', '\ud800', '\u2028', '\ufeff', 'প', '\u0000', '😀'])}${n}`;
        return { ...f, ref };
      };
      if (roll < 0.45) {
        category = 'plausible';
        payload = serialize(withRef(plausibleFrame(r, type, w)));
      } else if (roll < 0.53) {
        // Members it does not know are ignored (§2, forward compatibility), prototype keys included.
        category = 'unknown_members';
        const f = withRef(plausibleFrame(r, type, w));
        for (let i = 1 + r.int(3); i > 0; i--) Object.defineProperty(f, r.chance(0.5) ? r.pick(PROTO_KEYS) : `future_${r.int(50)}`, { value: nastyValue(r), enumerable: true, configurable: true, writable: true });
        payload = serialize(f);
        deepFrame = [...JSON.stringify(f).matchAll(/\\u0007deep:(\d+)/g)].some((m) => Number(m[1]) > 60);
      } else if (roll < 0.79) {
        category = 'mutated';
        const f = mutateObject(r, plausibleFrame(r, type, w));
        frameType = f.type;
        payload = serialize(withRef(f));
      } else if (roll < 0.82) {
        category = 'bad_ref';
        payload = serialize({ ...plausibleFrame(r, type, w), ref: r.pick([null, true, {}, [1], 'x'.repeat(65), { n: 1 }]) });
      } else if (roll < 0.9) {
        category = 'junk';
        payload = junkText(r);
      } else if (roll < 0.97) {
        category = 'mutated_text';
        payload = mutateText(r, serialize(plausibleFrame(r, type, w)));
      } else if (roll < 0.985) {
        category = 'binary';
        binary = true;
        payload = r.chance(0.5) ? Buffer.from(serialize(withRefless(plausibleFrame(r, type, w)))) : Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)));
      } else if (roll < 0.9975) {
        category = 'too_large';
        // Over max_frame_bytes, under 4x: too_large, its ref not echoed, the connection stays open.
        payload = serialize({ type: 'send_message', ref: nextRef++, channel: `chat:${w.roomId}`, message: 'x'.repeat(MAX_FRAME + r.int(MAX_FRAME * 3 - 100)) });
      } else if (roll < 0.9990) {
        category = 'far_too_large';
        payload = 'x'.repeat(MAX_FRAME * 4 + 1 + r.int(MAX_FRAME * 4 - 1));
        c.mustClose = 'too_large';
      } else if (roll < 0.9995) {
        category = 'beyond_payload';
        payload = 'x'.repeat(MAX_FRAME * 8 + 1 + r.int(MAX_FRAME));
        c.mustClose = 'drop';
      } else {
        category = 'bad_utf8';
        payload = badUtf8(r);
        c.mustClose = 'drop';
      }
      // Whatever the category, a frame over max_frame_bytes is too_large, its ref not echoed (§2).
      const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
      if (size > MAX_FRAME) ref = undefined;
      if (size > MAX_FRAME * 8) c.mustClose = 'drop';
      else if (size > MAX_FRAME * 4) c.mustClose = 'too_large';
      t.sent++;
      if (t.sent % Math.max(1, Math.floor(FRAMES / 4)) === 0) rssSamples.push(rssMb(pid).rss);
      c.recent.push(`${category}${ref === undefined ? '' : ` ref=${JSON.stringify(ref)}`}: ${payload.toString().slice(0, 160)}`);
      if (c.recent.length > 12) c.recent.shift();
      t.byCategory[category] = (t.byCategory[category] ?? 0) + 1;
      if (ref === undefined) c.reflessSent++;
      else c.pending.set(refKey(ref), { type: frameType, category, deep: deepFrame, text: payload.toString().slice(0, 300) });
      c.ws.send(payload, { binary });
    };
    const withRefless = (f: Record<string, unknown>): Record<string, unknown> => f;

    const pump = (c: Conn): void => {
      // A flooder keeps many frames in flight, past 10x its rate: closed with 4008 (§2).
      const window = c.kind === 'flooder' ? FLOOD_WINDOW : WINDOW;
      while (c.open && c.mustClose === undefined && t.sent < FRAMES && inflight(c) < window) sendOne(c);
      if (t.sent >= FRAMES) finishedSending();
    };

    const countAnswer = (key: string): void => {
      t.answers[key] = (t.answers[key] ?? 0) + 1;
    };

    const checkError = (f: Record<string, unknown>, what: string): void => {
      if (!isErrorCode(f.code)) return fail(`${what}: uncatalogued error code ${JSON.stringify(f).slice(0, 300)}`);
      if (f.temporary !== ERROR_CODES[f.code].temporary) fail(`${what}: temporary flag wrong ${JSON.stringify(f).slice(0, 300)}`);
      if (typeof f.message !== 'string') fail(`${what}: no message ${JSON.stringify(f).slice(0, 300)}`);
      if (f.code === 'rate_limited' && !(typeof f.retry_after_ms === 'number' && f.retry_after_ms > 0)) fail(`rate_limited without retry_after_ms: ${JSON.stringify(f)}`);
      if (f.code === 'internal') fail(`${what}: internal error (a bug, §9) ${JSON.stringify(f).slice(0, 300)}`);
      countAnswer(`error:${f.code}`);
    };

    const onFrame = (c: Conn, data: WebSocket.RawData, isBinary: boolean): void => {
      c.lastAnswerAt = Date.now();
      if (isBinary) return fail(`conn ${c.id}: a binary frame from the server`);
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return fail(`conn ${c.id}: a server frame that is not JSON: ${data.toString().slice(0, 200)}`);
      }
      if (typeof f.type === 'string' && PUSH_TYPES.has(f.type)) {
        t.pushes++;
        return;
      }
      if (f.ref === undefined) {
        c.reflessGot++;
        if (c.reflessGot === c.reflessSent + 1) fail(`conn ${c.id}: more answers without a ref than frames sent without a trustworthy ref: ${JSON.stringify(f).slice(0, 300)}; last frames sent: ${c.recent.join(' || ')}`);
        // A damaged text may still be a valid frame (a flipped letter inside a string): its success answer has no ref either.
        if (f.type === 'error') checkError(f, 'refless');
        else if (!ANSWER_TYPES.has(f.type as string)) fail(`conn ${c.id}: an answer without a ref that is not an answer type: ${JSON.stringify(f).slice(0, 300)}`);
        else if (f.type === 'reply' && f.ok !== true) fail(`conn ${c.id}: a reply without ok:true: ${JSON.stringify(f).slice(0, 300)}`);
        else countAnswer(String(f.type));
      } else {
        const key = refKey(f.ref);
        const p = c.pending.get(key);
        if (p === undefined) fail(`conn ${c.id}: an answer to a ref not in flight (a second answer, or a ref changed on the way): ${JSON.stringify(f).slice(0, 300)}`);
        else {
          c.pending.delete(key);
          if (f.type === 'error') {
            checkError(f, `${describe(p.type)}/${p.category}`);
            // Forward compatibility (§2): unknown members must not make a frame bad.
            if (p.category === 'unknown_members' && (p.type === 'ping' || p.type === 'presence') && !p.deep && (f.code === 'bad_request' || f.code === 'unknown_type')) fail(`${String(p.type)} with unknown members answered ${JSON.stringify(f).slice(0, 300)}`);
          } else {
            const expected = typeof p.type === 'string' && (FRAME_TYPES as readonly string[]).includes(p.type) ? SUCCESS_TYPE[p.type as FrameType] : undefined;
            if (expected === undefined || f.type !== expected) fail(`conn ${c.id}: ${JSON.stringify(p)} answered with ${JSON.stringify(f).slice(0, 300)}`);
            else if (f.type === 'reply' && f.ok !== true) fail(`conn ${c.id}: a reply without ok:true: ${JSON.stringify(f).slice(0, 300)}`);
            countAnswer(String(f.type));
          }
        }
      }
      pump(c);
      settle?.();
    };

    const connect = async (id: number, kind: Kind): Promise<void> => {
      const g = generations.get(id) ?? 0;
      generations.set(id, g + 1);
      const roles = kind === 'server' ? [id % 2 === 0 ? 'publisher' : 'admin'] : ['customer'];
      const rng = new Rng((SEED + Math.imul(id + 1, 0x9e3779b1) + Math.imul(g, 0x85ebca6b)) >>> 0);
      const q = new URLSearchParams();
      if (kind !== 'guest') q.set('token', await token({ sub: kind === 'server' ? `fz-s${id}` : kind === 'flooder' ? `fz-f${id}` : `fz-c${(id % 5) + 1}`, roles }));
      // The upgrade's optional parameters (§1), hostile ones included: Bengali answers, lean mode (2g/3g), carriers.
      for (const [k, values] of UPGRADE_PARAMS) if (rng.chance(0.3)) q.set(k, rng.pick(values));
      const oct = (): number => 1 + Math.floor(Math.random() * 254);
      const ws = new WebSocket(`ws://127.0.0.1:${node.port}/ws?${q.toString()}`, { perMessageDeflate: false, localAddress: `127.${oct()}.${oct()}.${oct()}` });
      const c: Conn = { id, kind, ws, pending: new Map(), reflessSent: 0, reflessGot: 0, mustClose: undefined, open: false, lastAnswerAt: Date.now(), rng, recent: [] };
      t.connects++;
      ws.on('error', () => {}); // the close event reports it
      let upgradeRefused: (() => void) | undefined;
      ws.once('unexpected-response', (_req, res) => {
        // A reconnect storm (the spam rules close a user's every connection with 4008, and they all come back)
        // is refused with 429 rate_limited and retry_after_ms (README "Spam and abuse"): documented, so counted,
        // and the connection comes back after the delay. Anything else at the upgrade is a failure.
        let body = '';
        // The refused request's socket: kept alive it would hold the test open (it is detached from res by 'end').
        const socket = res.socket;
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          socket?.destroy();
          let parsed: { code?: unknown; retry_after_ms?: unknown } = {};
          try {
            parsed = JSON.parse(body) as typeof parsed;
          } catch (err) {
            fail(`conn ${id}: upgrade refused with ${res.statusCode} and a body that is not JSON (${(err as Error).message}): ${body.slice(0, 200)}`);
          }
          const retry = parsed.retry_after_ms;
          if (res.statusCode === 429 && parsed.code === 'rate_limited' && typeof retry === 'number' && retry > 0) {
            t.closes['upgrade_429'] = (t.closes['upgrade_429'] ?? 0) + 1;
            if (t.sent < FRAMES) setTimeout(() => void connect(id, kind), Math.min(retry, 2_000)).unref();
          } else {
            fail(`conn ${id}: upgrade refused with ${res.statusCode} ${body.slice(0, 200)}`);
          }
          upgradeRefused?.();
        });
      });
      await new Promise<void>((resolve) => {
        upgradeRefused = resolve;
        ws.on('message', (data, isBinary) => {
          if (!c.open) {
            const f = JSON.parse(data.toString()) as { type: string };
            if (f.type !== 'authenticated') fail(`conn ${id}: first frame ${data.toString().slice(0, 200)}`);
            c.open = true;
            conns.add(c);
            resolve();
            return pump(c);
          }
          try {
            onFrame(c, data, isBinary);
          } catch (err) {
            fail(`the fuzzer itself failed on conn ${id}: ${(err as Error).stack ?? String(err)}`);
          }
        });
        ws.once('close', (code) => {
          const wasOpen = c.open;
          c.open = false;
          conns.delete(c);
          const expectedDrop = code === 1006 && c.mustClose === 'drop';
          t.closes[String(code)] = (t.closes[String(code)] ?? 0) + 1;
          if (!DOCUMENTED_CLOSES.has(code) && !expectedDrop) fail(`conn ${id} (${kind}): closed with undocumented code ${code} (last frame: ${c.mustClose ?? 'ordinary'})`);
          // Over 4x max_frame_bytes: 1009, unless the flood check closed it first (4008).
          if (c.mustClose === 'too_large' && code !== 1009 && code !== 4008) fail(`conn ${id}: a frame over 4x max_frame_bytes closed with ${code}, not 1009`);
          if (c.mustClose === undefined && code === 1009) fail(`conn ${id}: 1009 without a frame over 4x the limit`);
          t.lostToClose += inflight(c);
          resolve();
          settle?.();
          // The fuzzer's closes (at the end) are not replaced; the server's are, until every frame is sent.
          if (wasOpen && t.sent < FRAMES) void connect(id, kind);
        });
      });
    };

    const rss0 = rssMb(pid);
    const started = Date.now();
    const kinds: Kind[] = Array.from({ length: CONNECTIONS }, (_, i) => (i % 40 === 1 ? 'guest' : i % 20 === 2 ? 'customer' : i % 50 === 3 ? 'flooder' : 'server'));
    await Promise.all(kinds.map((k, i) => connect(i, k)));
    // Missing answers: a connection with frames in flight that hears nothing for SILENCE_MS.
    const watchdog = setInterval(() => {
      for (const c of conns) if (inflight(c) > 0 && Date.now() - c.lastAnswerAt > SILENCE_MS) {
        fail(`conn ${c.id}: ${inflight(c)} frames unanswered for ${SILENCE_MS} ms: ${JSON.stringify([...c.pending.entries()].slice(0, 3))}`);
        c.lastAnswerAt = Date.now();
      }
      if (exitedEarly !== undefined) settle?.();
    }, 1000);
    try {
      await withTimeout(Promise.race([allSent, node.exited.then((code) => assert.fail(`the node exited with ${code} during the fuzz run: ${node.stderr().slice(-3000)}`))]), { timeoutMs: 500_000, what: `${FRAMES} frames sent` });
      // Every frame in flight answered (or lost to a documented close).
      await withTimeout(
        new Promise<void>((resolve) => {
          settle = () => {
            if (exitedEarly !== undefined || [...conns].every((c) => inflight(c) === 0)) resolve();
          };
          settle();
        }),
        { timeoutMs: 30_000, what: 'the answers to every frame in flight' },
      );
    } finally {
      clearInterval(watchdog);
    }
    for (const c of conns) if (c.pending.size > 0) fail(`conn ${c.id}: no answer with the ref of ${JSON.stringify([...c.pending.values()].slice(0, 5))}`);
    const secs = (Date.now() - started) / 1000;
    assert.equal(exitedEarly, undefined, `the node exited: ${node.stderr().slice(-3000)}`);
    // The node still serves: a fresh connection gets a pong.
    const probe = new WebSocket(`ws://127.0.0.1:${node.port}/ws`, { perMessageDeflate: false });
    const pong = await withTimeout(
      new Promise<Record<string, unknown>>((resolve) => {
        probe.on('message', (d) => {
          const f = JSON.parse(d.toString()) as Record<string, unknown>;
          if (f.type === 'authenticated') probe.send('{"type":"ping","ref":"after"}');
          else resolve(f);
        });
      }),
      { what: 'a pong after the fuzz run' },
    );
    assert.equal(pong.type, 'pong');
    probe.close();
    const rss1 = rssMb(pid);
    for (const c of [...conns]) c.ws.close();
    const closes = Object.entries(t.closes).map(([k, v]) => `${k}:${v}`).join(' ');
    const answers = Object.entries(t.answers).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
    process.stdout.write(
      `# fuzz summary: seed=${SEED} frames_sent=${t.sent} in ${secs.toFixed(1)} s (${Math.round(t.sent / secs)}/s) connections=${t.connects} ` +
        `answers{${answers}} pushes=${t.pushes} closes{${closes}} lost_to_close=${t.lostToClose} ` +
        `categories${JSON.stringify(t.byCategory)} rss_mb before=${rss0.rss} quarters=${rssSamples.join('/')} after=${rss1.rss} peak=${rss1.hwm} bound=+${RSS_GROWTH_BOUND_MB}\n`,
    );
    const errors = errorLogLines(node.stderr());
    process.stdout.write(`# fuzz node log: ${errors.length} error lines${errors.length > 0 ? `, first: ${errors.slice(0, 3).join(' | ').slice(0, 1500)}` : ''}\n`);
    assert.deepEqual(t.failures, []);
    assert.deepEqual(errors.slice(0, 5), [], 'the node logged errors');
    assert.ok(t.sent >= FRAMES, `sent ${t.sent} of ${FRAMES}`);
    assert.ok(rss1.rss - rss0.rss <= RSS_GROWTH_BOUND_MB, `RSS grew from ${rss0.rss} MB to ${rss1.rss} MB (bound +${RSS_GROWTH_BOUND_MB} MB)`);
    // Every path of interest was taken.
    for (const code of ['error:bad_request', 'error:unknown_type', 'error:too_large', 'error:rate_limited', 'error:forbidden', 'pong', 'reply', 'channels_joined']) {
      if (t.sent >= 100_000) assert.ok((t.answers[code] ?? 0) > 0, `no ${code} answer in the run`);
    }
    if (t.sent >= 100_000) for (const code of ['4008', '1009']) assert.ok((t.closes[code] ?? 0) > 0, `no ${code} close in the run`);
  } finally {
    node.child.kill('SIGTERM');
    await withTimeout(node.exited, { timeoutMs: 15_000, what: 'the node to exit' }).catch(() => node.child.kill('SIGKILL'));
  }
});
