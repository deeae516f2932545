// Node interest and live events (DESIGN.md §1 fan-out): a node watches the
// channels it has local subscribers for and receives each of their events
// once. With Redis it is sharded pub/sub on a per-channel topic that the
// append script publishes to, so no node receives events nobody here wants.
// (The memory engine needs no bus: its channel actors hand events to the one
// node directly.)

export interface BusEvent {
  channel: string;
  epoch: string;
  offset: number;
  /** Sequencing time (ms), for delivery latency. */
  at: number;
  frame: string;
}

export interface ChannelBus {
  /** Resolves once events published from now on will be received. */
  watch(channel: string): Promise<void>;
  unwatch(channel: string): Promise<void>;
  onEvent(listener: (ev: BusEvent) => void): void;
  /** Called when the bus lost its connection: events may have been missed (fill gaps from history). */
  onReset(listener: () => void): void;
  close(): Promise<void>;
}
