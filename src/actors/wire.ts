// What crosses the MessagePort between the main thread and a host thread.
// Items are batched per event-loop turn and sent as one JSON string (see
// STACK.md: a postMessage per item costs more than the work it carries).
import type { ErrorBody } from '../errors.ts';
import type { OutgoingMessage as ActorMessage } from './behaviour.ts';
import type { EngineOp } from './engine-link.ts';

export type WireError = Pick<ErrorBody, 'code' | 'message' | 'retry_after_ms' | 'id'>;

/** main -> host. `h` counts the hand-offs a message went through (absent: none). */
export type ToHost =
  | { k: 's'; a: string; m: ActorMessage; h?: number } // send
  | { k: 'a'; i: number; a: string; m: ActorMessage; h?: number; d?: number } // ask; `d`: when its asker stops waiting (monotonicMs, src/time/monotonic.ts)
  | { k: 'r'; i: number; v?: unknown; e?: WireError } // answer to an ask an actor made
  | { k: 'epoch'; e: number } // the ring epoch under which this node owns its actors (fencing)
  | { k: 'xr'; i: number; v?: unknown; e?: WireError } // answer to an engine call
  | { k: 'stop' };

/** `fenced`: a save was refused (another owner moved on); the actor stopped and handed its messages back. */
export type LifecycleKind = 'restart' | 'crash' | 'stopped' | 'passivated' | 'fenced';

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
  | { k: 'd'; n: number; x?: number } // n more inbound items processed (credit), x of them asks dropped past their deadline
  | { k: 'n'; n: number } // the host now holds n actors (sent when it changed)
  | { k: 'u'; a: string; t: string; e: WireError } // a send that could not be delivered
  | { k: 'h'; a: string; m: ActorMessage; i?: number; h: number } // handed back unprocessed (fenced actor): re-route; `i` is the main ask id
  | { k: 'x'; i: number; op: EngineOp } // an engine call served by the main thread (memory engine)
  | { k: 'm'; i: number; s: string; p: unknown } // a call to a main-thread service (answered with 'xr')
  | { k: 'l'; ev: LifecycleEvent }
  | { k: 'ready'; thread: number }
  | { k: 'trim'; before: number; after: number; ms: number } // the host thread trimmed its heap (src/heap/)
  | { k: 'heap'; used: number; committed: number } // the host thread's heap at its last check (src/heap/)
  | { k: 'stopped' };

export function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
