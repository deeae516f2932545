// ops/alerts.yml is valid Prometheus rules (`promtool check rules`) and every
// alert fires on the sample series of ops/alerts.test.yml (`promtool test
// rules`). promtool comes with Debian's `prometheus` package (.ci/run
// installs it when missing). Also: every metric the rules read is one this
// node exports, so a renamed metric cannot silently disarm an alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createMetrics } from './registry.ts';
import { registerOpsMetrics } from './ops-metrics.ts';

const run = promisify(execFile);
const ops = (f: string): string => fileURLToPath(new URL(`../../ops/${f}`, import.meta.url));

test('promtool check rules ops/alerts.yml', async () => {
  const { stdout } = await run('promtool', ['check', 'rules', ops('alerts.yml')]);
  assert.match(stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules ops/alerts.test.yml: each alert fires on its sample series', async () => {
  const { stdout } = await run('promtool', ['test', 'rules', ops('alerts.test.yml')]);
  assert.match(stdout, /SUCCESS/);
  // Each alert of the rules file has at least one test expecting it to fire.
  const rules = readFileSync(ops('alerts.yml'), 'utf8');
  const tests = readFileSync(ops('alerts.test.yml'), 'utf8');
  const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
  assert.ok(alerts.length >= 8);
  for (const a of alerts) assert.match(tests, new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `a test shows ${a} firing`);
});

test('every haat_ metric the rules and the sample autoscaler read is exported by a node', async () => {
  const m = createMetrics({ defaultMetrics: false });
  registerOpsMetrics(m.registry, { engine: 'memory', engineUp: () => true, ringMembers: () => 1, heartbeatAgeSeconds: () => 0, expectedNodes: 0, connections: () => 0, cpu: () => 0, desiredNodes: () => 1, rssBaseline: () => 0 });
  const exported = new Set(m.registry.getMetricsAsArray().map((x) => (x as unknown as { name: string }).name));
  const rules = readFileSync(ops('alerts.yml'), 'utf8') + readFileSync(ops('keda-scaledobject.yaml'), 'utf8');
  assert.match(rules, /query: max\(haat_scaling_desired_nodes/);
  for (const [name] of rules.matchAll(/\bhaat_[a-z_]+/g)) {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(exported.has(name) || exported.has(base), `${name} is exported`);
  }
});
