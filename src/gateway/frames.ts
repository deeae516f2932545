// Client frames (PROTOCOL.md §2), validated at the edge with zod. Inside the
// gateway a frame is a member of ClientFrame, matched exhaustively.
import { z } from 'zod';
import { HaatError } from '../errors.ts';
import { textError } from '../i18n/realtime-messages.ts';
import { toPaisa } from '../domain/commerce/money.ts';
import { EVENT_TYPE_TEXT, fastFrame } from './frame-fast-path.ts';
import { jsonTooDeep, MAX_JSON_DEPTH, tooDeepError } from './json-depth.ts';

const ref = z.union([z.number().finite(), z.string().max(64)]);
const channelName = z.string().min(1).max(200);
const clientId = z.string().min(1).max(128);
const channelList = z.array(channelName).min(1).max(500);
/** Auction, sale and SKU ids: what a channel id may be (§3), since `auction:{id}` and `sale:{id}` are channels. */
export const resourceId = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must match [A-Za-z0-9_.-]{1,128}');
/** Taka with at most two decimals (§7), read into whole paisa. */
export const takaAmount = z
  .number()
  .positive()
  .refine((n) => toPaisa(n) !== undefined, 'must be taka with at most two decimals')
  .describe('taka (BDT), at most two decimals');

/**
 * A client's free-form JSON object (chat metadata, notification params and
 * data), kept as sent. Its keys are the client's to choose, `__proto__`
 * included, and z.record leaves a `__proto__` key out of the object it builds
 * (assigning it would set the object's prototype): the key vanished from
 * what the client got back.
 */
export const jsonObject = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a JSON object')
  .meta({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} });

/** The presence frame's fields, shared with PUT presence (§10). */
export const presenceFields = {
  status: z.enum(['online', 'away', 'busy', 'invisible']),
  current_page: z.string().max(512).nullable().optional(),
  // Free-form (e.g. {"viewing":"p1","cart_items":2}); bounded so one user cannot bloat its actor.
  shopping_activity: z
    .unknown()
    .refine((v) => v === undefined || JSON.stringify(v).length <= 2048, 'must be JSON of at most 2048 characters')
    .optional(),
};

// Forward compatibility, exactly (§2): members a frame type does not know are
// dropped (z.object strips them) and the frame is answered as if they were
// absent; a known member of the wrong type or value is bad_request.
const frames = {
  join_channel: z.object({
    type: z.literal('join_channel'),
    ref: ref.optional(),
    channels: channelList,
    since: z.record(z.string(), z.object({ epoch: z.string().min(1).max(64), offset: z.number().int().min(0) })).optional(),
    tokens: z.record(z.string(), z.string().max(4096)).optional(),
  }),
  leave_channel: z.object({ type: z.literal('leave_channel'), ref: ref.optional(), channels: channelList }),
  send_message: z.object({
    type: z.literal('send_message'),
    ref: ref.optional(),
    channel: channelName,
    message: z.string().min(1).max(4000),
    message_type: z.string().min(1).max(32).optional(),
    metadata: jsonObject.optional(),
    client_msg_id: clientId.optional(),
  }),
  broadcast_event: z.object({
    type: z.literal('broadcast_event'),
    ref: ref.optional(),
    channel: channelName,
    // Free-form for application events (PROTOCOL.md §3b): any text of 1 to 64 characters but control characters.
    event_type: z.string().min(1).max(64).regex(EVENT_TYPE_TEXT, 'no control characters'),
    data: z.unknown().refine((d) => d !== undefined, 'data is required'),
    priority: z.enum(['low', 'normal', 'high']).optional(),
    ttl_s: z.number().int().positive().max(7 * 24 * 3600).optional(),
    client_msg_id: clientId.optional(),
  }),
  bid: z.object({
    type: z.literal('bid'),
    ref: ref.optional(),
    auction_id: resourceId,
    amount: takaAmount,
    client_bid_id: clientId.optional(),
  }),
  reserve: z.object({
    type: z.literal('reserve'),
    ref: ref.optional(),
    sale_id: resourceId,
    sku: resourceId,
    qty: z.number().int().min(1).max(1000),
    client_req_id: clientId.optional(),
  }),
  release: z.object({ type: z.literal('release'), ref: ref.optional(), sale_id: resourceId, reservation_id: z.string().min(1).max(64) }),
  ping: z.object({ type: z.literal('ping'), ref: ref.optional() }),
  presence: z.object({
    type: z.literal('presence'),
    ref: ref.optional(),
    ...presenceFields,
  }),
  ack: z.object({ type: z.literal('ack'), ref: ref.optional(), notification_ids: z.array(z.string().min(1).max(128)).min(1).max(500) }),
  /** haat's extension for chat: "I am typing" on `chat:{room_id}`, a low-priority event that is not stored. */
  typing: z.object({ type: z.literal('typing'), ref: ref.optional(), channel: channelName }),
} as const;

export type ClientFrame = { [K in keyof typeof frames]: z.infer<(typeof frames)[K]> }[keyof typeof frames];
export type FrameRef = z.infer<typeof ref>;

/** Frame types of the protocol that this version of the node does not serve yet. */
const LATER = new Set<string>();

export type Parsed = { ok: true; frame: ClientFrame } | { ok: false; error: HaatError; ref: FrameRef | undefined };

function fail(error: HaatError, r: FrameRef | undefined): Parsed {
  return { ok: false, error, ref: r };
}

export function parseFrame(text: string): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(textError('bad_request', 'error.bad_request.not_json', { reason: (err as Error).message }), undefined);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(textError('bad_request', 'error.bad_request.not_object', {}), undefined);
  const obj = raw as Record<string, unknown>;
  // A frame that short cannot nest that deep: the walk is skipped for most frames.
  if (text.length > 2 * MAX_JSON_DEPTH && jsonTooDeep(obj)) {
    const r = ref.safeParse(obj.ref);
    return fail(tooDeepError(), r.success ? r.data : undefined);
  }
  const fast = fastFrame(obj);
  if (fast !== undefined) return { ok: true, frame: fast };
  return validateFrame(obj);
}

/** The zod path, the source of truth (frame-fast-path.ts only short-cuts frames it proves valid). */
export function validateFrame(obj: Record<string, unknown>): Parsed {
  // The ref is checked on its own only when the frame fails: the frame's
  // schema checks it too, and a valid frame (nearly all) is parsed once.
  // Own keys only: "constructor" or "__proto__" must not find Object's members.
  const schema = typeof obj.type === 'string' && Object.hasOwn(frames, obj.type) ? (frames as Record<string, z.ZodType<ClientFrame>>)[obj.type] : undefined;
  const parsed = schema?.safeParse(obj);
  if (parsed?.success) return { ok: true, frame: parsed.data };
  const r = ref.safeParse(obj.ref);
  if (obj.ref !== undefined && !r.success) return fail(textError('bad_request', 'error.bad_request.bad_ref', {}), undefined);
  const theRef = r.success ? r.data : undefined;
  if (typeof obj.type !== 'string') return fail(textError('bad_request', 'error.bad_request.no_type', {}), theRef);
  if (!parsed) {
    if (LATER.has(obj.type)) return fail(new HaatError('unknown_type', `\`${obj.type}\` is not served by this version of haat yet`), theRef);
    return fail(textError('unknown_type', 'error.unknown_type.frame', { frame: obj.type.slice(0, 64) }), theRef);
  }
  const issue = parsed.error.issues[0];
  const why = issue?.message ?? 'invalid frame';
  if (issue && issue.path.length > 0) return fail(textError('bad_request', 'error.bad_request.frame_field', { frame: obj.type, field: issue.path.join('.'), issue: why }), theRef);
  return fail(textError('bad_request', 'error.bad_request.frame', { frame: obj.type, issue: why }), theRef);
}

/** Schema of the REST broadcast body (§10), shared with the frame's field rules. */
export const broadcastBody = z
  .strictObject({
    channel: channelName.optional(),
    channels: channelList.optional(),
    event_type: frames.broadcast_event.shape.event_type,
    data: frames.broadcast_event.shape.data,
    priority: frames.broadcast_event.shape.priority,
    ttl_s: frames.broadcast_event.shape.ttl_s,
    client_msg_id: clientId.optional(),
  })
  .refine((b) => (b.channel === undefined) !== (b.channels === undefined), 'give exactly one of `channel` and `channels`')
  .describe('give exactly one of `channel` and `channels`');
export type BroadcastBody = z.infer<typeof broadcastBody>;

/** Adds the request's ref to an answer (mutates: answers are built fresh for each request). */
export function withRef<T extends object>(frame: T, ref: FrameRef | undefined): T & { ref?: FrameRef } {
  if (ref !== undefined) (frame as T & { ref?: FrameRef }).ref = ref;
  return frame;
}
