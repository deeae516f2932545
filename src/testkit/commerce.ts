// REST and time helpers for the black-box tests (black box: fetch and WebSocket only).
import { toDhakaIso } from '../time/clock.ts';

/** `base` is the node's http(...) or a URL prefix like http://127.0.0.1:PORT. */
export function restClient(http: (path: string) => string) {
  const url = (path: string): string => http(`/api/v1/realtime/${path}`);
  return {
    get: async (path: string, bearer?: string): Promise<{ status: number; body: any }> => {
      const res = await fetch(url(path), { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      return { status: res.status, body: await res.json() };
    },
    post: (path: string, body: unknown, bearer?: string): Promise<{ status: number; body: any }> => send('POST', path, body, bearer),
    put: (path: string, body: unknown, bearer?: string): Promise<{ status: number; body: any }> => send('PUT', path, body, bearer),
  };
  async function send(method: string, path: string, body: unknown, bearer?: string): Promise<{ status: number; body: any }> {
    const res = await fetch(url(path), { method, headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }
}

/** An ISO 8601 time `ms` from now, in Dhaka time like the server's. */
export function isoIn(ms: number, from = Date.now()): string {
  return toDhakaIso(from + ms);
}

/** Resolves once the wall clock has passed `at` (auction and sale ends are wall-clock times). */
export function untilTime(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}
