// A client nobody here wrote: Artillery's own WebSocket engine runs
// bench/artillery/storefront.yml (token, join_channel on a product, an auction
// and a sale channel, bids, a reserve, a ping) for a few seconds against a
// haat node; every frame must be answered, the only refusals allowed are the
// domain's (bid_too_low, sold_out), and the node's auction and sale must agree
// with what Artillery counted.
//
// Artillery is not a dependency (bench/lib/artillery.ts says why): this test
// runs when artillery@2.0.21 is already on the machine (npx's cache, after one
// `npm run bench:artillery`, or ARTILLERY_BIN) and is skipped otherwise, so that
// `npm test` never downloads ~590 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTILLERY_VERSION, checkState, localArtillery, runArtillery, seedCommerce, tally } from '../../bench/lib/artillery.ts';
import { startHaat } from '../../bench/lib/sessions.ts';

const artillery = localArtillery();
const skip = artillery ? false : `artillery@${ARTILLERY_VERSION} is not on this machine (run \`npm run bench:artillery\` once, or set ARTILLERY_BIN)`;

test('Artillery (engine ws) gets an answer to every frame, and the auction and the sale agree with it', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'haat-artillery-'));
  const server = await startHaat();
  try {
    const stock = 4;
    const seed = await seedCommerce(server.port, { stock, tag: 'art-test' });
    const run = await runArtillery({ port: server.port, scenario: 'storefront.yml', seed, outputJson: join(dir, 'report.json'), duration: 3, arrivalRate: 3, timeoutMs: 150_000 });
    const t = tally(run.report);
    const why = `artillery output: ${run.output.slice(-1500)}\ntally: ${JSON.stringify(t)}`;
    assert.equal(run.exitCode, 0, why);
    const users = t.vusersCreated;
    assert.ok(users >= 6, `few virtual users: ${users}; ${why}`);
    assert.equal(t.vusersFailed, 0, why);
    assert.equal(t.vusersCompleted, users, why);
    assert.deepEqual(t.artilleryErrors, {}, why);
    assert.deepEqual(t.otherRefusals, {}, why);
    assert.deepEqual(t.unanswered, {}, why);
    assert.equal(t.unexpected, 0, why);
    // Each user: one join, three bids, one reserve, one ping, each answered once.
    assert.equal(t.ok.join, users, why);
    assert.equal(t.ok.ping, users, why);
    const answered = (kind: string): number => (t.ok[kind] ?? 0) + Object.values(t.refused[kind] ?? {}).reduce((a, b) => a + b, 0);
    assert.equal(answered('bid'), 3 * users, why);
    assert.equal(answered('reserve'), users, why);
    assert.ok((t.ok.bid ?? 0) >= 1, why);
    // per_user_limit 1 and more users than units: exactly the stock is reserved, the rest is sold_out.
    assert.equal(t.ok.reserve, stock, why);
    assert.equal(t.refused.reserve?.sold_out, users - stock, why);
    assert.ok((t.events.bid_placed ?? 0) >= (t.ok.bid ?? 0), `every accepted bid is a bid_placed event its bidder sees; ${why}`);
    const state = await checkState(server.port, seed, t);
    assert.deepEqual(state.failures, [], why);
    assert.equal(state.sale.reserved, stock);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
