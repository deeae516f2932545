import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scalingSignal } from './scaling.ts';

const cfg = { connectionsPerNode: 15_000, cpuTarget: 0.7, minNodes: 1, maxNodes: 12 };

test('connections decide: 100,000 connections want 7 nodes', () => {
  const s = scalingSignal({ nodes: 6, connections: 100_000, cpuMax: 0.3 }, cfg);
  assert.equal(s.desired_nodes, 7);
  assert.equal(s.reason, 'connections');
  assert.equal(s.by_connections, 7);
  assert.equal(s.by_cpu, 3);
});

test('CPU decides when the busiest node runs over the target', () => {
  const s = scalingSignal({ nodes: 3, connections: 30_000, cpuMax: 0.9 }, cfg);
  assert.equal(s.by_cpu, 4, 'ceil(3 * 0.9 / 0.7)');
  assert.equal(s.desired_nodes, 4);
  assert.equal(s.reason, 'cpu');
  assert.equal(scalingSignal({ nodes: 2, connections: 0, cpuMax: 0.7 }, cfg).desired_nodes, 2, 'exactly at the target: no more nodes');
});

test('bounds: an idle cluster keeps minNodes, a flood stops at maxNodes', () => {
  const idle = scalingSignal({ nodes: 3, connections: 0, cpuMax: 0 }, { ...cfg, minNodes: 2 });
  assert.deepEqual([idle.desired_nodes, idle.reason], [2, 'min_nodes']);
  const flood = scalingSignal({ nodes: 12, connections: 1_000_000, cpuMax: 1 }, cfg);
  assert.deepEqual([flood.desired_nodes, flood.reason], [12, 'max_nodes']);
});
