// Helpers for the client SDK's tests (src/client/*.test.ts): the `ws`
// constructor for Node 20, and a bounded wait on one of a client's events.
import WebSocket from 'ws';
import type { HaatClient, WebSocketCtor } from '../client/index.ts';
import { withTimeout } from './wait.ts';

export const WS = WebSocket as unknown as WebSocketCtor;

type Name = 'state' | 'authenticated' | 'event' | 'refetch' | 'error' | 'notification' | 'lean';

/** Resolves with the first value `name` emits that `match` accepts; rejects after `timeoutMs`. */
export function once<T>(c: HaatClient, name: Name, match: (v: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  let fn: ((v: T) => void) | undefined;
  return withTimeout(
    new Promise<T>((resolve) => {
      fn = (v: T): void => {
        if (!match(v)) return;
        c.off(name, fn as never);
        resolve(v);
      };
      c.on(name, fn as never);
    }),
    { timeoutMs, what: `the client's '${name}'` },
  ).finally(() => c.off(name, fn as never));
}
