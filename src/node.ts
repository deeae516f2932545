// The composition root of one node: config in, running parts out. main.ts
// wraps it in a process; tests start it in-process on port 0.
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { ActorSystem } from './actors/system.ts';
import { loadUws, type UwsBuild } from './gateway/uws.ts';

export const DOMAIN_BEHAVIOURS = new URL('./domain/behaviours.ts', import.meta.url).href;

export interface RunningNode {
  port: number;
  nodeId: string;
  uws: UwsBuild;
  actors: ActorSystem;
  /** Drains and stops; resolves when everything is closed. */
  stop(): Promise<void>;
}

export async function startNode(config: Config, logger: Logger): Promise<RunningNode> {
  const { uws, build } = loadUws({ allowFallback: config.uws.allowFallback });
  logger.info({ uws: build.binary, native: build.native }, build.native ? 'uWebSockets.js native build loaded' : 'uWebSockets.js ws FALLBACK loaded (slow; allowed by HAAT_ALLOW_UWS_FALLBACK)');
  if (config.auth.jwtSecretIsDefault) logger.warn('HAAT_JWT_SECRET is not set: using the built-in development secret');

  const actors = new ActorSystem({ config: config.actors, behaviourModules: [DOMAIN_BEHAVIOURS], logger });
  await actors.start();

  const app = uws.App();
  app.get('/api/v1/realtime/health', (res) => {
    res.cork(() => res.writeHeader('content-type', 'application/json').end(JSON.stringify({ status: 'ok', node: config.node.id })));
  });
  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(config.server.host, config.server.port, (sock) => (sock ? resolve(sock) : reject(new Error(`cannot listen on ${config.server.host}:${config.server.port}`))));
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  logger.info({ port }, 'listening');

  return {
    port,
    nodeId: config.node.id,
    uws: build,
    actors,
    async stop() {
      uws.us_listen_socket_close(listenSocket as never);
      await actors.stop();
    },
  };
}
