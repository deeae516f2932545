// PROTOCOL.md §1: "the server sends WebSocket pings every `heartbeat_ms` and
// closes idle peers after two missed pongs", at each connection's own
// heartbeat (README "Mobile networks": a carrier's may be shorter). Short
// heartbeats here; the link monitor samples every second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestNode } from '../testkit/node.ts';

const HB = 2000;
const SAMPLE = 1000;

function open(url: string, autoPong: boolean): Promise<{ ws: WebSocket; auth: Record<string, unknown>; t0: number; pings: number[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, autoPong });
    const pings: number[] = [];
    ws.on('ping', () => pings.push(Date.now()));
    const closed = new Promise<number>((r) => ws.once('close', () => r(Date.now())));
    ws.once('error', reject);
    ws.once('message', (d) => resolve({ ws, auth: JSON.parse(d.toString()) as Record<string, unknown>, t0: Date.now(), pings, closed }));
  });
}

test('a silent peer that answers no pings gets two, a heartbeat apart, and is closed after the second went unanswered', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ gateway: { heartbeatMs: HB } });
  try {
    const c = await open(node.url(), false);
    assert.equal(c.auth.heartbeat_ms, HB);
    const closedAt = await c.closed;
    const rel = c.pings.map((p) => p - c.t0);
    assert.equal(c.pings.length, 2, `pings at ${rel.join(', ')} ms, closed at ${closedAt - c.t0} ms`);
    assert.ok(rel[0]! >= HB - 100 && rel[0]! <= HB + SAMPLE + 500, `the first ping after a heartbeat of silence (${rel[0]} ms)`);
    assert.ok(rel[1]! - rel[0]! >= HB - SAMPLE - 100, `the second a heartbeat later (${rel[1]! - rel[0]!} ms)`);
    assert.ok(closedAt - c.t0 >= 3 * HB - 100 && closedAt - c.t0 <= 3 * HB + 2 * SAMPLE + 500, `closed after three heartbeats of silence (${closedAt - c.t0} ms)`);
  } finally {
    await node.stop();
  }
});

test('a silent peer that answers pings is pinged every heartbeat and kept', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ gateway: { heartbeatMs: HB } });
  try {
    const c = await open(node.url(), true);
    while (c.pings.length < 3) await new Promise<void>((r) => c.ws.once('ping', () => r()));
    const rel = c.pings.map((p) => p - c.t0);
    for (let i = 1; i < rel.length; i++) assert.ok(rel[i]! - rel[i - 1]! >= HB - 100 && rel[i]! - rel[i - 1]! <= HB + SAMPLE + 500, `pings at ${rel.join(', ')} ms: a heartbeat apart`);
    assert.equal(c.ws.readyState, WebSocket.OPEN, 'still connected');
    c.ws.close();
  } finally {
    await node.stop();
  }
});

test('a carrier`s shorter heartbeat is the one its pings and its close follow', { timeout: 30_000 }, async () => {
  const node = await startTestNode({ gateway: { heartbeatMs: 4 * HB }, network: { carriers: { teletalk: { heartbeatMs: HB, window2gMs: 2500, window3gMs: 750 } } } });
  try {
    const c = await open(node.url({ carrier: 'teletalk' }), false);
    assert.equal(c.auth.heartbeat_ms, HB);
    const closedAt = await c.closed;
    assert.equal(c.pings.length, 2, `pings at ${c.pings.map((p) => p - c.t0).join(', ')} ms`);
    assert.ok(closedAt - c.t0 <= 3 * HB + 2 * SAMPLE + 500, `closed after three of its heartbeats (${closedAt - c.t0} ms), not the node's`);
  } finally {
    await node.stop();
  }
});
