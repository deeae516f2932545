// Reads a request body as bytes, for routes that must see it exactly as sent
// (a webhook's signature covers the raw body, not its JSON).
import { HaatError } from '../errors.ts';
import type { Reply } from './http.ts';

/** The body, at most `maxBytes`; rejects with too_large past it. */
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
