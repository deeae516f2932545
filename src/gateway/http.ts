// Small helpers over uWS's HttpResponse: JSON answers, bounded bodies, and
// the abort bookkeeping uWS requires for asynchronous handlers.
import type { HttpResponse } from 'uWebSockets.js';
import { HaatError, type ErrorBody } from '../errors.ts';
import { textError } from '../i18n/realtime-messages.ts';
import { jsonTooDeep, tooDeepError } from './json-depth.ts';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 400: '400 Bad Request', 408: '408 Request Timeout', 422: '422 Unprocessable Entity', 401: '401 Unauthorized', 403: '403 Forbidden',
  404: '404 Not Found', 409: '409 Conflict', 413: '413 Payload Too Large', 429: '429 Too Many Requests', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export interface Reply {
  aborted: boolean;
  res: HttpResponse;
  /** The body was refused (too large, too slow): the answer closes the connection, so the rest of the body is not read. */
  closeAfter: boolean;
}

/** The longest a body may take to arrive unless the caller says otherwise (REST uses abuse.bodyTimeoutMs). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** Marks the response aborted when the client goes away; writes are skipped then. */
export function track(res: HttpResponse): Reply {
  const r: Reply = { aborted: false, res, closeAfter: false };
  res.onAborted(() => {
    r.aborted = true;
  });
  return r;
}

export function sendJson(r: Reply, status: number, body: unknown, contentType = 'application/json'): void {
  if (r.aborted) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  r.res.cork(() => {
    r.res.writeStatus(STATUS_TEXT[status] ?? String(status)).writeHeader('content-type', contentType).end(text, r.closeAfter);
  });
}

/**
 * Answers a catalogue error; an internal one is made fit for a client (and
 * logged) by the caller (errors.ts forClient). `body` is the error in the
 * caller's language when not English (RealtimeMessages.errorBody).
 */
export function sendError(r: Reply, e: HaatError, body: ErrorBody = e.toBody()): void {
  const headers = e.retryAfterMs === undefined ? undefined : Math.ceil(e.retryAfterMs / 1000);
  if (r.aborted) return;
  r.res.cork(() => {
    r.res.writeStatus(STATUS_TEXT[e.status] ?? String(e.status)).writeHeader('content-type', 'application/json');
    if (headers !== undefined) r.res.writeHeader('retry-after', String(headers));
    r.res.end(JSON.stringify(body), r.closeAfter);
  });
}

/**
 * Reads a body as bytes, exactly as sent (e.g. for a webhook's signature): at
 * most `maxBytes` (rejects with too_large past it) and complete within
 * `timeoutMs` of the request (rejects with request_timeout: a client sending
 * a body byte by byte holds a connection and a buffer). Either refusal marks
 * the reply `closeAfter`: its answer (413 or 408) closes the connection.
 */
export function readRaw(r: Reply, maxBytes: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (e: HaatError): void => {
      done = true;
      clearTimeout(timer);
      r.closeAfter = true;
      reject(e);
    };
    const timer = setTimeout(() => {
      if (!done) fail(textError('request_timeout', 'error.request_timeout.body', { ms: timeoutMs }));
    }, timeoutMs);
    r.res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) return fail(new HaatError('too_large', `body over ${maxBytes} bytes`));
      chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this callback
      if (isLast) {
        done = true;
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

/** Reads a JSON body of at most `maxBytes` within `timeoutMs`; rejects with bad_request / too_large / request_timeout. */
export async function readJson(r: Reply, maxBytes: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<unknown> {
  const text = (await readRaw(r, maxBytes, timeoutMs)).toString('utf8');
  if (text.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HaatError('bad_request', `body is not valid JSON: ${(err as Error).message}`);
  }
  if (jsonTooDeep(value)) throw tooDeepError();
  return value;
}

/**
 * A page or asset served by haat itself (GET /admin, GET /demo): never cached
 * stale, never sniffed, no referrer, under the page's content security policy.
 */
export function sendStatic(res: HttpResponse, contentType: string, body: string | Buffer, csp: string): void {
  res.cork(() => {
    res
      .writeStatus('200 OK')
      .writeHeader('content-type', contentType)
      .writeHeader('cache-control', 'no-cache')
      .writeHeader('x-content-type-options', 'nosniff')
      .writeHeader('referrer-policy', 'no-referrer')
      .writeHeader('content-security-policy', csp)
      .end(body);
  });
}
