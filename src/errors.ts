// The one error catalogue: the codes of PROTOCOL.md §9 with their `temporary`
// flag and the HTTP status REST answers with. Everything that reaches a client
// as an error goes through HaatError so that code, flag and status agree.
import { nanoid } from 'nanoid';

export const ERROR_CODES = {
  bad_request: { temporary: false, status: 400 },
  unknown_type: { temporary: false, status: 400 },
  unauthorized: { temporary: false, status: 401 },
  forbidden: { temporary: false, status: 403 },
  not_found: { temporary: false, status: 404 },
  conflict: { temporary: false, status: 409 },
  too_large: { temporary: false, status: 413 },
  rate_limited: { temporary: true, status: 429 },
  channel_limit: { temporary: false, status: 400 },
  unavailable: { temporary: true, status: 503 },
  internal: { temporary: true, status: 500 },
  // extensions of §9 (README "Spam and abuse")
  spam: { temporary: false, status: 422 },
  request_timeout: { temporary: true, status: 408 },
  // domain codes (§7, §8)
  bid_too_low: { temporary: false, status: 409 },
  auction_not_open: { temporary: false, status: 409 },
  auction_closed: { temporary: false, status: 409 },
  auction_not_found: { temporary: false, status: 404 },
  sold_out: { temporary: false, status: 409 },
  limit_exceeded: { temporary: false, status: 409 },
  sale_not_started: { temporary: false, status: 409 },
  sale_ended: { temporary: false, status: 409 },
  sale_not_found: { temporary: false, status: 404 },
} as const satisfies Record<string, { temporary: boolean; status: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** The JSON shape of an error on the wire (frames add `type` and `ref`). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  temporary: boolean;
  retry_after_ms?: number;
  id?: string;
  /** Bengali answers whose message is the code's general text keep the specific English one here (for developers). */
  detail?: string;
}

/** A message of locales/{en,bn}/realtime-messages.json that says this error in the client's language (src/i18n/realtime-messages.ts). */
export interface ErrorText {
  key: string;
  params?: Readonly<Record<string, string | number>>;
}

export class HaatError extends Error {
  readonly code: ErrorCode;
  readonly temporary: boolean;
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  /** Correlates an `internal` error in a client's hands with the log line. */
  readonly id: string | undefined;
  /** The localized form of `message`; without it a Bengali client gets the code's own text. Not on the wire. */
  readonly text: ErrorText | undefined;

  constructor(code: ErrorCode, message: string, opts: { retryAfterMs?: number; id?: string; cause?: unknown; text?: ErrorText } = {}) {
    // Only an `internal` error (a bug) carries a stack. The others are answers
    // (bid_too_low, sold_out, rate_limited...) on hot paths, and capturing a
    // stack costs about 10 µs on our VMs, more than the rest of a bid.
    const limit = Error.stackTraceLimit;
    if (code !== 'internal') Error.stackTraceLimit = 0;
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    Error.stackTraceLimit = limit;
    this.name = 'HaatError';
    this.code = code;
    this.temporary = ERROR_CODES[code].temporary;
    this.status = ERROR_CODES[code].status;
    this.retryAfterMs = opts.retryAfterMs;
    this.id = opts.id;
    this.text = opts.text;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, temporary: this.temporary };
    if (this.retryAfterMs !== undefined) body.retry_after_ms = this.retryAfterMs;
    if (this.id !== undefined) body.id = this.id;
    return body;
  }

  /** Rebuilds an error that crossed a thread or process boundary as a body. */
  static fromBody(body: { code: string; message: string; retry_after_ms?: number; id?: string }): HaatError {
    const code: ErrorCode = isErrorCode(body.code) ? body.code : 'internal';
    const opts: { retryAfterMs?: number; id?: string } = {};
    if (body.retry_after_ms !== undefined) opts.retryAfterMs = body.retry_after_ms;
    if (body.id !== undefined) opts.id = body.id;
    return new HaatError(code, body.message, opts);
  }
}

/** What a client is told of an `internal` error; the details go to the log only. */
export const INTERNAL_MESSAGE = 'internal error';

/** A fresh id to find an `internal` error's log line (PROTOCOL.md §9). */
export function newErrorId(): string {
  return `err_${nanoid(10)}`;
}

/** Anything thrown becomes a HaatError; unknown failures are `internal`, with a generic message and an id. */
export function toHaatError(err: unknown, id?: string): HaatError {
  if (err instanceof HaatError) return err;
  return new HaatError('internal', INTERNAL_MESSAGE, { cause: err, id: id ?? newErrorId() });
}

/**
 * What a client may see of a failure (PROTOCOL.md §9): a catalogue error as it
 * is; an `internal` one (ours, or one that crossed a thread) only as the
 * generic message and an `id`, keeping an id it already had. The caller logs
 * the original with that id.
 */
export function forClient(err: unknown): HaatError {
  const e = toHaatError(err);
  if (e.code !== 'internal' || (e.message === INTERNAL_MESSAGE && e.id !== undefined)) return e;
  return new HaatError('internal', INTERNAL_MESSAGE, { cause: err, id: e.id ?? newErrorId() });
}
