import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, ClientIps } from './client-ip.ts';

test('addresses have one spelling: IPv4-mapped IPv6 is IPv4, IPv6 is eight full groups', () => {
  assert.equal(canonicalIp('10.0.0.7'), '10.0.0.7');
  assert.equal(canonicalIp('::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(canonicalIp('0000:0000:0000:0000:0000:ffff:0a00:0007'), '10.0.0.7');
  assert.equal(canonicalIp('2001:DB8::1'), '2001:0db8:0000:0000:0000:0000:0000:0001');
  assert.equal(canonicalIp('::1'), '0000:0000:0000:0000:0000:0000:0000:0001');
  assert.equal(canonicalIp(' 203.0.113.9 '), '203.0.113.9');
});

test('behind a listed proxy the client is the nearest X-Forwarded-For hop that is not a proxy; anyone else`s header is ignored', () => {
  const ips = new ClientIps(['10.0.0.7', '10.0.0.8', '2001:db8::2']);
  assert.equal(ips.of('10.0.0.7', '198.51.100.4'), '198.51.100.4');
  assert.equal(ips.of('::ffff:10.0.0.7', '203.0.113.1, 198.51.100.4, 10.0.0.8'), '198.51.100.4', 'past a second listed proxy, not the client-written first hop');
  assert.equal(ips.of('2001:db8:0:0::2', '198.51.100.4'), '198.51.100.4');
  assert.equal(ips.of('10.0.0.7', ''), '10.0.0.7', 'no header: the proxy itself');
  assert.equal(ips.of('10.0.0.7', 'garbage'), '10.0.0.7');
  assert.equal(ips.of('192.0.2.50', '198.51.100.4'), '192.0.2.50', 'not listed: its header proves nothing');
});

test('loopback and listed proxies are exempt from the per-IP limit; clients behind them are not', () => {
  const ips = new ClientIps(['10.0.0.7']);
  assert.equal(ips.limits('10.0.0.7'), false);
  assert.equal(ips.limits('127.0.0.1'), false);
  assert.equal(ips.limits(ips.of('::1', '')), false);
  assert.equal(ips.limits(ips.of('10.0.0.7', '198.51.100.4')), true);
  assert.equal(ips.limits('192.0.2.50'), true);
});
