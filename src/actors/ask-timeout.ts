// The refusal of an ask that got no answer within its timeout. The actor, or
// the node that owns it, is at least that far behind, so the refusal says when
// to try again: a crowd that retries at once (a flash sale's buyers, 100 ms
// later) only deepens the backlog that timed them out. It does not stop a
// retry from queueing behind its own first attempt (bench/README.md, the
// six-node races: about four retries per press with and without it).
import { HaatError } from '../errors.ts';

/** How long a client waits before it sends a timed-out request again (retry_after_ms). */
export const ASK_TIMEOUT_RETRY_AFTER_MS = 1000;

/** `where`: said after the address, e.g. "(on another node)". */
export function askTimedOut(address: string, timeoutMs: number, where?: string): HaatError {
  return new HaatError('unavailable', `ask to ${address}${where ? ` ${where}` : ''} timed out after ${timeoutMs} ms`, { retryAfterMs: ASK_TIMEOUT_RETRY_AFTER_MS });
}
