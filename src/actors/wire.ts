// What crosses the MessagePort between the main thread and a host thread.
// Items are batched per event-loop turn and sent as one JSON string (see
// STACK.md: a postMessage per item costs more than the work it carries).
import type { ErrorBody } from '../errors.ts';
import type { OutgoingMessage as ActorMessage } from './behaviour.ts';

export type WireError = Pick<ErrorBody, 'code' | 'message' | 'retry_after_ms' | 'id'>;

/** main -> host */
export type ToHost =
  | { k: 's'; a: string; m: ActorMessage } // send
  | { k: 'a'; i: number; a: string; m: ActorMessage } // ask
  | { k: 'r'; i: number; v?: unknown; e?: WireError } // answer to an ask an actor made
  | { k: 'stop' };

export type LifecycleKind = 'restart' | 'crash' | 'stopped' | 'passivated';

export interface LifecycleEvent {
  kind: LifecycleKind;
  address: string;
  detail: string;
  ts: number;
}

/** host -> main */
export type FromHost =
  | { k: 'r'; i: number; v?: unknown; e?: WireError } // answer to a main ask
  | { k: 's'; a: string; m: ActorMessage } // an actor sends
  | { k: 'a'; i: number; a: string; m: ActorMessage; t: number } // an actor asks
  | { k: 'o'; v: unknown } // an actor emits to the main thread
  | { k: 'd'; n: number } // n more inbound items processed (credit)
  | { k: 'u'; a: string; t: string; e: WireError } // a send that could not be delivered
  | { k: 'l'; ev: LifecycleEvent }
  | { k: 'ready'; thread: number }
  | { k: 'stopped' };

export function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
