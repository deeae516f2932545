// A survivor that takes over the mailbox of a node that stalled after taking
// an entry (before acknowledging it) hands that entry to its own actor with
// the same delivery id (`via`) the stalled node's actor saw, so an actor can
// tell the second handling from a new message (the channel actor appends once:
// domain/channel/redelivery.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutgoingMessage } from '../actors/behaviour.ts';
import type { AnswerCallback } from '../actors/system.ts';
import { MemoryMailboxes } from '../engines/memory/memory-mailboxes.ts';
import { silentLogger } from '../log/logger.ts';
import { RemoteMailboxes, type LocalActors } from './remote-mailboxes.ts';
import { waitFor } from '../testkit/wait.ts';

/** The actors of one node, as the mailbox reader sees them: records what it is handed; answers unless stalled. */
class Actors implements LocalActors {
  readonly seen: { address: string; msg: OutgoingMessage }[] = [];
  constructor(private readonly stalled: boolean) {}
  requestLocal<R>(address: string, msg: OutgoingMessage, _timeoutMs: number | undefined, done: AnswerCallback<R>): void {
    this.seen.push({ address, msg });
    if (!this.stalled) done(undefined, { handled: msg.type } as R);
  }
}

function node(id: string, engine: MemoryMailboxes, actors: Actors): RemoteMailboxes {
  return new RemoteMailboxes({ nodeId: id, engine, local: actors, ring: () => undefined, logger: silentLogger(), batch: 16, blockMs: 20, sendTimeoutMs: 1000 });
}

test('an entry the stalled node took is handled again by the survivor with the same via; asks and sends alike', async () => {
  const engine = new MemoryMailboxes({ now: () => Date.now() });
  const n1Actors = new Actors(false);
  const n2Actors = new Actors(true);
  const n1 = node('n1', engine, n1Actors);
  const n2 = node('n2', engine, n2Actors);
  const n3 = node('n3', engine, new Actors(false));
  n2.start();
  n3.start(); // reads its answers
  try {
    const answer = new Promise<unknown>((resolve, reject) => n3.request('n2', 'channel:product:p1', { type: 'publish', event_type: 'x' }, 10_000, (err, v) => (err ? reject(err) : resolve(v))));
    n3.send('n2', 'channel:product:p2', { type: 'publish', event_type: 'y' });
    await waitFor(() => n2Actors.seen.length, (n) => n === 2, { timeoutMs: 5000, what: 'n2 to take both entries' });
    const [ask, send] = n2Actors.seen;
    const askVia = (ask!.msg as { via?: unknown }).via;
    const sendVia = (send!.msg as { via?: unknown }).via;
    assert.equal(typeof askVia, 'string');
    assert.equal(typeof sendVia, 'string');
    assert.notEqual(askVia, sendVia, 'each item its own id');
    // n2 stalls (its actor never finishes, nothing is acknowledged); n1 takes its mailbox over.
    assert.equal(await n1.takeOver('n2'), 2);
    assert.deepEqual(
      n1Actors.seen.map((s) => [s.address, (s.msg as { via?: unknown }).via]).sort(),
      [['channel:product:p1', askVia], ['channel:product:p2', sendVia]].sort(),
    );
    assert.deepEqual(await answer, { handled: 'publish' }, 'the survivor answers the asker');
  } finally {
    await Promise.all([n1.stop(), n2.stop(), n3.stop()]);
  }
});
