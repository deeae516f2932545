// How every baseline server starts: listen on 127.0.0.1 at $PORT (0: any),
// print {"listening":PORT} for the bench that spawned it, exit on SIGTERM and
// SIGINT.
import type { TemplatedApp } from 'uWebSockets.js';
import type { loadUws } from '../../src/gateway/uws.ts';

export function listenAndAnnounce(uws: ReturnType<typeof loadUws>['uws'], app: TemplatedApp, name: string): void {
  app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (listenSocket) => {
    if (!listenSocket) {
      process.stderr.write(`${name}: cannot listen\n`);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify({ listening: uws.us_socket_local_port(listenSocket) })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
