import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectUwsBuild, loadUws } from './uws.ts';
import { spawnNode, type ExitedEarly } from '../testkit/node-process.ts';

test('the native binary is detected on this machine', () => {
  const { build } = loadUws({ allowFallback: false });
  assert.equal(build.native, true);
  assert.match(build.binary, /uws_linux_x64_115\.node$/);
});

test('a module without the native binary in the require cache is the fallback', () => {
  const fake = { App() {}, getParts() {} };
  assert.equal(detectUwsBuild(fake, ['/x/node_modules/uWebSockets.js/src/uws.js', '/x/node_modules/uWebSockets.js/dist/index.js']).native, false);
  assert.equal(detectUwsBuild({ App() {} }, ['/x/node_modules/uWebSockets.js/binaries/uws_linux_x64_115.node']).native, false);
  assert.equal(detectUwsBuild(fake, ['/x/node_modules/uWebSockets.js/binaries/uws_linux_x64_115.node']).native, true);
});

test('a node on the ws fallback refuses to start', async () => {
  await assert.rejects(spawnNode({ UWS_USE_FALLBACK: '1' }), (e: unknown) => {
    const { code, stderr } = e as ExitedEarly;
    return code === 1 && /fallback/.test(stderr) && /HAAT_ALLOW_UWS_FALLBACK=1/.test(stderr);
  });
});

test('HAAT_ALLOW_UWS_FALLBACK=1 lets it start, and the log says which build loaded', async () => {
  const node = await spawnNode({ UWS_USE_FALLBACK: '1', HAAT_ALLOW_UWS_FALLBACK: '1' });
  try {
    const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/realtime/health`);
    assert.equal(res.status, 200);
    await node.waitForLog(/ws FALLBACK loaded/);
  } finally {
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
  }
});

test('the native build starts and logs its binary', async () => {
  const node = await spawnNode();
  try {
    await node.waitForLog(/"native":true/);
    assert.match(node.stderr(), /uws_linux_x64_115\.node/);
  } finally {
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
  }
});
