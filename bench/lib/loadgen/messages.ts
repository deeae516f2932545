// Messages between a ClientPool (main thread) and its worker threads.

export interface ConnectCommand {
  cmd: 'connect';
  protocol: string;
  host: string;
  port: number;
  /** Several servers (a cluster's nodes): connection i goes to ports[i % ports.length] instead of `port`. */
  ports?: number[];
  channel: string;
  /** Global connection indices this worker opens; index i binds to addresses[i % addresses.length]. */
  first: number;
  step: number;
  count: number;
  addresses: string[];
  maxPending: number;
  handshakeTimeoutMs: number;
  progressMs: number;
}

export type Command =
  | ConnectCommand
  | { cmd: 'reset'; id: number }
  | { cmd: 'collect'; id: number }
  | { cmd: 'close'; id: number };

export interface WorkerCounters {
  /** Subscriptions acknowledged by the server. */
  joined: number;
  /** Connections that closed or failed before their subscription was acknowledged. */
  failed: number;
  /** Connections that closed after joining (the server dropped them). */
  dropped: number;
  /** Deliveries (frames carrying a timestamp) since the start. */
  delivered: number;
  /** Size of the last delivery frame, in bytes. */
  frameBytes: number;
  lastError: string | undefined;
}

export type WorkerEvent =
  | ({ ev: 'progress' } & WorkerCounters)
  | { ev: 'reply'; id: number; delivered: number; histogram?: string };
