// Socket.IO 4 spoken directly over `ws` (Engine.IO v4 packets, Socket.IO v5
// protocol, websocket transport only): a socket.io-client per subscriber
// would cost the shared cores far more than the server under test.
//   server "0{...}" open      -> client "40" (connect to namespace /)
//   server "40{...}" connected -> client "421[\"join\",ch]" (event with ack id 1)
//   server "431[...]" ack      -> joined
//   server "2" ping            -> client "3" pong
import { eventLikeFrame, startsWith, type ControlOutcome, type Protocol } from './protocol.ts';
import type WebSocket from 'ws';

/** Pings and the connect handshake, common to subscribers and publishers. */
function handshake(ws: WebSocket, frame: Buffer): 'open' | 'connected' | 'ping' | 'other' | { error: string } {
  if (frame.length === 1 && frame[0] === 0x32) {
    ws.send('3');
    return 'ping';
  }
  if (startsWith(frame, '0{')) {
    ws.send('40');
    return 'open';
  }
  if (startsWith(frame, '40')) return 'connected';
  if (startsWith(frame, '44')) return { error: `socket.io connect_error: ${frame.toString()}` };
  return 'other';
}

export const socketIoProtocol: Protocol = {
  name: 'socketio',
  subscriberUrl: (host, port) => `ws://${host}:${port}/socket.io/?EIO=4&transport=websocket`,
  publisherUrl: (host, port) => `ws://${host}:${port}/socket.io/?EIO=4&transport=websocket`,
  onSubscriberOpen: () => 'none',
  onSubscriberFrame(ws, frame, channel): ControlOutcome {
    const h = handshake(ws, frame);
    if (typeof h === 'object') return h;
    if (h === 'connected') ws.send(`421${JSON.stringify(['join', channel])}`);
    if (h === 'other' && startsWith(frame, '431')) return 'joined';
    return 'none';
  },
  onPublisherOpen: () => 'none',
  onPublisherFrame(ws, frame): ControlOutcome {
    const h = handshake(ws, frame);
    if (typeof h === 'object') return h;
    return h === 'connected' ? 'ready' : 'none';
  },
  publishFrame: (channel, seq, t) => `42["publish",${eventLikeFrame(channel, seq, t)}]`,
};
