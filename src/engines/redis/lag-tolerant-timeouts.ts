// ioredis times each command out with a timer of its own (commandTimeout).
// After the event loop was blocked past that time (a long turn under load, a
// big GC), the next turn runs its timers before it reads the sockets: every
// command in flight then failed "Command timed out" while its reply already
// sat unread in the socket (nodes in a 100,000-buyer race logged tens of
// thousands of them: rate leases, acks, saves refused as unavailable).
//
// Installed once, this makes the timer only schedule the rejection for the
// loop's check phase (setImmediate), which comes after the poll phase has
// read what arrived: a command whose reply is there resolves, and one with no
// reply still fails, one poll later. It does not help when Redis itself is
// late (a saturated machine: the race above still logs timeouts). The patch
// is checked against the pinned ioredis (package.json) by
// lag-tolerant-timeouts.test.ts.
import { Command } from 'ioredis';

const INSTALLED = Symbol.for('haat.ioredis.lagTolerantTimeouts');

interface TimedCommand {
  isSettled: boolean;
  reject(err: Error): void;
  _commandTimeoutTimer?: NodeJS.Timeout;
}

export function installLagTolerantTimeouts(): void {
  const proto = Command.prototype as unknown as Record<PropertyKey, unknown>;
  if (proto[INSTALLED]) return;
  if (typeof proto.setTimeout !== 'function' || !('isSettled' in new Command('ping'))) {
    throw new Error('ioredis changed: Command.prototype.setTimeout or Command#isSettled is missing (see lag-tolerant-timeouts.ts)');
  }
  proto.setTimeout = function setTimeout(this: TimedCommand, ms: number): void {
    if (this._commandTimeoutTimer) return;
    this._commandTimeoutTimer = globalThis.setTimeout(() => {
      setImmediate(() => {
        if (!this.isSettled) this.reject(new Error('Command timed out'));
      });
    }, ms);
  };
  proto[INSTALLED] = true;
}
