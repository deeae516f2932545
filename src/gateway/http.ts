// Small helpers over uWS's HttpResponse: JSON answers, bounded bodies, and
// the abort bookkeeping uWS requires for asynchronous handlers.
import type { HttpResponse } from 'uWebSockets.js';
import { HaatError, type ErrorBody } from '../errors.ts';
import { jsonTooDeep, tooDeepError } from './json-depth.ts';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden',
  404: '404 Not Found', 409: '409 Conflict', 413: '413 Payload Too Large', 429: '429 Too Many Requests', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export interface Reply {
  aborted: boolean;
  res: HttpResponse;
}

/** Marks the response aborted when the client goes away; writes are skipped then. */
export function track(res: HttpResponse): Reply {
  const r: Reply = { aborted: false, res };
  res.onAborted(() => {
    r.aborted = true;
  });
  return r;
}

export function sendJson(r: Reply, status: number, body: unknown, contentType = 'application/json'): void {
  if (r.aborted) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  r.res.cork(() => {
    r.res.writeStatus(STATUS_TEXT[status] ?? String(status)).writeHeader('content-type', contentType).end(text);
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
    r.res.end(JSON.stringify(body));
  });
}

/** Reads a body as bytes, at most `maxBytes` (rejects with too_large past it): exactly as sent, e.g. for a webhook's signature. */
export function readRaw(r: Reply, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    r.res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        reject(new HaatError('too_large', `body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this callback
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}

/** Reads a JSON body of at most `maxBytes`; rejects with bad_request / too_large. */
export async function readJson(r: Reply, maxBytes: number): Promise<unknown> {
  const text = (await readRaw(r, maxBytes)).toString('utf8');
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
