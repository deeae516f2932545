// pino, created once in main and passed down; modules take a child logger.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; nodeId?: string }): Logger {
  const base = opts.nodeId === undefined ? {} : { node: opts.nodeId };
  // Logs go to stderr: stdout is reserved for the machine-readable
  // {"listening":PORT} line that scripts and tests read.
  return pino({ level: opts.level, base }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
