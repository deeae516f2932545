import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpgradeGuard, type UpgradeGuardConfig, type UpgradeVerdict } from './upgrade-guard.ts';
import { yieldToTimers } from '../testkit/wait.ts';

const CONFIG: UpgradeGuardConfig = {
  upgradesPerSecondPerIp: 1000,
  upgradeBurstPerIp: 1000,
  stormWindowMs: 10_000,
  stormMaxUpgradesPerIp: 5,
  stormMaxUpgradesPerUser: 3,
  backoffBaseMs: 1000,
  backoffMaxMs: 8000,
  maxPendingUpgrades: 2,
  maxTracked: 100,
};

const retry = (v: UpgradeVerdict): number | null => (v.ok ? null : v.retryAfterMs);

test('a reconnect storm per IP: refused past the limit, each refusal doubling the delay, capped', () => {
  const g = new UpgradeGuard(CONFIG);
  const T = 1_000_000;
  for (let i = 0; i < 5; i++) assert.equal(g.checkIp('10.0.0.1', T + i).ok, true);
  const first = g.checkIp('10.0.0.1', T + 10);
  assert.deepEqual([first.ok, !first.ok && first.kind, !first.ok && first.first], [false, 'reconnect_storm', true]);
  assert.equal(retry(first), 1000);
  // Retrying early, or as soon as allowed while the window lasts: 2 s, 4 s, 8 s, then capped at 8 s.
  const r2 = g.checkIp('10.0.0.1', T + 20);
  assert.equal(retry(r2), 2000);
  assert.equal(!r2.ok && r2.first, false, 'one security event per streak');
  assert.equal(retry(g.checkIp('10.0.0.1', T + 20 + 2000)), 4000);
  assert.equal(retry(g.checkIp('10.0.0.1', T + 20 + 6000)), 8000);
  assert.equal(retry(g.checkIp('10.0.0.1', T + 20 + 14_000 - 1)), 8000, 'still blocked: refused again, capped');
  // Another IP is not affected.
  assert.equal(g.checkIp('10.0.0.2', T + 30).ok, true);
  // After the block and a quiet window the streak is over: admitted again, and the next refusal starts at 1 s.
  const later = T + 20 + 14_000 + 8000 + 10_000;
  for (let i = 0; i < 5; i++) assert.equal(g.checkIp('10.0.0.1', later + i).ok, true);
  assert.equal(retry(g.checkIp('10.0.0.1', later + 10)), 1000);
});

test('a reconnect storm per user, whatever the IPs', () => {
  const g = new UpgradeGuard(CONFIG);
  for (let i = 0; i < 3; i++) assert.equal(g.checkUser('u1', i).ok, true);
  const v = g.checkUser('u1', 5);
  assert.equal(!v.ok && v.kind, 'reconnect_storm');
  assert.equal(g.checkUser('u2', 6).ok, true);
});

test('the upgrade rate per IP is a token bucket: a burst, then the refill rate', () => {
  const g = new UpgradeGuard({ ...CONFIG, upgradesPerSecondPerIp: 2, upgradeBurstPerIp: 3, stormMaxUpgradesPerIp: 1000 });
  for (let i = 0; i < 3; i++) assert.equal(g.checkIp('10.0.0.9', 0).ok, true);
  const v = g.checkIp('10.0.0.9', 0);
  assert.deepEqual([!v.ok && v.kind, retry(v), !v.ok && v.first], ['upgrade_rate', 500, true]);
  const again = g.checkIp('10.0.0.9', 100);
  assert.equal(!again.ok && again.first, false, 'reported once per storm window');
  assert.equal(g.checkIp('10.0.0.9', 600).ok, true, 'a token came back after 500 ms');
});

test('pending upgrades are capped', () => {
  const g = new UpgradeGuard(CONFIG);
  assert.equal(g.begin(), true);
  assert.equal(g.begin(), true);
  assert.equal(g.begin(), false);
  assert.equal(g.pending, 2);
  g.end();
  assert.equal(g.begin(), true);
});

test('memory stays bounded: maxTracked, and idle entries are swept', () => {
  const g = new UpgradeGuard({ ...CONFIG, maxTracked: 10 });
  for (let i = 0; i < 50; i++) g.checkIp(`10.1.0.${i}`, 0);
  assert.equal(g.tracked, 10);
  g.checkUser('u', 0);
  g.sweep(60_000);
  assert.equal(g.tracked, 0);
});

test('users seen in a ramp-up are forgotten by the timer sweep once idle, with no upgrade after them; at most one sweep a storm window', () => {
  const g = new UpgradeGuard(CONFIG);
  for (let i = 0; i < 100; i++) g.checkUser(`u${i}`, 0);
  g.sweepIfDue(0); // swept at once (nothing idle yet): the next is a storm window later
  assert.equal(g.tracked, 100);
  g.sweepIfDue(CONFIG.stormWindowMs - 1);
  assert.equal(g.tracked, 100, 'not due yet');
  g.sweepIfDue(60_000);
  assert.equal(g.tracked, 0);
});

// The cost, not a timing: past maxTracked each new user forgets the oldest.
// Taken from a Map's front (keys().next()), every eviction stepped over the
// holes of all the evictions before it; in constant steps this loop is well
// under a second, far inside the test's bound (46 s before). The loop yields
// now and then, so that the bound can cut it short.
test('a ramp of 600,000 users through maxTracked 200,000 forgets the oldest in constant steps', { timeout: 15_000 }, async () => {
  const g = new UpgradeGuard({ ...CONFIG, maxTracked: 200_000 });
  for (let i = 0; i < 600_000; i++) {
    g.checkUser(`u${i}`, 0);
    if (i % 10_000 === 0) await yieldToTimers();
  }
  assert.equal(g.tracked, 200_000);
});
