// Protocols by name, so that worker threads can be told which one to speak.
import { haatProtocol } from './haat.ts';
import type { Protocol } from './protocol.ts';
import { socketIoProtocol } from './socketio.ts';
import { uwsTopicProtocol } from './uws-topic.ts';

export const PROTOCOLS: Readonly<Record<string, Protocol>> = {
  haat: haatProtocol,
  uws: uwsTopicProtocol,
  socketio: socketIoProtocol,
};

export function protocolByName(name: string): Protocol {
  const p = PROTOCOLS[name];
  if (!p) throw new Error(`unknown protocol ${JSON.stringify(name)}; known: ${Object.keys(PROTOCOLS).join(', ')}`);
  return p;
}
