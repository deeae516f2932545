// haat-client: the TypeScript SDK of haat's WebSocket protocol (PROTOCOL.md).
// Runs in browsers (global WebSocket) and in Node (pass `ws` as options.WebSocket).
export { HaatClient, jitter, tokenExpired, newId } from './client.ts';
export type { HaatClientOptions, State, Frame, ChannelEvent, Notification, Lean, Position, ChannelsJoined, Reply, Events, UrlOption, WebSocketLike, WebSocketCtor } from './client.ts';
export { HaatError } from './errors.ts';
export type { ErrorFrame } from './errors.ts';
export { networkHints } from './network.ts';
export type { Net, NetworkHints } from './network.ts';
