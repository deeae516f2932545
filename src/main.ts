// Starts one node from config (DESIGN.md §5) and prints {"listening":PORT}.
import { loadConfig } from './config/load.ts';
import { createLogger } from './log/logger.ts';
import { startNode } from './node.ts';
import { NODE_FLAGS, startedWithNodeFlags } from './heap/node-flags.ts';
import { MALLOC_ENV, startedWithMallocEnv } from './heap/malloc-arenas.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`haat: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.log.level, nodeId: config.node.id });
  if (!startedWithNodeFlags()) logger.warn({ flags: NODE_FLAGS }, 'started without the node flags npm start gives (the main thread keeps a larger young generation; GC helper threads take turns from the node threads); see src/heap/node-flags.ts');
  if (!startedWithMallocEnv()) logger.warn({ env: MALLOC_ENV }, 'started without the environment npm start gives (connect bursts leave native garbage in malloc arenas); see src/heap/malloc-arenas.ts');
  let node;
  try {
    node = await startNode(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    logger.flush();
    process.stderr.write(`haat: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    node.stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Only now: whoever reads this line may signal us at once, and the
  // handlers must be in place before (the default action would kill us).
  process.stdout.write(`${JSON.stringify({ listening: node.port })}\n`);
}

void main();
