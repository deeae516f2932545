// Loads uWebSockets.js and says which build it is. The npm package we depend
// on silently falls back to a slow ws-based copy when its native binary fails
// to load; haat refuses to run on that copy unless explicitly allowed.
import { createRequire } from 'node:module';
import type uWSModule from 'uWebSockets.js';

export type UWS = typeof uWSModule;

export interface UwsBuild {
  native: boolean;
  /** The .node file that loaded, or 'ws-fallback'. */
  binary: string;
}

const require = createRequire(import.meta.url);

/** Native when the package resolved to a `.node` binary in the require cache. */
export function detectUwsBuild(mod: unknown, cacheKeys: readonly string[]): UwsBuild {
  const binary = cacheKeys.find((k) => /uws_[a-z0-9]+_[a-z0-9]+_\d+\.node$/.test(k) && k.includes("binaries"));
  const hasNativeApi = typeof mod === 'object' && mod !== null && typeof (mod as { getParts?: unknown }).getParts === 'function';
  if (binary !== undefined && hasNativeApi) return { native: true, binary };
  return { native: false, binary: 'ws-fallback' };
}

export class UwsFallbackError extends Error {}

let cached: { uws: UWS; build: UwsBuild } | undefined;

export function loadUws(opts: { allowFallback: boolean }): { uws: UWS; build: UwsBuild } {
  if (!cached) {
    const uws = require('uWebSockets.js') as UWS;
    cached = { uws, build: detectUwsBuild(uws, Object.keys(require.cache)) };
  }
  if (!cached.build.native && !opts.allowFallback) {
    throw new UwsFallbackError(
      'uWebSockets.js loaded its slow ws-based fallback instead of the native binary ' +
        '(Node 20 on Linux x64 is required); refusing to start. Set HAAT_ALLOW_UWS_FALLBACK=1 to run anyway.',
    );
  }
  return cached;
}
