// A short cut in front of the zod schemas of frames.ts for the hottest
// request frames. zod stays the source of truth: a shape here accepts a frame
// only when every member is one it lists and passes a check at least as
// strict as the schema's; anything else (an unknown member, a member it does
// not list such as `metadata`, a wrong type, a value near a limit it does not
// model) returns undefined and the frame goes through zod, which gives the
// answer and the error message. frame-fast-path.test.ts checks every shape
// against zod on boundary and random inputs: a shape that ever accepts what
// zod refuses, or returns something else than zod would, fails it.
import type { ClientFrame } from './frames.ts';

/** An event type: free-form text (PROTOCOL.md §3b) without control characters; frames.ts's schema uses it too. */
export const EVENT_TYPE_TEXT = /^[^\u0000-\u001f\u007f]+$/;

/** How one member is checked; each rule is the same as, or narrower than, the member's zod schema. */
export type FieldRule =
  /** z.union([z.number().finite(), z.string().max(64)]) */
  | { kind: 'ref' }
  /** z.literal(type) */
  | { kind: 'type' }
  /** z.string().min(min).max(max) (.regex(pattern)); length in UTF-16 units, as zod counts */
  | { kind: 'string'; min: number; max: number; pattern?: RegExp }
  /** z.enum(values) */
  | { kind: 'oneOf'; values: readonly string[] }
  /** z.number().int() between min and max, both safe integers */
  | { kind: 'int'; min: number; max: number }
  /** z.unknown() that must be present: any value JSON.parse makes */
  | { kind: 'present' };

export interface FrameShape {
  readonly type: ClientFrame['type'];
  readonly required: Readonly<Record<string, FieldRule>>;
  readonly optional: Readonly<Record<string, FieldRule>>;
}

const REF: FieldRule = { kind: 'ref' };
const TYPE: FieldRule = { kind: 'type' };
const CHANNEL: FieldRule = { kind: 'string', min: 1, max: 200 };
const CLIENT_ID: FieldRule = { kind: 'string', min: 1, max: 128 };

/** The request frames that carry nearly all inbound traffic. */
export const FAST_SHAPES: readonly FrameShape[] = [
  {
    type: 'send_message',
    required: { type: TYPE, channel: CHANNEL, message: { kind: 'string', min: 1, max: 4000 } },
    // metadata (a record) is left to zod.
    optional: { ref: REF, message_type: { kind: 'string', min: 1, max: 32 }, client_msg_id: CLIENT_ID },
  },
  {
    type: 'broadcast_event',
    required: { type: TYPE, channel: CHANNEL, event_type: { kind: 'string', min: 1, max: 64, pattern: EVENT_TYPE_TEXT }, data: { kind: 'present' } },
    optional: { ref: REF, priority: { kind: 'oneOf', values: ['low', 'normal', 'high'] }, ttl_s: { kind: 'int', min: 1, max: 7 * 24 * 3600 }, client_msg_id: CLIENT_ID },
  },
];

interface Member {
  rule: FieldRule;
  required: boolean;
}

interface Compiled {
  members: Map<string, Member>;
  required: number;
}

const byType = new Map<string, Compiled>();
for (const s of FAST_SHAPES) {
  const members = new Map<string, Member>();
  for (const [k, rule] of Object.entries(s.required)) members.set(k, { rule, required: true });
  for (const [k, rule] of Object.entries(s.optional)) members.set(k, { rule, required: false });
  byType.set(s.type, { members, required: Object.keys(s.required).length });
}

const hasOwn = Object.prototype.hasOwnProperty;

function passes(rule: FieldRule, v: unknown): boolean {
  switch (rule.kind) {
    case 'type':
      return true; // the lookup by type already matched it
    case 'ref':
      return typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.length <= 64;
    case 'string':
      return typeof v === 'string' && v.length >= rule.min && v.length <= rule.max && (rule.pattern === undefined || rule.pattern.test(v));
    case 'oneOf':
      return typeof v === 'string' && rule.values.includes(v);
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= rule.min && v <= rule.max;
    case 'present':
      return v !== undefined;
  }
}

/**
 * The frame when it is one of FAST_SHAPES and certainly valid; undefined
 * means "ask zod" (not "invalid"). `obj` is a plain object from JSON.parse;
 * with only listed members, it already is what zod would return.
 */
export function fastFrame(obj: Record<string, unknown>): ClientFrame | undefined {
  const type = obj.type;
  if (typeof type !== 'string') return undefined;
  const shape = byType.get(type);
  if (shape === undefined) return undefined;
  let required = 0;
  for (const k in obj) {
    if (!hasOwn.call(obj, k)) return undefined;
    const m = shape.members.get(k);
    if (m === undefined || !passes(m.rule, obj[k])) return undefined;
    if (m.required) required++;
  }
  return required === shape.required ? (obj as ClientFrame) : undefined;
}
