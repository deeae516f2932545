// Messages of the session load generator (session-worker.ts, client-process.ts,
// fleet.ts). A "session" is one client connection with a lifecycle: connect,
// join its channels, heartbeat, send, and (on command) drop, reconnect with
// `since`, or churn (leave, disconnect, come back).

/** Which channels connection `i` joins (see channelsFor in session-worker.ts). */
export type SubscribePattern =
  | 'none'
  /** Everyone on one hot channel, product:hot. */
  | 'hot'
  /** product:cold-<i % coldChannels>: many cold channels. */
  | 'cold'
  /** user:u<i> with a token whose sub is u<i> (per-user channels). */
  | 'user'
  /** i % 3: hot, cold, user. */
  | 'mix';

/** What a sending connection sends, chosen per frame. */
export type SendKind =
  /** send_message to user:u<k> (publisher role), k cycling over `targets`. */
  | 'user-message'
  /** broadcast_event to product:in-<k>, k cycling over `targets`. */
  | 'broadcast'
  /** alternate the two. */
  | 'mixed'
  /** {"type":"echo","ref":N} for the raw uWS echo baseline. */
  | 'echo'
  /** bid on auction <targetPrefix><k>, amount 100 + the connection's request count (so many are accepted, many too low). */
  | 'bid'
  /** reserve 1 unit of sku `k` in sale <targetPrefix>, with a fresh client_req_id per press. */
  | 'reserve'
  /** Socket.IO emit-with-ack `42<ref>["request",{channel,message}]`, answered by `43<ref>[...]`. */
  | 'socketio-ack';

export interface SendPattern {
  kind: SendKind;
  /** Frames per second per connection ('rate'), or bursts of `burst` every `burstEveryMs`. */
  mode: 'rate' | 'burst';
  /**
   * 'rate' only. 'aligned' (the default): every connection's schedule starts
   * at the same instant and is checked every 5 ms, so at N frames/s per
   * connection all connections send together, once per 1000/N ms (a crowd
   * pressing at the same second: the flash sale). 'spread': each connection's
   * schedule is offset by its own fraction of the period and checked every
   * millisecond, so the same total rate arrives evenly, as independent
   * clients send (what an answer-time percentile at a rate should measure).
   */
  arrivals?: 'aligned' | 'spread';
  perSecond: number;
  burst: number;
  burstEveryMs: number;
  /** Distinct target channels. */
  targets: number;
  /** Channel prefix of broadcast_event (default product:in-). */
  broadcastPrefix?: string;
  /** Cap of requests without an answer per connection: past it the schedule waits (counted as `sendStalls`). */
  maxOutstanding: number;
  /** bid: auction id prefix (auction `${targetPrefix}${k}`); reserve: the sale id. */
  targetPrefix?: string;
  /** Stop sending on a connection after this many requests (a buyer pressing "buy" a few times). */
  maxPerConn?: number;
  /** bid: only every Nth bid is high enough to lead (the others bid 1 taka, answered bid_too_low); 1 = every bid. */
  acceptEvery?: number;
  /** Resend a request refused with a temporary error (unavailable, rate_limited) as it was, after retry_after_ms or 100 ms. */
  retryTemporary?: boolean;
  /**
   * What the SDK does when the server drops a ready connection: connect to the
   * next server of `ports` (the one after, and on past any that refuses), with
   * the SDK's reconnect backoff, and send every request still unanswered again,
   * unchanged (the same client_req_id), once ready. Its answer time runs from
   * the first send. Without it a dropped connection's requests stay unanswered.
   */
  resendOnDrop?: boolean;
}

export interface SessionConfig {
  /** 'haat' (PROTOCOL.md), 'uws' (raw uWS: ready on open, nothing else spoken) or 'socketio' (Engine.IO v4 / Socket.IO v5 over `ws`, ready once connected to `/`). */
  protocol: 'haat' | 'uws' | 'socketio';
  host: string;
  port: number;
  /** Several servers (a cluster's nodes): connection i goes to ports[i % ports.length] instead of `port`. */
  ports?: number[];
  /** URL path, '/ws' for haat. */
  path: string;
  addresses: string[];
  subscribe: SubscribePattern;
  coldChannels: number;
  /** Extra channels for every connection (e.g. the storm's product:s-<i % K>), computed by `extraModulo`. */
  extraPrefix?: string;
  extraModulo?: number;
  /** HS256 secret and role for tokens; guests when undefined (user pattern forces tokens). */
  jwtSecret?: string;
  roles?: string[];
  /** Token sub is `${subPrefix}${i}`. */
  subPrefix: string;
  /** Application-level ping ({"type":"ping"}) per connection every heartbeatMs, 0 for none; RTT goes to the histogram. */
  heartbeatMs: number;
  send?: SendPattern;
  maxPending: number;
  handshakeTimeoutMs: number;
  progressMs: number;
}

export interface AssignCommand {
  cmd: 'assign';
  config: SessionConfig;
  /** Global connection indices: first, first+step, ... (count of them). */
  first: number;
  step: number;
  count: number;
}

export interface ReconnectCommand {
  cmd: 'reconnect';
  id: number;
  /** Full jitter: each connection waits uniform [0, jitterMs) before reconnecting. */
  jitterMs: number;
}

export interface ChurnCommand {
  cmd: 'churn';
  id: number;
  /** A connection lives uniform [minLifeMs, maxLifeMs) after joining, then leaves its channels, closes, and comes back after uniform [0, gapMs). */
  minLifeMs: number;
  maxLifeMs: number;
  gapMs: number;
  /** false stops churning (connections stay as they are). */
  on: boolean;
}

export type SessionCommand =
  | AssignCommand
  | { cmd: 'start-sending'; id: number }
  | { cmd: 'stop-sending'; id: number }
  /** New per-connection rate; `burst` > 0 switches to bursts of that many frames every burstEveryMs, 0 back to the fixed rate. */
  | { cmd: 'set-rate'; id: number; perSecond: number; burst?: number }
  | { cmd: 'reset'; id: number }
  | { cmd: 'collect'; id: number }
  /** terminate() every socket at once (no close handshake), as if the server or network dropped them. */
  | { cmd: 'drop'; id: number }
  | ReconnectCommand
  | ChurnCommand
  | { cmd: 'close'; id: number };

export interface SessionCounters {
  /** Connections open and past their join (ready), right now. */
  ready: number;
  /** Times a connection became ready (first connects + reconnects + churn cycles). */
  readyTotal: number;
  /** Connects that failed or closed before ready. */
  failed: number;
  /** Ready connections the server closed (not closed by us). */
  serverClosed: number;
  /** Close codes of serverClosed, "code": count. */
  closeCodes: Record<string, number>;
  /** Events received, offset gaps and duplicates (PROTOCOL.md §4). */
  events: number;
  gaps: number;
  duplicates: number;
  /** Events carrying the same `data.t` as the one before on that channel and connection: one publish delivered as two events (two offsets). */
  repeats: number;
  /** Events whose epoch differed from the one the connection had for the channel. */
  epochChanges: number;
  /** Joins with `since` answered recovered:true / false. */
  recovered: number;
  notRecovered: number;
  /** Reconnects commanded and reconnects that reached ready again. */
  reconnectsWanted: number;
  reconnectsDone: number;
  /** Date.now() when the last commanded reconnect became ready. */
  lastReconnectAt: number;
  joins: number;
  leaves: number;
  pingsSent: number;
  pongs: number;
  /** Requests sent and answered (reply ok), refused (error) by type. */
  sent: number;
  replies: number;
  errors: number;
  errorCodes: Record<string, number>;
  sendStalls: number;
  /** Temporary refusals resent (retryTemporary). */
  retried: number;
  /** resendOnDrop: ready connections the server dropped that became ready again on another server, and the unanswered requests sent again there. */
  redialed: number;
  resent: number;
  /** The same by why: code and message with its numbers and names blanked (see refusalKind). */
  retriedWhy: Record<string, number>;
  lastError: string | undefined;
}

export type SessionEvent =
  | ({ ev: 'progress' } & SessionCounters)
  /** delivery: publish → receipt of events whose data carries `t` (ms, nowMs() of the publisher). */
  | { ev: 'reply'; id: number; ping?: string; answer?: string; delivery?: string };

/** A refusal's kind, for counting: its code and its message with numbers and addresses blanked. */
export function refusalKind(code: string, message: unknown): string {
  const m = typeof message === 'string' ? message.replace(/[a-z]+:[\w.-]+/g, '<addr>').replace(/\d+/g, '#').slice(0, 80) : '';
  return `${code}: ${m}`;
}

export function emptyCounters(): SessionCounters {
  return {
    ready: 0,
    readyTotal: 0,
    failed: 0,
    serverClosed: 0,
    closeCodes: {},
    events: 0,
    gaps: 0,
    duplicates: 0,
    repeats: 0,
    epochChanges: 0,
    recovered: 0,
    notRecovered: 0,
    reconnectsWanted: 0,
    reconnectsDone: 0,
    lastReconnectAt: 0,
    joins: 0,
    leaves: 0,
    pingsSent: 0,
    pongs: 0,
    sent: 0,
    replies: 0,
    errors: 0,
    errorCodes: {},
    sendStalls: 0,
    retried: 0,
    redialed: 0,
    resent: 0,
    retriedWhy: {},
    lastError: undefined,
  };
}

/** Sums counters; `ready` etc. add up, lastReconnectAt is the latest, lastError the first one. */
export function addCounters(into: SessionCounters, c: SessionCounters): void {
  for (const k of Object.keys(into) as Array<keyof SessionCounters>) {
    if (k === 'closeCodes' || k === 'errorCodes' || k === 'retriedWhy') {
      for (const [code, n] of Object.entries(c[k])) into[k][code] = (into[k][code] ?? 0) + n;
    } else if (k === 'lastReconnectAt') {
      into.lastReconnectAt = Math.max(into.lastReconnectAt, c.lastReconnectAt);
    } else if (k === 'lastError') {
      into.lastError ??= c.lastError;
    } else {
      (into[k] as number) += c[k] as number;
    }
  }
}
