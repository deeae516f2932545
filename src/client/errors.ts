// Errors the client hands to the app: a server `error` frame, or one of the
// client's own (timeout, queue overflow, closed). Same fields either way.

export interface ErrorFrame {
  type: 'error';
  ref?: number | string;
  code: string;
  message?: string;
  temporary?: boolean;
  retry_after_ms?: number;
  [k: string]: unknown;
}

export class HaatError extends Error {
  readonly code: string;
  readonly temporary: boolean;
  readonly retry_after_ms: number | undefined;
  /** The server's error frame, when the server answered. */
  readonly frame: ErrorFrame | undefined;
  /** The idempotency key the request carried (client_msg_id, client_bid_id, client_req_id): pass it again to retry safely. */
  readonly idempotency_key: string | undefined;

  constructor(code: string, message: string, opts: { temporary?: boolean; retry_after_ms?: number | undefined; frame?: ErrorFrame; idempotency_key?: string | undefined } = {}) {
    super(message);
    this.name = 'HaatError';
    this.code = code;
    this.temporary = opts.temporary ?? false;
    this.retry_after_ms = opts.retry_after_ms;
    this.frame = opts.frame;
    this.idempotency_key = opts.idempotency_key;
  }

  static fromFrame(f: ErrorFrame, key?: string): HaatError {
    return new HaatError(f.code, f.message ?? f.code, { temporary: f.temporary === true, retry_after_ms: f.retry_after_ms, frame: f, idempotency_key: key });
  }
}
