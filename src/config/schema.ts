// The shape of config/*.json after environment overrides. Parsed once at start;
// modules receive only their slice (config.actors, config.gateway, ...).
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
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }),
  engine: z.strictObject({ redisUrl: z.string().nullable() }),
  // Membership timing (DESIGN.md §1): a node silent for suspectMs is suspect,
  // for deadMs dead (dropped from the ring, its mailbox taken over).
  cluster: z.strictObject({
    heartbeatMs: positiveInt,
    suspectMs: positiveInt,
    deadMs: positiveInt,
    mailboxBatch: positiveInt,
    mailboxBlockMs: positiveInt,
    supervisionMaxLen: positiveInt,
  }),
  store: z.strictObject({ mongoUrl: z.string().nullable() }),
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
    batchMax: positiveInt,
    restart: z.strictObject({ maxRestarts: z.number().int().min(0), withinMs: positiveInt }),
    passivateSweepMs: positiveInt,
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
  }),
  channels: z.strictObject({
    historySize: positiveInt,
    historyTtlMs: positiveInt,
    idempotencyTtlMs: positiveInt,
    idleMs: positiveInt,
  }),
});

export type Config = z.infer<typeof configSchema>;
export type ActorsConfig = Config['actors'];
export type GatewayConfig = Config['gateway'];
export type ChannelsConfig = Config['channels'];
export type AuthConfig = Config['auth'];
export type ClusterConfig = Config['cluster'];
