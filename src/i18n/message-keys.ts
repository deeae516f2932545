// The keys of locales/{en,bn}/realtime-messages.json and the parameters each
// may use. One message per error code (`error.{code}`) and per close kind
// (`close.{kind}`) is required, so a new code cannot ship without its
// Bengali; the specific messages below name the parameters the code passes.
import { CLOSE_CODES, type CloseKind } from '../close-codes.ts';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';

export const SPECIFIC_MESSAGES = {
  'closing.draining': [],
  'close.policy_violation.flooding': [],
  'close.too_many_connections.user': [],
  'close.too_many_connections.ip': [],
  'error.bad_request.not_json': ['reason'],
  'error.bad_request.not_object': [],
  'error.bad_request.no_type': [],
  'error.bad_request.bad_ref': [],
  'error.bad_request.frame_field': ['frame', 'field', 'issue'],
  'error.bad_request.frame': ['frame', 'issue'],
  'error.bad_request.binary': [],
  'error.bad_request.body_field': ['field', 'issue'],
  'error.bad_request.message_empty': [],
  'error.bad_request.message_too_long': ['max'],
  'error.unknown_type.frame': ['frame'],
  'error.too_large.frame': ['size', 'limit'],
  'error.rate_limited.frame': ['seconds'],
  'error.unauthorized.sign_in_to': ['action'],
  'error.unauthorized.token_required': [],
  'error.unauthorized.bearer_required': [],
  'error.forbidden.not_participant': ['action', 'channel'],
  'error.forbidden.admin_role': [],
  'error.forbidden.server_role': [],
  'error.not_found.route': ['method', 'url'],
  'error.unavailable.draining': [],
  'close.policy_violation.spam': [],
  'error.spam.message': ['rule'],
  'error.rate_limited.upgrade': ['seconds'],
  'error.unavailable.pending_upgrades': [],
  'error.request_timeout.body': ['ms'],
} as const satisfies Record<string, readonly string[]>;

export type SpecificKey = keyof typeof SPECIFIC_MESSAGES;
export type ParamsOf<K extends SpecificKey> = { readonly [P in (typeof SPECIFIC_MESSAGES)[K][number]]: string | number };

export const errorKey = (code: ErrorCode): string => `error.${code}`;
export const closeKey = (kind: CloseKind): string => `close.${kind}`;

/** Every key both files must have, with its parameters. */
export function expectedKeys(): Map<string, readonly string[]> {
  const keys = new Map<string, readonly string[]>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) keys.set(errorKey(code), []);
  for (const kind of Object.keys(CLOSE_CODES) as CloseKind[]) keys.set(closeKey(kind), []);
  for (const [key, params] of Object.entries(SPECIFIC_MESSAGES)) keys.set(key, params);
  return keys;
}
