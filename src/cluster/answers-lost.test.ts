// Answers travel to an asking node by pub/sub, at most once: those published
// while the asker's subscriber connection is away are lost. The asks that
// waited for them fail as unavailable as soon as the subscription is back
// (not at their deadline, which a keyed bid or reserve sets at 30 s), and
// asks made after that are answered again. Real redis-server and a real
// 3-master Redis Cluster, real drop (CLIENT KILL TYPE pubsub on every master).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { OutgoingMessage } from '../actors/behaviour.ts';
import type { AnswerCallback } from '../actors/system.ts';
import { ASK_TIMEOUT_RETRY_AFTER_MS } from '../actors/ask-timeout.ts';
import { createRedisEngine } from '../engines/redis/redis-engine.ts';
import type { Engine } from '../engines/engine.ts';
import { HaatError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { killSubscriberConnections, startRedisCluster, startRedisServer } from '../testkit/redis-server.ts';
import { waitFor, withTimeout } from '../testkit/wait.ts';
import { RemoteMailboxes, type LocalActors } from './remote-mailboxes.ts';

/** Actors that answer only when told to: what they were handed waits in `held`. */
class HeldActors implements LocalActors {
  readonly held: { msg: OutgoingMessage; done: AnswerCallback<unknown> }[] = [];
  requestLocal<R>(_address: string, msg: OutgoingMessage, _timeoutMs: number | undefined, done: AnswerCallback<R>): void {
    this.held.push({ msg, done: done as AnswerCallback<unknown> });
  }
}

function mailboxes(id: string, engine: Engine, actors: LocalActors): RemoteMailboxes {
  return new RemoteMailboxes({ nodeId: id, engine: engine.mailboxes, local: actors, ring: () => undefined, logger: silentLogger(), batch: 16, blockMs: 20, maxInFlight: 100, sendTimeoutMs: 1000 });
}

function ask(from: RemoteMailboxes, to: string, type: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => from.request(to, 'sale:s1', { type }, timeoutMs, (err, v) => (err ? reject(err) : resolve(v))));
}

/** Two nodes' mailboxes over `urls`; the owner holds the asker's ask while the subscribers on `ports` are killed. */
async function lostAnswerFailsAtOnce(urls: readonly string[], ports: readonly number[]): Promise<void> {
  const ownerEngine = await createRedisEngine(urls, { logger: silentLogger(), maxBackoffMs: 200 });
  const askerEngine = await createRedisEngine(urls, { logger: silentLogger(), maxBackoffMs: 200 });
  const actors = new HeldActors();
  const owner = mailboxes('n1', ownerEngine, actors);
  const asker = mailboxes('n2', askerEngine, new HeldActors());
  owner.start();
  asker.start();
  try {
    await waitFor(() => owner.listeningForAnswers && asker.listeningForAnswers, (ok) => ok, { timeoutMs: 5_000, what: 'answer topics subscribed' });
    const waiting = ask(asker, 'n1', 'first', 30_000);
    await waitFor(() => actors.held.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the owner to hold the ask' });
    assert.ok((await killSubscriberConnections(ports)) >= 1, 'a subscriber connection was killed');
    const t0 = Date.now();
    await assert.rejects(
      withTimeout(waiting, { timeoutMs: 10_000, what: 'the ask to fail' }),
      (err: unknown) => err instanceof HaatError && err.code === 'unavailable' && /lost/.test(err.message) && err.retryAfterMs === ASK_TIMEOUT_RETRY_AFTER_MS,
    );
    assert.ok(Date.now() - t0 < 10_000, 'failed long before its 30 s deadline');

    // The subscription is back: a new ask gets its answer.
    const second = ask(asker, 'n1', 'second', 5_000);
    await waitFor(() => actors.held.length, (n) => n === 2, { timeoutMs: 5_000, what: 'the owner to hold the second ask' });
    actors.held[1]!.done(undefined, { handled: 'second' });
    assert.deepEqual(await withTimeout(second, { timeoutMs: 5_000, what: 'the second answer' }), { handled: 'second' });
  } finally {
    await Promise.all([owner.stop(), asker.stop()]);
    await Promise.all([ownerEngine.close(), askerEngine.close()]);
  }
}

describe('asks waiting for answers by topic fail as unavailable once the subscriber is back from a drop; later asks are answered', { timeout: 60_000 }, () => {
  it('on one redis-server', async () => {
    const server = await startRedisServer();
    try {
      await lostAnswerFailsAtOnce([server.url], [server.port]);
    } finally {
      await server.stop();
    }
  });

  it('on a 3-master Redis Cluster', async () => {
    const cluster = await startRedisCluster();
    try {
      await lostAnswerFailsAtOnce(cluster.urls, cluster.nodes.map((n) => n.port));
    } finally {
      await cluster.stop();
    }
  });
});
