// Failover under load: 3 nodes, a publisher on n1 publishing to many
// channels whose channel actors are spread over the nodes (one publish in
// flight per channel, each with a client_msg_id that a retry repeats after an
// error or a timeout), subscribers on n1 and n2 joined to every channel. n3
// is killed with SIGKILL mid-stream. Measured: how long after the kill the
// channels n3 owned acknowledge publishes again (publishes go straight to
// the history from the publisher's node, so they need no actor of n3's), how
// long until n3's channel actors answer again (a join of each of its
// channels from n1, sent right after the kill and again after every
// failure), and whether every acknowledged offset reaches every subscriber
// exactly once, in order.
import WebSocket from 'ws';
import { nowMs, sleep } from '../clock.ts';
import { progress } from '../progress.ts';
import { waitUntil } from '../wait.ts';
import { signToken, startCluster, type HaatCluster } from './haat-cluster.ts';

const HOST = '127.0.0.1';

export interface FailoverOptions {
  channels: number;
  /** Publishes per second over all channels (each channel has at most one in flight). */
  rate: number;
  beforeS: number;
  afterS: number;
  subscribersPerNode: number;
  requestTimeoutMs: number;
  retryDelayMs: number;
  drainTimeoutMs: number;
}

export interface FailoverResult {
  ok: boolean;
  error?: string;
  victim: string;
  channels: number;
  victim_channels: number;
  subscribers: number;
  publishes_acked: number;
  publishes_acked_after_kill: number;
  attempts: number;
  timeouts: number;
  error_codes: Record<string, number>;
  /** Error answers to attempts that had already been retried (after the client's own timeout). */
  late_errors: number;
  /** Error answers after the kill, by channel group (owned by the killed node or not) and code, with the last one's time after the kill. */
  errors_after_kill: { victim: Record<string, number>; others: Record<string, number>; last_ms: number };
  /** The first error answer of each code after the kill, with its time after the kill. */
  error_samples: Record<string, { after_kill_ms: number; frame: string }>;
  /** Per victim channel: kill → first ack of an attempt sent after the kill, ms. */
  recovery_ms: { first: number; median: number; max: number; unrecovered: number };
  /** Per victim channel: kill → its channel actor answered a join again (served by a survivor), ms. */
  actor_recovery_ms: { first: number; median: number; max: number; unrecovered: number; failed_attempts: number };
  /** Kill → the last failed attempt (error answer or timeout) on a channel the killed node owned, ms: after it, every publish was acknowledged first time. */
  last_failure_ms: number;
  /** Longest time without an ack on a channel n3 did not own (ms) around the kill. */
  other_channels_max_ack_gap_ms: number;
  lost: number;
  duplicates: number;
  out_of_order: number;
  /** Events delivered whose offset was never acknowledged (a publish applied twice, or one whose ack was never seen). */
  unacked_events: number;
  /** The same client_msg_id seen at two offsets: a retry published twice. */
  republished: number;
  /** Offsets of a retried client_msg_id that differed from its first answer. */
  ack_mismatches: number;
  epoch_changes: number;
  drain_ms: number;
}

interface Lane {
  channel: string;
  victim: boolean;
  seq: number;
  cmid: string | undefined;
  awaiting: boolean;
  sentAt: number;
  /** ref of the latest attempt: answers to earlier ones are late (the attempt was already retried). */
  ref: number;
  nextAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Acknowledged offsets in ack order, with ack time. */
  acks: Array<{ offset: number; at: number; sentAt: number }>;
  ackedBy: Map<string, number>;
}

interface Sub {
  ws: WebSocket;
  node: string;
  joined: boolean;
  offsets: Map<string, number[]>;
  epochs: Map<string, string>;
  cmidAt: Map<string, number>;
  epochChanges: number;
  closed: string | undefined;
}

function openSocket(url: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: HOST, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => reject(new Error(`${url}: no "authenticated" within ${timeoutMs} ms`)), timeoutMs);
    const onFrame = (d: Buffer): void => {
      if (!d.includes('"type":"authenticated"')) return;
      clearTimeout(timer);
      ws.off('message', onFrame);
      resolve(ws);
    };
    ws.on('message', onFrame);
    // Errors after the open surface as a close (checked by the caller's alive()); keep listening so none is unhandled.
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function subscribe(port: number, node: string, channels: string[], timeoutMs: number): Promise<Sub> {
  const ws = await openSocket(`ws://${HOST}:${port}/ws`, timeoutMs);
  const sub: Sub = { ws, node, joined: false, offsets: new Map(channels.map((c) => [c, []])), epochs: new Map(), cmidAt: new Map(), epochChanges: 0, closed: undefined };
  ws.on('close', (code) => (sub.closed = `closed ${code}`));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscriber on ${node}: join not answered within ${timeoutMs} ms`)), timeoutMs);
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (f.type === 'channels_joined') {
        const denied = f.denied as unknown[];
        clearTimeout(timer);
        if (denied.length > 0) return reject(new Error(`join denied on ${node}: ${JSON.stringify(denied).slice(0, 300)}`));
        for (const j of f.channels as Array<{ channel: string; epoch: string }>) sub.epochs.set(j.channel, j.epoch);
        sub.joined = true;
        resolve();
      } else if (f.type === 'event') {
        const ch = f.channel as string;
        if (sub.epochs.get(ch) !== f.epoch) {
          sub.epochChanges++;
          sub.epochs.set(ch, f.epoch as string);
        }
        sub.offsets.get(ch)?.push(f.offset as number);
        const cmid = (f.data as { c?: string }).c;
        if (cmid !== undefined && !sub.cmidAt.has(cmid)) sub.cmidAt.set(cmid, f.offset as number);
        else if (cmid !== undefined && sub.cmidAt.get(cmid) !== f.offset) sub.cmidAt.set(`${cmid}#dup${f.offset as number}`, f.offset as number);
      } else if (f.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`subscriber on ${node}: ${data.toString('utf8').slice(0, 300)}`));
      }
    });
    ws.send(JSON.stringify({ type: 'join_channel', ref: 'j', channels }));
  });
  return sub;
}

/**
 * Joins `channel` on `ws` (a connection of its own that is not subscribed,
 * so the join asks the channel's actor) until the join is answered without denial, again after every error
 * or denial; gives up at `deadline`. `ms` is from the kill to that answer.
 */
function joinUntilAnswered(ws: WebSocket, channel: string, killAt: number, deadline: number, retryDelayMs: number): Promise<{ ms: number; failed: number }> {
  let failed = 0;
  let ref = 0;
  return new Promise((resolve) => {
    const attempt = (): void => {
      if (Date.now() > deadline) {
        ws.off('message', onFrame);
        resolve({ ms: Number.POSITIVE_INFINITY, failed });
        return;
      }
      ws.send(JSON.stringify({ type: 'join_channel', ref: `p${++ref}`, channels: [channel] }));
    };
    const onFrame = (data: Buffer): void => {
      const f = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (f.ref !== `p${ref}`) return;
      if (f.type === 'channels_joined' && (f.denied as unknown[]).length === 0) {
        ws.off('message', onFrame);
        resolve({ ms: Date.now() - killAt, failed });
        return;
      }
      failed++;
      setTimeout(attempt, retryDelayMs);
    };
    ws.on('message', onFrame);
    attempt();
  });
}

export async function runFailover(o: FailoverOptions, tag = 'cluster failover'): Promise<FailoverResult> {
  const victim = 'n3';
  const result: FailoverResult = {
    ok: false,
    victim,
    channels: o.channels,
    victim_channels: 0,
    subscribers: 0,
    publishes_acked: 0,
    publishes_acked_after_kill: 0,
    attempts: 0,
    timeouts: 0,
    error_codes: {},
    late_errors: 0,
    errors_after_kill: { victim: {}, others: {}, last_ms: NaN },
    error_samples: {},
    recovery_ms: { first: NaN, median: NaN, max: NaN, unrecovered: 0 },
    actor_recovery_ms: { first: NaN, median: NaN, max: NaN, unrecovered: 0, failed_attempts: 0 },
    last_failure_ms: NaN,
    other_channels_max_ack_gap_ms: NaN,
    lost: 0,
    duplicates: 0,
    out_of_order: 0,
    unacked_events: 0,
    republished: 0,
    ack_mismatches: 0,
    epoch_changes: 0,
    drain_ms: NaN,
  };
  let cluster: HaatCluster | undefined;
  const sockets: WebSocket[] = [];
  const lanes: Lane[] = [];
  let ticker: NodeJS.Timeout | undefined;
  try {
    cluster = await startCluster({ nodes: 3, tag });
    const c = cluster;
    const channels = Array.from({ length: o.channels }, (_, k) => `product:fo-${k}`);
    for (const ch of channels) {
      lanes.push({ channel: ch, victim: c.ownerOf(`channel:${ch}`) === victim, seq: 0, cmid: undefined, awaiting: false, sentAt: 0, ref: 0, nextAt: 0, timer: undefined, acks: [], ackedBy: new Map() });
    }
    result.victim_channels = lanes.filter((l) => l.victim).length;
    const owners = new Map<string, number>();
    for (const ch of channels) owners.set(c.ownerOf(`channel:${ch}`), (owners.get(c.ownerOf(`channel:${ch}`)) ?? 0) + 1);
    progress(tag, `${o.channels} channels, owners ${[...owners].map(([n, k]) => `${n}: ${k}`).join(', ')}; ${victim} will be killed`);
    if (result.victim_channels === 0) throw new Error(`${victim} owns none of the ${o.channels} channels: use more channels`);

    const subs: Sub[] = [];
    for (const node of c.nodes.filter((n) => n.id !== victim)) {
      for (let s = 0; s < o.subscribersPerNode; s++) subs.push(await subscribe(node.server.port, node.id, channels, 10_000));
    }
    sockets.push(...subs.map((s) => s.ws));
    result.subscribers = subs.length;

    const token = await signToken(['publisher'], 'bench-failover');
    const pub = await openSocket(`ws://${HOST}:${c.nodes[0]!.server.port}/ws?token=${encodeURIComponent(token)}`, 10_000);
    sockets.push(pub);
    let pubClosed: string | undefined;
    pub.on('close', (code) => (pubClosed = `publisher connection closed (${code})`));
    const refs = new Map<number, { lane: Lane; cmid: string; sentAt: number }>();
    let nextRef = 1;
    let publishing = true;
    let killAt = Number.POSITIVE_INFINITY;
    const intervalMs = (o.channels / o.rate) * 1000;
    const send = (lane: Lane): void => {
      const ref = nextRef++;
      lane.ref = ref;
      lane.awaiting = true;
      lane.sentAt = Date.now();
      refs.set(ref, { lane, cmid: lane.cmid!, sentAt: lane.sentAt });
      result.attempts++;
      clearTimeout(lane.timer);
      lane.timer = setTimeout(() => {
        result.timeouts++;
        if (lane.victim && Date.now() >= killAt) result.last_failure_ms = Date.now() - killAt;
        send(lane); // same client_msg_id
      }, o.requestTimeoutMs);
      pub.send(JSON.stringify({ type: 'broadcast_event', ref, channel: lane.channel, event_type: 'bench', client_msg_id: lane.cmid, data: { t: nowMs(), c: lane.cmid } }));
    };
    pub.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (f.type !== 'reply' && f.type !== 'error') return;
      const r = refs.get(f.ref as number);
      if (!r) return;
      refs.delete(f.ref as number);
      const lane = r.lane;
      if (f.type === 'reply' && f.ok === true) {
        const offset = f.offset as number;
        const first = lane.ackedBy.get(r.cmid);
        if (first !== undefined) {
          if (first !== offset) result.ack_mismatches++;
          return;
        }
        lane.ackedBy.set(r.cmid, offset);
        if (lane.cmid !== r.cmid || !lane.awaiting) return;
        clearTimeout(lane.timer);
        lane.awaiting = false;
        lane.acks.push({ offset, at: Date.now(), sentAt: r.sentAt });
        lane.cmid = undefined;
        lane.nextAt = lane.sentAt + intervalMs;
        return;
      }
      const code = String(f.code);
      result.error_codes[code] = (result.error_codes[code] ?? 0) + 1;
      if (f.ref !== lane.ref) {
        // The answer to an attempt this client already retried (e.g. the server's own ask timeout, 5 s): not a new failure.
        result.late_errors++;
        return;
      }
      if (Date.now() >= killAt) {
        const group = lane.victim ? result.errors_after_kill.victim : result.errors_after_kill.others;
        group[code] = (group[code] ?? 0) + 1;
        result.errors_after_kill.last_ms = Date.now() - killAt;
        if (lane.victim) result.last_failure_ms = Date.now() - killAt;
        result.error_samples[code] ??= { after_kill_ms: Date.now() - killAt, frame: data.toString('utf8').slice(0, 400) };
      }
      if (lane.cmid !== r.cmid || !lane.awaiting) return;
      clearTimeout(lane.timer);
      lane.timer = setTimeout(() => send(lane), Math.max(o.retryDelayMs, Number(f.retry_after_ms ?? 0) > 0 ? Math.min(Number(f.retry_after_ms), 1000) : 0));
    });
    // Spread the lanes' first publishes over one interval.
    const t0 = Date.now();
    lanes.forEach((l, i) => (l.nextAt = t0 + (i / lanes.length) * intervalMs));
    ticker = setInterval(() => {
      if (!publishing) return;
      const now = Date.now();
      for (const lane of lanes) {
        if (lane.awaiting || now < lane.nextAt) continue;
        lane.cmid = `${lane.channel}#${++lane.seq}`;
        send(lane);
      }
    }, 5);

    const alive = (): void => {
      c.alive();
      if (pubClosed) throw new Error(pubClosed);
      const gone = subs.find((s) => s.closed);
      if (gone) throw new Error(`subscriber on ${gone.node}: ${gone.closed}`);
    };
    for (let s = 0; s < o.beforeS; s++) {
      await sleep(1000);
      alive();
      progress(tag, `before the kill ${s + 1}/${o.beforeS} s: ${lanes.reduce((a, l) => a + l.acks.length, 0)} acked`);
    }
    const probers = await Promise.all(lanes.filter((l) => l.victim).map((l) => openSocket(`ws://${HOST}:${c.nodes[0]!.server.port}/ws`, 10_000).then((ws) => ({ ws, channel: l.channel }))));
    sockets.push(...probers.map((p) => p.ws));
    killAt = c.kill9(victim);
    progress(tag, `killed ${victim} (SIGKILL)`);
    const actorsBack = Promise.all(probers.map((p) => joinUntilAnswered(p.ws, p.channel, killAt, killAt + o.afterS * 1000, o.retryDelayMs)));
    for (let s = 0; s < o.afterS; s++) {
      await sleep(1000);
      alive();
      const recovered = lanes.filter((l) => l.victim && l.acks.some((a) => a.sentAt > killAt)).length;
      progress(tag, `after the kill ${s + 1}/${o.afterS} s: ${recovered}/${result.victim_channels} of ${victim}'s channels acknowledge again; errors ${JSON.stringify(result.error_codes)}, timeouts ${result.timeouts}`);
    }
    const back = await actorsBack;
    const answered = back.map((b) => b.ms).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    result.actor_recovery_ms = {
      first: answered[0] ?? NaN,
      median: answered[Math.floor(answered.length / 2)] ?? NaN,
      max: answered.length === back.length ? answered.at(-1)! : Number.POSITIVE_INFINITY,
      unrecovered: back.length - answered.length,
      failed_attempts: back.reduce((a, b) => a + b.failed, 0),
    };
    publishing = false;
    await waitUntil(() => lanes.every((l) => !l.awaiting), o.requestTimeoutMs * 5, { what: 'last publishes acknowledged', onTick: alive, detail: () => `${lanes.filter((l) => l.awaiting).length} lanes still waiting` });
    clearInterval(ticker);

    // Every acknowledged offset must reach every subscriber.
    const want = new Map(lanes.map((l) => [l.channel, Math.max(0, ...l.acks.map((a) => a.offset))]));
    const d0 = Date.now();
    try {
      await waitUntil(() => subs.every((s) => lanes.every((l) => (s.offsets.get(l.channel)!.at(-1) ?? 0) >= want.get(l.channel)!)), o.drainTimeoutMs, { what: 'subscribers caught up', onTick: alive });
    } catch (err) {
      progress(tag, `${(err as Error).message}: counting what is missing`);
    }
    result.drain_ms = Date.now() - d0;

    // Verification.
    for (const l of lanes) {
      const acked = new Set(l.acks.map((a) => a.offset));
      for (const s of subs) {
        const got = s.offsets.get(l.channel)!;
        const seen = new Set<number>();
        let prev = 0;
        for (const off of got) {
          if (seen.has(off)) result.duplicates++;
          else if (off < prev) result.out_of_order++;
          seen.add(off);
          prev = Math.max(prev, off);
          if (!acked.has(off)) result.unacked_events++;
        }
        for (const off of acked) if (!seen.has(off)) result.lost++;
      }
    }
    for (const s of subs) {
      result.epoch_changes += s.epochChanges;
      result.republished += [...s.cmidAt.keys()].filter((k) => k.includes('#dup')).length;
    }
    result.publishes_acked = lanes.reduce((a, l) => a + l.acks.length, 0);
    result.publishes_acked_after_kill = lanes.reduce((a, l) => a + l.acks.filter((x) => x.at > killAt).length, 0);
    const rec = lanes
      .filter((l) => l.victim)
      .map((l) => l.acks.find((a) => a.sentAt > killAt))
      .map((a) => (a ? a.at - killAt : Number.POSITIVE_INFINITY))
      .sort((a, b) => a - b);
    const done = rec.filter((x) => Number.isFinite(x));
    result.recovery_ms = { first: done[0] ?? NaN, median: done[Math.floor(done.length / 2)] ?? NaN, max: done.length === rec.length ? done.at(-1)! : Number.POSITIVE_INFINITY, unrecovered: rec.length - done.length };
    let gap = 0;
    for (const l of lanes.filter((x) => !x.victim)) {
      const times = [killAt, ...l.acks.map((a) => a.at).filter((t) => t > killAt)];
      for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
    }
    result.other_channels_max_ack_gap_ms = gap;
    result.ok = true;
    progress(tag, `publishes acknowledged again first / median / max ${result.recovery_ms.first} / ${result.recovery_ms.median} / ${result.recovery_ms.max} ms; joins answered again ${result.actor_recovery_ms.first} / ${result.actor_recovery_ms.median} / ${result.actor_recovery_ms.max} ms; lost ${result.lost}, duplicates ${result.duplicates}, out of order ${result.out_of_order}, unacked events ${result.unacked_events}`);
  } catch (err) {
    result.error = (err as Error).message;
    progress(tag, `FAILED: ${result.error}`);
  } finally {
    clearInterval(ticker);
    for (const l of lanes) clearTimeout(l.timer);
    for (const ws of sockets) ws.terminate();
    await cluster?.stop();
  }
  return result;
}
