// GET /admin (PROTOCOL.md §10): the live dashboard page, outside the REST
// prefix. Static files only, read once at start: the page, its script and
// style (src/admin/assets/, plain browser JavaScript: no build step), and
// uPlot's prebuilt browser file and style from node_modules (no CDN: the
// machines have no internet). The page itself needs no token; everything it
// shows comes over the WebSocket of an admin token (`admin:stats`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TemplatedApp } from 'uWebSockets.js';
import { sendStatic } from '../gateway/http.ts';

interface StaticFile {
  body: Buffer;
  type: string;
}

const require = createRequire(import.meta.url);
const asset = (name: string): URL => new URL(`./assets/${name}`, import.meta.url);

/** Path → file. uPlot is found the way Node resolves the package, wherever npm put it. */
export function adminFiles(): Map<string, StaticFile> {
  const uplotDir = require.resolve('uplot/package.json').replace(/package\.json$/, 'dist/');
  const files: [string, string | URL, string][] = [
    ['/admin', asset('admin.html'), 'text/html; charset=utf-8'],
    ['/admin/admin.js', asset('admin.js'), 'text/javascript; charset=utf-8'],
    ['/admin/admin.css', asset('admin.css'), 'text/css; charset=utf-8'],
    ['/admin/uplot.js', `${uplotDir}uPlot.iife.min.js`, 'text/javascript; charset=utf-8'],
    ['/admin/uplot.css', `${uplotDir}uPlot.min.css`, 'text/css; charset=utf-8'],
  ];
  return new Map(files.map(([path, file, type]) => [path, { body: readFileSync(file), type }]));
}

/**
 * The page may talk to this origin only (REST and the WebSocket); uPlot sets
 * element styles from script, hence 'unsafe-inline' for styles alone.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function mountAdminPage(app: TemplatedApp, files: Map<string, StaticFile> = adminFiles()): void {
  for (const [path, f] of files) {
    app.get(path, (res) => sendStatic(res, f.type, f.body, CSP));
  }
  // `/admin/` (a trailing slash) is the same page.
  app.get('/admin/', (res) => void res.cork(() => res.writeStatus('301 Moved Permanently').writeHeader('location', '/admin').end()));
}
