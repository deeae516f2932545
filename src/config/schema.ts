// The shape of config/*.json after environment overrides. Parsed once at start;
// modules receive only their slice (config.actors, config.gateway, ...).
import { isIP } from 'node:net';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const configSchema = z.strictObject({
  env: z.string(),
  node: z.strictObject({ id: z.string().min(1) }),
  server: z.strictObject({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    drainTimeoutMs: positiveInt,
    reconnectAfterMs: z.strictObject({ min: z.number().int().min(0), max: positiveInt }),
  }),
  uws: z.strictObject({ allowFallback: z.boolean() }),
  /** Heap trims (src/heap/trim-policy.ts): a full collection while a thread is idle after its heap grew. */
  heap: z.strictObject({
    trim: z.strictObject({
      enabled: z.boolean(),
      checkMs: positiveInt,
      maxUtilization: z.number().min(0).max(1),
      minGrowthMb: z.number().positive(),
      minIntervalMs: positiveInt,
      /** Actors passivated since the last trim that make an idle host thread trim (their garbage is invisible until a collection). */
      minReleased: positiveInt,
    }),
    /**
     * Young generation of each host thread (V8's new space; semi-spaces a
     * third of it). V8 lets its new space grow to 32 MB after a burst (a ramp
     * of joins, a flash sale) and keeps it committed while idle, and a full
     * collection does not shrink it. Null: V8's default.
     */
    hostYoungGenerationMb: z.number().int().min(3).max(256).nullable(),
  }),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }),
  engine: z.strictObject({ redisUrl: z.string().nullable() }),
  // Membership timing (DESIGN.md §1): a node silent for suspectMs is suspect,
  // for deadMs dead (dropped from the ring, its mailbox taken over).
  cluster: z.strictObject({
    heartbeatMs: positiveInt,
    suspectMs: positiveInt,
    deadMs: positiveInt,
    /** The beat thread stops beating for a main thread silent this long (src/cluster/heartbeat-thread.ts): a hung node still leaves the ring. */
    mainHungMs: positiveInt,
    mailboxBatch: positiveInt,
    /** Mailbox entries handed to this node's actors and not answered yet, at most: reading waits past it. */
    mailboxMaxInFlight: positiveInt,
    mailboxBlockMs: positiveInt,
    /** Events from the bus are handed to local subscribers at most this late, several in one write (src/cluster/bus-coalescer.ts); 0: each at once. */
    busCoalesceMs: z.number().int().min(0).max(1000),
    supervisionMaxLen: positiveInt,
  }),
  store: z.strictObject({
    mongoUrl: z.string().nullable(),
    /** What the memory store (no mongoUrl) forgets: src/store/memory/retention.ts. */
    memory: z.strictObject({ notificationsPerUser: positiveInt, disconnectedKeepS: positiveInt, sweepS: positiveInt }),
    /** How often notifications past expires_at are marked expired in the store (src/store/notification-expiry.ts). */
    expireNotificationsS: positiveInt,
  }),
  auth: z.strictObject({
    jwtSecret: z.string().min(1),
    jwtSecretIsDefault: z.boolean(),
    publicKey: z.string().nullable(),
    publicKeyAlg: z.enum(['RS256', 'ES256']),
    allowGuests: z.boolean(),
  }),
  actors: z.strictObject({
    workers: positiveInt,
    mailboxLimit: positiveInt,
    hostQueueLimit: positiveInt,
    askTimeoutMs: positiveInt,
    /** How long a bid or reserve with a client key may take at its actor while its retries wait for it (src/gateway/keyed-asks.ts). */
    keyedAskFlightMs: positiveInt,
    batchMax: positiveInt,
    restart: z.strictObject({ maxRestarts: z.number().int().min(0), withinMs: positiveInt }),
    passivateSweepMs: positiveInt,
    /** How often due reminders are read: the lateness bound of an auction close or a hold expiry with the actor passivated. */
    reminderPollMs: positiveInt,
  }),
  gateway: z.strictObject({
    heartbeatMs: positiveInt,
    maxFrameBytes: positiveInt,
    messagesPerSecond: positiveInt,
    serverMessagesPerSecond: positiveInt,
    floodFactor: positiveInt,
    floodWindowMs: positiveInt,
    maxChannels: positiveInt,
    maxBackpressureBytes: positiveInt,
    slowConsumerCheckMs: positiveInt,
    maxConnectionsPerUser: positiveInt,
    maxConnectionsPerIp: positiveInt,
    /** Balancers in front of the node: exempt from the per-IP limit, and their X-Forwarded-For names the client (src/security/client-ip.ts). */
    trustedProxies: z.array(z.string().refine((ip) => isIP(ip) !== 0, 'must be an IPv4 or IPv6 address')),
  }),
  // Spam in chat (README "Spam and abuse"; src/security/spam.ts says what each threshold means).
  spam: z.strictObject({
    enabled: z.boolean(),
    windowMs: positiveInt,
    historyMax: positiveInt,
    maxRepeats: positiveInt,
    similarity: z.number().gt(0).max(1),
    minRepeatChars: z.number().int().min(0),
    maxLinksPerMessage: z.number().int().min(0),
    maxLinkMessages: z.number().int().min(0),
    maxPhonesPerMessage: z.number().int().min(0),
    maxPhoneMessages: z.number().int().min(0),
    newAccountMs: z.number().int().min(0),
    newAccountMaxMessages: positiveInt,
    newAccountWindowMs: positiveInt,
    newAccountMaxLinks: z.number().int().min(0),
    offenderRefusals: positiveInt,
    offenderWindowMs: positiveInt,
    maxTrackedUsers: positiveInt,
  }),
  // Connection and HTTP abuse (README "Spam and abuse"; src/security/upgrade-guard.ts).
  abuse: z.strictObject({
    /** Upgrades per second per IP (a token bucket holding upgradeBurstPerIp); loopback is not exempt. */
    upgradesPerSecondPerIp: positiveInt,
    upgradeBurstPerIp: positiveInt,
    /** A reconnect storm: more than stormMaxUpgrades upgrades of one IP or one user within stormWindowMs. */
    stormWindowMs: positiveInt,
    stormMaxUpgradesPerIp: positiveInt,
    stormMaxUpgradesPerUser: positiveInt,
    /** Refusals during a storm: backoffBaseMs, doubled per refusal within stormWindowMs, at most backoffMaxMs. */
    backoffBaseMs: positiveInt,
    backoffMaxMs: positiveInt,
    /** Upgrades whose authentication and admission are in flight, at most; past it 503. */
    maxPendingUpgrades: positiveInt,
    /** IPs and users whose upgrade counts are kept (the oldest are forgotten first). */
    maxTracked: positiveInt,
    /** REST bodies: at most this many bytes, received within bodyTimeoutMs of the request (else 408 and the connection closed). */
    maxBodyBytes: positiveInt,
    bodyTimeoutMs: positiveInt,
  }),
  // Mobile networks (PROTOCOL.md §6): lean mode, carriers, the measured link.
  network: z.strictObject({
    /** Conflation window per lean class (§6: 2 s for 2g, 500 ms for 3g). */
    lean: z.strictObject({ '2g': z.strictObject({ windowMs: positiveInt }), '3g': z.strictObject({ windowMs: positiveInt }) }),
    /** permessage-deflate for lean connections (negotiated at the upgrade, so only for `net=2g|3g`). */
    deflate: z.boolean(),
    /** A lean socket with more than this still in its send buffer is busy: its low events wait. */
    busyBytes: positiveInt,
    /** Low events held per lean connection while it is busy; past it the oldest are shed. */
    heldLowMax: positiveInt,
    /** Moving a connection into lean mode (and back) from what its link measures. */
    autoSwitch: z.strictObject({
      enabled: z.boolean(),
      /** How often each connection's send buffer is read (and a backlogged or lean one pinged). */
      sampleMs: positiveInt,
      enterRttMs: positiveInt,
      exitRttMs: positiveInt,
      rtt2gMs: positiveInt,
      slowDrainBytesPerS: positiveInt,
      samples: positiveInt,
    }),
    /** Per carrier: heartbeat (NAT keep-alive) and conflation windows; `other` or no carrier uses the defaults above. */
    carriers: z.partialRecord(
      z.enum(['grameenphone', 'banglalink', 'robi', 'teletalk', 'airtel', 'other']),
      z.strictObject({ heartbeatMs: positiveInt, window2gMs: positiveInt, window3gMs: positiveInt }),
    ),
  }),
  channels: z.strictObject({
    historySize: positiveInt,
    historyTtlMs: positiveInt,
    idempotencyTtlMs: positiveInt,
    /** Memory engine: the idempotency keys a host thread remembers for all its channels together (Redis keeps each for its ttl). */
    idempotencyMax: positiveInt,
    idleMs: positiveInt,
  }),
  // Auctions and flash sales (PROTOCOL.md §7, §8).
  commerce: z.strictObject({
    /** A `client_bid_id` / `client_req_id` is remembered this long. */
    idempotencyTtlMs: positiveInt,
    /** ...and for at most this many of an auction's newest accepted bids. */
    bidIdempotencyMax: positiveInt,
    /** Refused bids (and, apart, reserves) whose first answer a host thread remembers for all its auctions (sales) together (in memory: refusal-memory.ts). */
    refusalIdempotencyMax: positiveInt,
    /** At most one product_stock_update per SKU per window. */
    stockConflateMs: positiveInt,
    /** Idle auction and sale actors passivate (their state and reminders stay in the engine). */
    idleMs: positiveInt,
  }),
  // Presence and notifications (PROTOCOL.md §5, §10), kept by user actors.
  users: z.strictObject({
    /** A user whose last device left still shows its status this long (at most 10 s, §10). */
    offlineGraceMs: z.number().int().min(0).max(10_000),
    /** Notifications not yet acked (queued or delivered) kept per user; the oldest go first past it. */
    queueMax: positiveInt,
    /** Acked and expired notifications still listed by GET notifications, per user. */
    historyMax: z.number().int().min(0),
    /** A notification without `ttl_s` expires after this long. */
    defaultTtlS: positiveInt,
    /**
     * Idle user actors passivate (their state and reminders stay in the
     * engine; the next message activates them again). Short, because most
     * connected users are idle most of the time and an active actor per
     * connected user is what presence would cost in memory otherwise.
     */
    idleMs: positiveInt,
    /**
     * Low-priority promotions wait for the end of the quiet window after each
     * prayer's start in the user's division (README "Prayer times, festivals
     * and Bengali dates"); Jumu'ah on Friday is longer.
     */
    prayerQuiet: z.strictObject({
      enabled: z.boolean(),
      afterMinutes: z.number().int().min(0).max(120),
      jumuahMinutes: z.number().int().min(0).max(180),
    }),
  }),
  // Live analytics, alerts and the scaling signal (README "Analytics and alerts").
  analytics: z.strictObject({
    /** Nodes the cluster should have (HAAT_EXPECTED_NODES); the ring-members alert compares with it. 0: not set (the alert falls back to the last hour's maximum). */
    expectedNodes: z.number().int().min(0),
    /** The delivery latency p99 budget (DESIGN.md §4: end to end under 100 ms). */
    latencyBudgetMs: positiveInt,
    /** The window over which GET stats reports latency percentiles. */
    latencyWindowMs: positiveInt,
    /** desired_nodes = clamp(minNodes, maxNodes, max(ceil(connections / connectionsPerNode), ceil(nodes * cpu / cpuTarget))). */
    scaling: z.strictObject({
      connectionsPerNode: positiveInt,
      /** Target CPU utilization of a node (0..1 of its cores); the busiest node counts. */
      cpuTarget: z.number().positive().max(1),
      minNodes: positiveInt,
      maxNodes: positiveInt,
    }),
  }),
  // Payment webhooks (PROTOCOL.md §10): the HMAC secret per provider; null refuses that provider's calls.
  webhooks: z.strictObject({
    secrets: z.strictObject({ bkash: z.string().min(1).nullable(), nagad: z.string().min(1).nullable(), rocket: z.string().min(1).nullable() }),
  }),
  // The demo storefront (GET /demo, src/demo/): its token and payment helper routes
  // exist only when enabled (default in development, never in production).
  demo: z.strictObject({
    enabled: z.boolean(),
    /** The seeded auction ends this long after it is created (a new round when it has closed). */
    auctionSeconds: positiveInt,
    softCloseS: positiveInt,
    extendS: positiveInt,
    /** Lifetime of the demo tokens the page is given. */
    tokenTtlS: positiveInt.max(86_400),
  }),
  // Chat in two languages (README "Bengali everywhere"): a LibreTranslate-compatible
  // provider when `url` is set (HAAT_TRANSLATE_URL), else the offline phrasebook.
  translate: z.strictObject({
    /** Base URL of the provider; POST {url}/translate. null: phrasebook only. */
    url: z.url({ protocol: /^https?$/ }).nullable(),
    /** The longest a chat message waits for its translation before it goes on without one. */
    timeoutMs: positiveInt.max(10_000),
  }),
});

export type Config = z.infer<typeof configSchema>;
export type ActorsConfig = Config['actors'];
export type GatewayConfig = Config['gateway'];
export type SpamConfig = Config['spam'];
export type AbuseConfig = Config['abuse'];
export type ChannelsConfig = Config['channels'];
export type NetworkConfig = Config['network'];
export type AuthConfig = Config['auth'];
export type ClusterConfig = Config['cluster'];
export type CommerceConfig = Config['commerce'];
export type UsersConfig = Config['users'];
export type WebhooksConfig = Config['webhooks'];
export type TranslateConfig = Config['translate'];
export type DemoConfig = Config['demo'];
export type AnalyticsConfig = Config['analytics'];
